"""Settings for the test suite: the real settings, with a throwaway data directory and background
tasks run inline (the worker's own claiming and retry logic is tested through sync.process_request).

The environment is set before the real settings are read, since they use it at import time; it is
overwritten, not defaulted, because `make` exports the developer's CELLBOOKS_DATA_DIR.
"""

import os
import tempfile

os.environ["CELLBOOKS_DATA_DIR"] = tempfile.mkdtemp(prefix="cellbooks-test-")
os.environ["HUEY_IMMEDIATE"] = "1"

from .settings import *  # noqa: E402,F403

# Hashing a password on purpose takes a long time; tests log users in hundreds of times.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
