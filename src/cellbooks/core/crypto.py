"""Encryption at rest for secrets Cellbooks must read back — QuickBooks' OAuth tokens, webhook
signing secrets (Fernet: AES-128-CBC + HMAC-SHA256).

The key never lives in the database: it comes from ``settings.CELLBOOKS_ENCRYPTION_KEYS`` (the
environment's ``CELLBOOKS_ENCRYPTION_KEY``, a comma-separated list of Fernet keys, newest first, so
keys can be rotated) or, in the embedded mode, from a key file generated on first use under the
data directory with mode 0600 (``settings.CELLBOOKS_ENCRYPTION_KEY_FILE``).
"""

import os
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver


class DecryptionError(Exception):
    """The stored value was encrypted with a key we no longer have."""


def _load_keys() -> list[bytes]:
    if settings.CELLBOOKS_ENCRYPTION_KEYS:
        return [key.encode() for key in settings.CELLBOOKS_ENCRYPTION_KEYS]
    path = settings.CELLBOOKS_ENCRYPTION_KEY_FILE
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


@receiver(setting_changed)
def _forget_keys(setting, **kwargs):
    if setting.startswith("CELLBOOKS_ENCRYPTION_KEY"):
        _fernet.cache_clear()


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
