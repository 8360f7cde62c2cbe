"""The RS256 key that signs id_tokens and the JWKS document that publishes its public half."""

from __future__ import annotations

import base64
import json

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


class Signer:
    """RS256 signing for id_tokens; the private key persists so old id_tokens stay verifiable."""

    def __init__(self, pem: str | None = None):
        if pem:
            self.key = serialization.load_pem_private_key(pem.encode(), password=None)
        else:
            self.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        numbers = self.key.public_key().public_numbers()
        self.n = b64url(numbers.n.to_bytes((numbers.n.bit_length() + 7) // 8, "big"))
        self.e = b64url(numbers.e.to_bytes((numbers.e.bit_length() + 7) // 8, "big"))
        self.kid = b64url(self._thumbprint())[:20]

    def _thumbprint(self) -> bytes:
        # RFC 7638 JWK thumbprint, so the kid is stable for a given key.
        digest = hashes.Hash(hashes.SHA256())
        digest.update(
            json.dumps({"e": self.e, "kty": "RSA", "n": self.n}, separators=(",", ":")).encode()
        )
        return digest.finalize()

    def pem(self) -> str:
        return self.key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        ).decode()

    def sign(self, claims: dict) -> str:
        header = {"kid": self.kid, "alg": "RS256"}
        signing_input = ".".join(
            b64url(json.dumps(part, separators=(",", ":")).encode()) for part in (header, claims)
        )
        signature = self.key.sign(signing_input.encode(), padding.PKCS1v15(), hashes.SHA256())
        return f"{signing_input}.{b64url(signature)}"

    def jwks(self) -> dict:
        return {
            "keys": [
                {
                    "kty": "RSA",
                    "e": self.e,
                    "use": "sig",
                    "kid": self.kid,
                    "alg": "RS256",
                    "n": self.n,
                }
            ]
        }
