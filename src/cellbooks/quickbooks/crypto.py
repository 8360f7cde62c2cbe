"""Tokens are encrypted at rest with the key(s) every room shares: see ``cellbooks.core.crypto``."""

from cellbooks.core.crypto import DecryptionError, decrypt, encrypt

__all__ = ["DecryptionError", "decrypt", "encrypt"]
