"""A key held in memory (loaded from a key file or a PKCS#12 file)."""

from __future__ import annotations

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa

from sealdoc._internal.keys.algorithms import HashName, hash_object
from sealdoc._internal.keys.base import SigningKey
from sealdoc.errors import KeyAccessError

__all__ = ["PrivateKey", "SoftwareSigningKey"]

PrivateKey = ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey


class SoftwareSigningKey(SigningKey):
    """A private key in this process's memory. Safe to use from several threads."""

    def __init__(
        self,
        private_key: PrivateKey,
        certificate: x509.Certificate,
        chain: tuple[x509.Certificate, ...],
        source: str,
    ) -> None:
        super().__init__(certificate, chain, source)
        self._private_key: PrivateKey | None = private_key

    def _sign(self, data: bytes, hash_algorithm: HashName) -> bytes:
        key = self._private_key
        if key is None:  # closed concurrently with this call
            raise KeyAccessError(f"the signing key ({self.source}) has been closed")
        if isinstance(key, ec.EllipticCurvePrivateKey):
            return key.sign(data, ec.ECDSA(hash_object(hash_algorithm)))
        return key.sign(data, padding.PKCS1v15(), hash_object(hash_algorithm))

    def _release(self) -> None:
        self._private_key = None
