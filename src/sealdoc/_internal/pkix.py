"""Detached signatures and certificate paths, checked the same way wherever sealdoc needs them
(signed checkpoints of Merkle logs, sealed delivery evidence)."""

from __future__ import annotations

import asyncio
import concurrent.futures
import datetime as dt
from collections.abc import Coroutine, Sequence
from typing import Any

from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.serialization import Encoding

__all__ = ["HASHES", "chain_problem", "signature_problem", "to_asn1"]

#: Hash algorithms accepted for detached signatures, by name.
HASHES: dict[str, hashes.HashAlgorithm] = {
    "sha256": hashes.SHA256(),
    "sha384": hashes.SHA384(),
    "sha512": hashes.SHA512(),
}


def to_asn1(cert: x509.Certificate) -> asn1_x509.Certificate:
    return asn1_x509.Certificate.load(cert.public_bytes(Encoding.DER))


def signature_problem(
    cert: x509.Certificate, signature: bytes, data: bytes, hash_name: str
) -> str | None:
    """Why ``signature`` (ECDSA DER or RSA PKCS#1 v1.5) by ``cert`` over ``data`` does not verify,
    or ``None`` if it does."""
    algorithm = HASHES.get(hash_name)
    if algorithm is None:
        return f"unsupported hash algorithm {hash_name!r}"
    public_key = cert.public_key()
    try:
        if isinstance(public_key, ec.EllipticCurvePublicKey):
            public_key.verify(signature, data, ec.ECDSA(algorithm))
        elif isinstance(public_key, rsa.RSAPublicKey):
            public_key.verify(signature, data, padding.PKCS1v15(), algorithm)
        else:
            return "the signer's key type is not supported"
    except (InvalidSignature, ValueError, UnsupportedAlgorithm):
        return "the signature does not match (the data was altered, or another key signed it)"
    return None


def chain_problem(
    cert: x509.Certificate,
    chain: Sequence[x509.Certificate],
    anchors: Sequence[x509.Certificate],
    moment: dt.datetime,
) -> str | None:
    """Why ``cert`` does not validate to ``anchors`` at ``moment`` (offline, no revocation
    fetching), or ``None`` if it does. The reason reads after "the certificate ..."."""
    from pyhanko_certvalidator import CertificateValidator, ValidationContext
    from pyhanko_certvalidator.errors import PathBuildingError, PathValidationError

    if not anchors:
        return "cannot be trusted: no trust anchor was given"
    context = ValidationContext(
        trust_roots=[to_asn1(a) for a in anchors],
        other_certs=[to_asn1(c) for c in chain],
        moment=moment,
        allow_fetching=False,
        revocation_mode="soft-fail",
    )
    validator = CertificateValidator(to_asn1(cert), validation_context=context)
    try:
        _run(validator.async_validate_path())
    except PathBuildingError:
        return "does not chain to a trusted anchor"
    except PathValidationError as exc:
        return f"is not valid at {moment.isoformat()}: {exc}"
    except Exception as exc:  # hostile certificates are reported, never raised
        return f"cannot be validated ({type(exc).__name__}: {exc})"
    return None


def _run(coroutine: Coroutine[Any, Any, Any]) -> Any:
    """Run ``coroutine`` to completion, also from code already inside an event loop."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coroutine)
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coroutine).result()
