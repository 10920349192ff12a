"""Fixtures of the archive-audit integration tests: the audit PKI served on 127.0.0.1, sealed
documents (sealed once per session), and a fresh small archive per test."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography import x509
from tests.support.audit_pki import (
    AUDIT_TIME,
    CLEAN_ARCHIVE,
    TRUST_FIXTURES,
    AuditServices,
    sha1_sealed_pdf,
    write_archive,
)
from tests.support.pdf_samples import sample_pdf

from sealdoc.keys import SigningKey, load_key
from sealdoc.trust import TrustMaterial, load_certificate_file
from sealdoc.twoddoc import sign as sign_code

CODE_DAY = dt.date(2026, 2, 16)
ADDRESS = {
    "10": "MME/SPECIMEN/NATACHA",
    "22": "145 AVENUE DES SPECIMENS",
    "24": "75000",
    "25": "PARIS",
    "26": "FR",
}


@pytest.fixture(scope="session")
def services() -> Iterator[AuditServices]:
    with AuditServices() as pki:
        yield pki


@pytest.fixture(scope="session")
def keys(
    services: AuditServices, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[dict[str, SigningKey]]:
    directory = tmp_path_factory.mktemp("audit-keys")
    loaded = {label: services.load_key(label, directory) for label in ("seal-ecdsa", "seal-rsa")}
    yield loaded
    for key in loaded.values():
        key.close()


@pytest.fixture(scope="session")
def code_key() -> Iterator[SigningKey]:
    with load_key(
        key=TRUST_FIXTURES / "keys" / "FR98_0001.key.pem",
        cert=TRUST_FIXTURES / "participants" / "FR98_0001.pem",
    ) as key:
        yield key


@pytest.fixture(scope="session")
def trust(services: AuditServices) -> TrustMaterial:
    """The audit PKI's root (PDF seals, TSAs), and CA FR98 with its participant and CRL (2D-Doc)."""
    fr98 = load_certificate_file(TRUST_FIXTURES / "ca" / "FR98_ca.pem")
    participant = load_certificate_file(TRUST_FIXTURES / "participants" / "FR98_0001.pem")
    crl = x509.load_der_x509_crl((TRUST_FIXTURES / "crl" / "FR98.crl").read_bytes())
    return TrustMaterial(
        anchors=(services.root, *fr98), certificates=tuple(participant), crls=(crl,)
    )


@pytest.fixture(scope="session")
def sealed(
    services: AuditServices, keys: dict[str, SigningKey], code_key: SigningKey
) -> dict[str, bytes]:
    """Documents sealed at AUDIT_TIME, once per session (read-only)."""
    ecdsa, rsa = keys["seal-ecdsa"], keys["seal-rsa"]
    docs = {
        f"lt-{i}": services.seal(
            sample_pdf(text=f"Attestation n° {i}"), ecdsa, level="B-LT", tsa="tsa-renewal"
        )
        for i in (1, 2, 3)
    }
    docs["rsa-1"] = services.seal(
        sample_pdf(text="Arrete prefectoral"), rsa, level="B-LT", tsa="tsa-renewal"
    )
    docs["expiring"] = services.seal(
        sample_pdf(text="Attestation n° 4"), ecdsa, level="B-LT", tsa="tsa-expiring"
    )
    for level in ("B-T", "B-LTA"):
        docs[f"expiring-{level}"] = services.seal(
            sample_pdf(text=f"Attestation {level}"), ecdsa, level=level, tsa="tsa-expiring"
        )
    docs["other-genuine"] = services.seal(
        sample_pdf(text="Attestation n° 1 (falsifiee)"), rsa, level="B-LT", tsa="tsa-renewal"
    )
    docs["sha1"] = sha1_sealed_pdf(services, sample_pdf(text="Ancienne"), at=AUDIT_TIME)
    code = sign_code(
        "02",
        ADDRESS,
        code_key,
        ca_id="FR98",
        cert_id="0001",
        issue_date=CODE_DAY,
        signature_date=CODE_DAY,
    )
    docs["code"] = code.encode("latin-1")
    docs["readme"] = b"# Fonds de test\nArchive of sealed attestations.\n"
    return docs


@pytest.fixture
def archive(tmp_path: Path, sealed: dict[str, bytes]) -> Path:
    """A fresh copy of the clean archive (see CLEAN_ARCHIVE)."""
    return write_archive(tmp_path / "fonds", sealed, CLEAN_ARCHIVE)


@pytest.fixture
def later(services: AuditServices) -> Iterator[dt.datetime]:
    """Move the services' clock 18 days after the sealing (back again afterwards)."""
    moment = AUDIT_TIME + dt.timedelta(days=18)
    services.clock = moment
    yield moment
    services.clock = AUDIT_TIME
