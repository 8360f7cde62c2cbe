import os
import tempfile

# Tests never touch the developer's ./var: settings read this before Django starts.
os.environ.setdefault("CELLBOOKS_DATA_DIR", tempfile.mkdtemp(prefix="cellbooks-test-"))
# Background tasks run inline in tests; the worker's own behaviour is covered by the sync tests.
os.environ.setdefault("HUEY_IMMEDIATE", "1")
