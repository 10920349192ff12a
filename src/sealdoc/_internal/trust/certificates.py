"""Reading certificates and CRLs in whatever container they come in, and small X.509 helpers."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.serialization import pkcs7
from cryptography.x509.oid import NameOID

from sealdoc.errors import TrustError

__all__ = [
    "MAX_FILE_BYTES",
    "CertificateDirectory",
    "common_name",
    "day_bounds",
    "dedupe",
    "fingerprint",
    "is_ca",
    "issued_by",
    "load_certificate_directory",
    "load_certificate_file",
    "may_be_ca",
    "parse_certificates",
    "parse_crl",
    "pem_bundle",
    "utc",
    "valid_during_day",
]

#: Certificates, CRLs and certificate bundles larger than this are not read.
MAX_FILE_BYTES = 16 * 1024 * 1024

_PEM_BLOCK = re.compile(rb"-----BEGIN ([A-Z0-9 ]+)-----\r?\n(.*?)-----END \1-----", re.DOTALL)


def utc(moment: dt.datetime) -> dt.datetime:
    """``moment`` as an aware UTC datetime (a naive one is taken to be UTC already)."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(dt.UTC)


def day_bounds(day: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """The UTC instants where ``day`` starts and the next day starts."""
    start = dt.datetime.combine(day, dt.time(), tzinfo=dt.UTC)
    return start, start + dt.timedelta(days=1)


def valid_during_day(cert: x509.Certificate, day: dt.date) -> bool:
    """Whether ``cert`` was valid at some instant of ``day`` (UTC).

    A 2D-Doc carries only the date of its signature: a certificate issued or expiring that day
    may have been valid when the code was signed, so only a day wholly outside the validity
    period is a certain failure.
    """
    start, end = day_bounds(day)
    return cert.not_valid_before_utc < end and cert.not_valid_after_utc >= start


def common_name(name: x509.Name) -> str | None:
    """The (single) commonName of ``name``, or ``None`` if it has none or several."""
    values = name.get_attributes_for_oid(NameOID.COMMON_NAME)
    if len(values) != 1:
        return None
    value = values[0].value
    return value if isinstance(value, str) else None


def fingerprint(cert: x509.Certificate) -> bytes:
    return cert.fingerprint(hashes.SHA256())


def dedupe(certs: Iterable[x509.Certificate]) -> tuple[x509.Certificate, ...]:
    """``certs`` without repeats (same DER), in first-seen order."""
    seen: set[bytes] = set()
    out: list[x509.Certificate] = []
    for cert in certs:
        key = fingerprint(cert)
        if key not in seen:
            seen.add(key)
            out.append(cert)
    return tuple(out)


def is_ca(cert: x509.Certificate) -> bool:
    """Whether ``cert`` says it is a CA (``basicConstraints cA=TRUE``)."""
    try:
        constraints = cert.extensions.get_extension_for_class(x509.BasicConstraints).value
    except x509.ExtensionNotFound:
        return False
    return constraints.ca


def may_be_ca(cert: x509.Certificate) -> bool:
    """Whether ``cert`` may be a CA: it says so, or it is an X.509 v1 certificate (no extensions
    to say either way, as old 2D-Doc test certificates are)."""
    if is_ca(cert):
        return True
    return cert.version is x509.Version.v1


def issued_by(cert: x509.Certificate, issuer: x509.Certificate) -> bool:
    """Whether ``issuer`` directly issued ``cert`` (names match, its key verifies the signature)."""
    try:
        cert.verify_directly_issued_by(issuer)
    except (ValueError, TypeError, InvalidSignature, UnsupportedAlgorithm):
        return False
    return True


def _split_der_sequence(data: bytes) -> list[bytes] | None:
    """Split concatenated DER ``SEQUENCE`` values (a bare "certificate store" file)."""
    items: list[bytes] = []
    pos = 0
    while pos < len(data):
        if data[pos] != 0x30 or pos + 2 > len(data):
            return None
        first = data[pos + 1]
        if first < 0x80:
            header, length = 2, first
        else:
            count = first & 0x7F
            if count == 0 or count > 4 or pos + 2 + count > len(data):
                return None
            header = 2 + count
            length = int.from_bytes(data[pos + 2 : pos + header], "big")
        end = pos + header + length
        if end > len(data):
            return None
        items.append(data[pos:end])
        pos = end
    return items


def _parse_der_certificates(der: bytes) -> list[x509.Certificate]:
    try:
        return [x509.load_der_x509_certificate(der)]
    except ValueError:
        pass
    try:
        return list(pkcs7.load_der_pkcs7_certificates(der))
    except (ValueError, UnsupportedAlgorithm):
        pass
    parts = _split_der_sequence(der)
    if parts is None or len(parts) < 2:
        return []
    certs: list[x509.Certificate] = []
    for part in parts:
        try:
            certs.append(x509.load_der_x509_certificate(part))
        except ValueError:
            return []
    return certs


def parse_certificates(data: bytes, *, source: str) -> list[x509.Certificate]:
    """Every certificate in ``data``: PEM (one or many), DER, PKCS#7 (DER or PEM), or DER values
    back to back. Raises :class:`TrustError` if there is none."""
    certs: list[x509.Certificate] = []
    if b"-----BEGIN" in data:
        for match in _PEM_BLOCK.finditer(data):
            label, block = match.group(1), match.group(0)
            try:
                if label in (b"CERTIFICATE", b"X509 CERTIFICATE", b"TRUSTED CERTIFICATE"):
                    certs.append(x509.load_pem_x509_certificate(block))
                elif label in (b"PKCS7", b"CERTIFICATE CHAIN"):
                    certs.extend(pkcs7.load_pem_pkcs7_certificates(block))
            except (ValueError, UnsupportedAlgorithm) as exc:
                raise TrustError(
                    f"{source}: a PEM {label.decode()} block is corrupt ({exc})"
                ) from exc
    else:
        certs = _parse_der_certificates(data)
    if not certs:
        raise TrustError(f"{source}: no certificate found (expected PEM, DER or PKCS#7)")
    return certs


def parse_crl(data: bytes, *, source: str) -> x509.CertificateRevocationList:
    """A CRL in DER or PEM, or :class:`TrustError`."""
    try:
        if b"-----BEGIN X509 CRL-----" in data:
            return x509.load_pem_x509_crl(data)
        return x509.load_der_x509_crl(data)
    except (ValueError, UnsupportedAlgorithm) as exc:
        raise TrustError(f"{source}: not a CRL in DER or PEM ({exc})") from exc


def _read(path: Path) -> bytes:
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise TrustError(f"{path}: file of {size} bytes exceeds {MAX_FILE_BYTES} bytes")
        return path.read_bytes()
    except FileNotFoundError as exc:
        raise TrustError(f"{path}: no such file") from exc
    except IsADirectoryError as exc:
        raise TrustError(f"{path}: is a directory, not a file") from exc
    except OSError as exc:
        raise TrustError(f"{path}: cannot be read ({exc.strerror or exc})") from exc


def load_certificate_file(path: Path) -> list[x509.Certificate]:
    """Every certificate in the file at ``path`` (PEM, DER or PKCS#7)."""
    return parse_certificates(_read(path), source=str(path))


@dataclass(frozen=True)
class CertificateDirectory:
    """What a directory of trust material held, classified by content (never by file name)."""

    path: Path
    certificates: tuple[x509.Certificate, ...]
    crls: tuple[x509.CertificateRevocationList, ...]
    #: Files that were neither certificates nor CRLs, with the reason, so a typo is visible.
    skipped: tuple[tuple[Path, str], ...]


def _looks_like_crl(data: bytes) -> bool:
    if b"-----BEGIN X509 CRL-----" in data:
        return True
    if b"-----BEGIN" in data:
        return False
    try:
        x509.load_der_x509_crl(data)
    except ValueError:
        return False
    return True


def load_certificate_directory(path: Path) -> CertificateDirectory:
    """Read every file under ``path`` (recursively, in sorted order) as certificates or CRLs.

    Files of any name are accepted; each is classified by its content. Files that are neither are
    listed in :attr:`CertificateDirectory.skipped` rather than refused, so a README in the
    directory does no harm.
    """
    if not path.is_dir():
        raise TrustError(f"{path}: not a directory")
    certs: list[x509.Certificate] = []
    crls: list[x509.CertificateRevocationList] = []
    skipped: list[tuple[Path, str]] = []
    try:
        files = sorted(p for p in path.rglob("*") if p.is_file())
    except OSError as exc:
        raise TrustError(f"{path}: cannot be listed ({exc.strerror or exc})") from exc
    for file in files:
        try:
            data = _read(file)
            if _looks_like_crl(data):
                crls.append(parse_crl(data, source=str(file)))
                if b"-----BEGIN CERTIFICATE" in data:
                    certs.extend(parse_certificates(data, source=str(file)))
            else:
                certs.extend(parse_certificates(data, source=str(file)))
        except TrustError as exc:
            skipped.append((file, exc.message))
    return CertificateDirectory(path, dedupe(certs), tuple(crls), tuple(skipped))


def pem_bundle(certs: Sequence[x509.Certificate]) -> bytes:
    """``certs`` as one PEM file."""
    return b"".join(cert.public_bytes(serialization.Encoding.PEM) for cert in certs)
