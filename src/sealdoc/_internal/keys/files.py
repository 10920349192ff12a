"""Reading keys, certificates and passwords from files (PEM, DER, PKCS#12)."""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Final

from asn1crypto import pkcs12 as asn1_pkcs12
from cryptography import x509
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.asymmetric.types import PrivateKeyTypes
from cryptography.hazmat.primitives.serialization import pkcs12

from sealdoc._internal.keys.algorithms import check_public_key
from sealdoc._internal.keys.software import PrivateKey, SoftwareSigningKey
from sealdoc.errors import KeyAccessError

__all__ = [
    "load_certificate_chain",
    "load_certificates",
    "load_key_and_certificates",
    "load_pkcs12",
    "order_chain",
    "password_from_env_or_file",
    "same_public_key",
]

#: Key, certificate and PKCS#12 files are small; refuse anything bigger than this.
MAX_FILE_BYTES: Final = 1 << 20

_PEM_BEGIN: Final = b"-----BEGIN "


def password_from_env_or_file(
    env: str | None, file: Path | None, *, environ: Mapping[str, str] | None = None
) -> bytes | None:
    """Read a password from the environment variable named ``env`` or from ``file``.

    Returns ``None`` if neither is given. A file's final newline is dropped. Passwords never come
    from the command line, where other users of the machine could read them.
    """
    if env is not None and file is not None:
        raise KeyAccessError("give the password in an environment variable or a file, not both")
    if env is not None:
        value = (os.environ if environ is None else environ).get(env)
        if value is None:
            raise KeyAccessError(f"the password variable {env} is not set in the environment")
        return os.fsencode(value)
    if file is not None:
        data = _read(file, "password file")
        if data.endswith(b"\r\n"):
            return data[:-2]
        return data.removesuffix(b"\n")
    return None


def load_certificates(path: Path) -> list[x509.Certificate]:
    """All certificates in a PEM file (one or more) or a DER file (exactly one)."""
    data = _read(path, "certificate file")
    try:
        if _PEM_BEGIN in data:
            return x509.load_pem_x509_certificates(data)
        return [x509.load_der_x509_certificate(data)]
    except ValueError:
        raise KeyAccessError(
            f"{path} is not a certificate: expected a PEM or DER X.509 certificate"
        ) from None


def load_certificate_chain(paths: Sequence[Path]) -> tuple[x509.Certificate, ...]:
    """The certificates of every chain file, in order."""
    return tuple(cert for path in paths for cert in load_certificates(path))


def load_key_and_certificates(
    key_path: Path,
    cert_path: Path,
    password: bytes | None,
    *,
    chain: Sequence[x509.Certificate],
    allow_weak: bool,
) -> SoftwareSigningKey:
    """A key file + a certificate file (first certificate = signer's, the rest = chain)."""
    private_key = _load_private_key(key_path, password)
    certificates = load_certificates(cert_path)
    return _software_key(
        private_key,
        certificates[0],
        [*certificates[1:], *chain],
        source=f"key file {key_path}",
        allow_weak=allow_weak,
    )


def load_pkcs12(
    path: Path,
    password: bytes | None,
    *,
    chain: Sequence[x509.Certificate],
    allow_weak: bool,
) -> SoftwareSigningKey:
    """A PKCS#12 file with a private key, its certificate and optionally CA certificates."""
    data = _read(path, "PKCS#12 file")
    try:
        pfx = asn1_pkcs12.Pfx.load(data, strict=True)
        pfx["auth_safe"]["content_type"].native  # noqa: B018 - forces parsing of the outer layers
    except (ValueError, TypeError, KeyError):
        raise KeyAccessError(f"{path} is not a PKCS#12 (.p12/.pfx) file") from None
    bundle = _decrypt_pkcs12(path, data, password)
    if bundle.key is None:
        raise KeyAccessError(f"the PKCS#12 file {path} holds no private key")
    if bundle.cert is None:
        raise KeyAccessError(f"the PKCS#12 file {path} holds no certificate for its key")
    private_key = _supported_private_key(bundle.key, path)
    extra = [c.certificate for c in bundle.additional_certs]
    return _software_key(
        private_key,
        bundle.cert.certificate,
        [*extra, *chain],
        source=f"PKCS#12 file {path}",
        allow_weak=allow_weak,
    )


def same_public_key(a: object, b: object) -> bool:
    """Whether two ``cryptography`` public keys are the same key."""
    der = serialization.Encoding.DER
    spki = serialization.PublicFormat.SubjectPublicKeyInfo
    if not isinstance(a, ec.EllipticCurvePublicKey | rsa.RSAPublicKey):
        return False
    if not isinstance(b, ec.EllipticCurvePublicKey | rsa.RSAPublicKey):
        return False
    return a.public_bytes(der, spki) == b.public_bytes(der, spki)


