"""Which keys and hashes sealdoc signs with, and conversions between signature encodings.

sealdoc signs with ECDSA on the NIST curves P-256, P-384 and P-521 (the 2D-Doc specification and
the ETSI algorithm catalogue both name them) and with RSA PKCS#1 v1.5 of 2048 bits or more.
Everything else is refused when a key is loaded, not when it is first used.
"""

from __future__ import annotations

from typing import Final, Literal

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.asymmetric.utils import (
    decode_dss_signature,
    encode_dss_signature,
)

from sealdoc.errors import KeyAccessError

__all__ = [
    "MIN_RSA_BITS",
    "HashName",
    "PublicKey",
    "check_public_key",
    "curve_byte_length",
    "default_hash",
    "der_to_raw_ecdsa",
    "ecdsa_der_max_length",
    "hash_object",
    "parse_hash_name",
    "raw_to_der_ecdsa",
]

#: A public key type sealdoc can sign with.
PublicKey = ec.EllipticCurvePublicKey | rsa.RSAPublicKey

#: The hash algorithms :meth:`SigningKey.sign` accepts (pyHanko's spelling).
HashName = Literal["sha256", "sha384", "sha512"]

#: RSA keys shorter than this are refused unless the caller passes ``allow_weak=True``.
MIN_RSA_BITS: Final = 2048

_HASHES: Final[dict[str, HashName]] = {"sha256": "sha256", "sha384": "sha384", "sha512": "sha512"}

#: Curve name (as ``cryptography`` spells it) -> (display name, default hash).
_CURVES: Final[dict[str, tuple[str, HashName]]] = {
    "secp256r1": ("P-256", "sha256"),
    "secp384r1": ("P-384", "sha384"),
    "secp521r1": ("P-521", "sha512"),
}


def parse_hash_name(name: str) -> HashName:
    """Normalise ``"SHA-256"``, ``"sha256"``... to a :data:`HashName`, or raise KeyAccessError."""
    normalised = name.lower().replace("-", "").replace("_", "")
    try:
        return _HASHES[normalised]
    except KeyError:
        allowed = ", ".join(_HASHES)
        raise KeyAccessError(
            f"unsupported hash algorithm {name!r}: sealdoc signs with {allowed}"
        ) from None


def hash_object(name: HashName) -> hashes.HashAlgorithm:
    """The ``cryptography`` hash object for a :data:`HashName`."""
    if name == "sha256":
        return hashes.SHA256()
    if name == "sha384":
        return hashes.SHA384()
    return hashes.SHA512()


def check_public_key(key: object, *, allow_weak: bool = False) -> PublicKey:
    """Return ``key`` if sealdoc can sign with it, else raise :class:`KeyAccessError`.

    ``key`` is a ``cryptography`` public key (of the certificate or of the private key).
    """
    if isinstance(key, ec.EllipticCurvePublicKey):
        if key.curve.name not in _CURVES:
            raise KeyAccessError(
                f"unsupported elliptic curve {key.curve.name}: use P-256, P-384 or P-521"
            )
        return key
    if isinstance(key, rsa.RSAPublicKey):
        if key.key_size < MIN_RSA_BITS and not allow_weak:
            raise KeyAccessError(
                f"RSA key of {key.key_size} bits is too weak: use {MIN_RSA_BITS} bits or more"
            )
        return key
    kind = type(key).__name__.removeprefix("_").removesuffix("PublicKey") or "unknown"
    raise KeyAccessError(
        f"unsupported key type {kind}: sealdoc signs with ECDSA (P-256, P-384, P-521) or RSA"
    )


def default_hash(key: PublicKey) -> HashName:
    """SHA-256/384/512 matching the curve size for ECDSA; SHA-256 for RSA."""
    if isinstance(key, ec.EllipticCurvePublicKey):
        return _CURVES[key.curve.name][1]
    return "sha256"


def curve_byte_length(key: ec.EllipticCurvePublicKey) -> int:
    """Length in bytes of one ECDSA signature integer on this curve (32, 48 or 66)."""
    return (key.curve.key_size + 7) // 8


def ecdsa_der_max_length(key: ec.EllipticCurvePublicKey) -> int:
    """Upper bound of a DER ``ECDSA-Sig-Value`` on this curve (used for pyHanko's dry run)."""
    integer = curve_byte_length(key) + 1 + 2  # leading zero byte + tag + length
    content = 2 * integer
    header = 2 if content < 128 else 3
    return header + content


def der_to_raw_ecdsa(signature: bytes, key: ec.EllipticCurvePublicKey) -> bytes:
    """DER ``ECDSA-Sig-Value`` -> ``r || s``, each left-padded to the curve's byte length."""
    r, s = decode_dss_signature(signature)
    size = curve_byte_length(key)
    return r.to_bytes(size, "big") + s.to_bytes(size, "big")


def raw_to_der_ecdsa(signature: bytes) -> bytes:
    """``r || s`` (two integers of equal length) -> DER ``ECDSA-Sig-Value``."""
    if not signature or len(signature) % 2:
        raise KeyAccessError(f"malformed raw ECDSA signature of {len(signature)} bytes")
    half = len(signature) // 2
    r = int.from_bytes(signature[:half], "big")
    s = int.from_bytes(signature[half:], "big")
    return encode_dss_signature(r, s)
