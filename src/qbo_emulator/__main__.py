"""``python -m qbo_emulator serve …``: the same command line as ``qbo-emulator``."""

import sys

from .cli import main

sys.exit(main())