def order_chain(
    signer: x509.Certificate, certificates: Iterable[x509.Certificate]
) -> tuple[x509.Certificate, ...]:
    """Drop duplicates and the signer's certificate; put the signer's issuer first, then its
    issuer, and so on; certificates off that path keep their order at the end."""
    remaining: list[x509.Certificate] = []
    for cert in certificates:
        if cert != signer and cert not in remaining:
            remaining.append(cert)
    ordered: list[x509.Certificate] = []
    current = signer
    while True:
        issuer = next((c for c in remaining if c.subject == current.issuer), None)
        if issuer is None or current.subject == current.issuer:
            break
        ordered.append(issuer)
        remaining.remove(issuer)
        current = issuer
    return (*ordered, *remaining)


def _software_key(
    private_key: PrivateKey,
    certificate: x509.Certificate,
    chain: Sequence[x509.Certificate],
    *,
    source: str,
    allow_weak: bool,
) -> SoftwareSigningKey:
    check_public_key(private_key.public_key(), allow_weak=allow_weak)
    if not same_public_key(private_key.public_key(), certificate.public_key()):
        raise KeyAccessError(
            f"the key ({source}) does not match the certificate "
            f"{certificate.subject.rfc4514_string()!r}: check that you gave the right pair"
        )
    return SoftwareSigningKey(private_key, certificate, order_chain(certificate, chain), source)


def _read(path: Path, what: str) -> bytes:
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise KeyAccessError(f"the {what} {path} is too large ({size} bytes) to be one")
        return path.read_bytes()
    except FileNotFoundError:
        raise KeyAccessError(f"{what} not found: {path}") from None
    except IsADirectoryError:
        raise KeyAccessError(f"the {what} {path} is a directory") from None
    except PermissionError:
        raise KeyAccessError(f"no permission to read the {what} {path}") from None
    except OSError as exc:
        raise KeyAccessError(f"cannot read the {what} {path}: {exc.strerror}") from None


def _load_private_key(path: Path, password: bytes | None) -> PrivateKey:
    data = _read(path, "key file")
    pem = _PEM_BEGIN in data
    loader = serialization.load_pem_private_key if pem else serialization.load_der_private_key
    try:
        key = loader(data, password)
    except TypeError:
        # cryptography's way of saying "encrypted but no password" or the reverse.
        if password is None:
            raise KeyAccessError(
                f"the key file {path} is encrypted: give its password "
                f"(from an environment variable or a file)"
            ) from None
        raise KeyAccessError(
            f"the key file {path} is not encrypted, but a password was given: drop the password"
        ) from None
    except ValueError:
        if password is not None and _is_encrypted(data, pem):
            raise KeyAccessError(f"wrong password for the key file {path}") from None
        kind = "PEM" if pem else "DER"
        raise KeyAccessError(
            f"{path} is not a valid private key ({kind} data is corrupt or of another kind): "
            f"expected a PKCS#8 or traditional EC/RSA private key in PEM or DER"
        ) from None
    except UnsupportedAlgorithm as exc:
        raise KeyAccessError(f"the key file {path} uses an unsupported algorithm: {exc}") from None
    return _supported_private_key(key, path)


def _is_encrypted(data: bytes, pem: bool) -> bool:
    if pem:
        return b"ENCRYPTED" in data
    try:
        serialization.load_der_private_key(data, None)
    except TypeError:
        return True
    except (ValueError, UnsupportedAlgorithm):
        return False
    return False


def _supported_private_key(key: PrivateKeyTypes, path: Path) -> PrivateKey:
    if isinstance(key, ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey):
        return key
    try:
        check_public_key(key.public_key())
    except KeyAccessError as exc:
        raise KeyAccessError(f"{path}: {exc.message}") from None
    raise AssertionError(f"check_public_key accepted {type(key).__name__}")  # pragma: no cover


def _decrypt_pkcs12(
    path: Path, data: bytes, password: bytes | None
) -> pkcs12.PKCS12KeyAndCertificates:
    # A file "without a password" may be protected with an empty one: try both.
    attempts: list[bytes | None] = [password] if password is not None else [None, b""]
    for attempt in attempts:
        try:
            return pkcs12.load_pkcs12(data, attempt)
        except ValueError:
            continue
        except UnsupportedAlgorithm as exc:
            raise KeyAccessError(
                f"the PKCS#12 file {path} uses an unsupported algorithm ({exc}); re-export it "
                f"with AES, e.g. `openssl pkcs12 -export -keypbe AES-256-CBC -certpbe AES-256-CBC`"
            ) from None
    if password is None:
        raise KeyAccessError(
            f"the PKCS#12 file {path} is protected by a password: give it "
            f"(from an environment variable or a file)"
        )
    raise KeyAccessError(f"wrong password for the PKCS#12 file {path}")
