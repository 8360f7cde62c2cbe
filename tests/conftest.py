import os
import tempfile

# Tests never touch the developer's ./var: settings read this before Django starts.
os.environ.setdefault("CELLBOOKS_DATA_DIR", tempfile.mkdtemp(prefix="cellbooks-test-"))
