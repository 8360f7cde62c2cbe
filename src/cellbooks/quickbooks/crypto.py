"""Encryption at rest for OAuth tokens (Fernet: AES-128-CBC + HMAC-SHA256).

The key never lives in the database: it comes from ``CELLBOOKS_ENCRYPTION_KEY`` (a comma-separated
list of Fernet keys, newest first, so keys can be rotated) or, in the embedded mode, from a key file
generated on first use under the data directory with mode 0600.
"""

import os
from functools import lru_cache
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings


class DecryptionError(Exception):
    """The stored value was encrypted with a key we no longer have."""


def _key_file() -> Path:
    return Path(
        os.environ.get("CELLBOOKS_ENCRYPTION_KEY_FILE", settings.DATA_DIR / "encryption.key")
    )


def _load_keys() -> list[bytes]:
    if env := os.environ.get("CELLBOOKS_ENCRYPTION_KEY"):
        return [k.strip().encode() for k in env.split(",") if k.strip()]
    path = _key_file()
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass  # another process won the race; read theirs
        else:
            with os.fdopen(fd, "wb") as handle:
                handle.write(Fernet.generate_key())
    return [line.strip() for line in path.read_bytes().splitlines() if line.strip()]


@lru_cache(maxsize=1)
def _fernet() -> MultiFernet:
    return MultiFernet([Fernet(key) for key in _load_keys()])


def encrypt(plaintext: str) -> str:
    if not plaintext:
        return ""
    return _fernet().encrypt(plaintext.encode()).decode()


def decrypt(ciphertext: str) -> str:
    if not ciphertext:
        return ""
    try:
        return _fernet().decrypt(ciphertext.encode()).decode()
    except InvalidToken:
        raise DecryptionError(
            "a stored secret cannot be decrypted with the configured key"
        ) from None
