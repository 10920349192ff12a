"""The pyHanko :class:`~pyhanko.sign.signers.Signer` over a :class:`SigningKey`.

pyHanko's one seam for every key backend is ``Signer.async_sign_raw(data, digest_algorithm)``;
this adapter routes it through :meth:`SigningKey.sign`, so a PDF is sealed the same way whether
the key sits in a file, a PKCS#12 or a token.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from asn1crypto import algos
from asn1crypto import x509 as asn1_x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from pyhanko.sign.signers import Signer
from pyhanko_certvalidator.registry import SimpleCertificateStore

from sealdoc._internal.keys.algorithms import HashName, ecdsa_der_max_length

if TYPE_CHECKING:
    from cryptography import x509

    from sealdoc._internal.keys.base import SigningKey

__all__ = ["SealdocSigner"]


def _to_asn1(cert: x509.Certificate) -> asn1_x509.Certificate:
    return asn1_x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER))


class SealdocSigner(Signer):
    """Signs with a :class:`SigningKey`: ECDSA or RSA PKCS#1 v1.5 with one fixed hash."""

    def __init__(self, key: SigningKey, hash_algorithm: HashName) -> None:
        certs = [_to_asn1(cert) for cert in key.chain]
        registry = SimpleCertificateStore.from_certs(certs)  # type: ignore[no-untyped-call]
        suffix = "ecdsa" if key.algorithm == "ecdsa" else "rsa"
        mechanism = algos.SignedDigestAlgorithm({"algorithm": f"{hash_algorithm}_{suffix}"})
        super().__init__(
            signing_cert=_to_asn1(key.certificate),
            cert_registry=registry,
            signature_mechanism=mechanism,
        )
        self._key = key
        self._hash_algorithm = hash_algorithm

    @property
    def key(self) -> SigningKey:
        """The key this signer signs with."""
        return self._key

    async def async_sign_raw(
        self, data: bytes, digest_algorithm: str, dry_run: bool = False
    ) -> bytes:
        if dry_run:
            # pyHanko only needs the size here; don't make the token sign twice.
            return bytes(self._signature_size())
        # A token may take a while (or sit across the network): keep the event loop free.
        return await asyncio.to_thread(self._key.sign, data, digest_algorithm)

    def _signature_size(self) -> int:
        public_key = self._key.public_key
        if isinstance(public_key, ec.EllipticCurvePublicKey):
            return ecdsa_der_max_length(public_key)
        return (public_key.key_size + 7) // 8
