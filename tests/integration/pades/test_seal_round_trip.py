# mypy: disable-error-code="no-untyped-call"
# (pyHanko leaves many functions unannotated)
"""Seal at every PAdES level with ECDSA and RSA keys; three validators must accept the result."""

from __future__ import annotations

import io
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
from asn1crypto import x509 as asn1_x509
from cryptography.hazmat.primitives.serialization import Encoding
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko_certvalidator import ValidationContext
from pyhanko_certvalidator.fetchers import OwnedFetcherBackend
from tests.support.pki_services import PKI_TIME, PkiServices, TestPki

from sealdoc.pades import embedded_twoddoc, verify_pdf
from sealdoc.report import CheckStatus, Indication

from .conftest import CODE, SealFactory

LEVELS = ["B-B", "B-T", "B-LT", "B-LTA"]
LABELS = ["seal-ecdsa", "seal-rsa"]


def _asn1(pki: TestPki, label: str) -> asn1_x509.Certificate:
    return asn1_x509.Certificate.load(pki.cert(label).public_bytes(Encoding.DER))


@pytest.mark.parametrize("level", LEVELS)
@pytest.mark.parametrize("label", LABELS)
def test_sealed_pdf_passes_sealdoc_verification(
    sealed: SealFactory, pki: TestPki, label: str, level: str
) -> None:
    data = sealed(label, level)
    offline = level in ("B-LT", "B-LTA")
    report = verify_pdf(
        data,
        trust=pki.trust_roots,
        at=PKI_TIME,
        fetchers=None if offline else pki.fetcher_backend(),
    )
    assert report.indication is Indication.PASSED, report.model_dump_json(indent=1)
    assert report.format == "pdf"
    seals = [s for s in report.signatures if s.type == "signature"]
    assert len(seals) == 1
    assert seals[0].level == level
    assert seals[0].field_name == "Seal"
    assert all(c.status in (CheckStatus.PASSED, CheckStatus.SKIPPED) for c in seals[0].checks)
    stamps = [s for s in report.signatures if s.type == "timestamp"]
    assert len(stamps) == (1 if level == "B-LTA" else 0)


@pytest.mark.parametrize("level", ["B-LT", "B-LTA"])
def test_long_term_levels_validate_from_the_document_alone(
    sealed: SealFactory, pki: TestPki, pki_services: PkiServices, level: str
) -> None:
    data = sealed("seal-ecdsa", level)
    before = len(pki_services.requests)
    report = verify_pdf(data, trust=pki.trust_roots, at=PKI_TIME, revocation="require")
    assert report.passed
    assert len(pki_services.requests) == before  # nothing fetched
    seal_report = report.signatures[0]
    ltv = next(c for c in seal_report.checks if c.id == "ltv")
    assert ltv.status is CheckStatus.PASSED


def test_basic_level_without_fetchers_is_indeterminate_offline(
    sealed: SealFactory, pki: TestPki
) -> None:
    report = verify_pdf(sealed("seal-ecdsa", "B-B"), trust=pki.trust_roots, at=PKI_TIME)
    assert report.indication is Indication.INDETERMINATE
    revocation = next(c for c in report.signatures[0].checks if c.id == "revocation")
    assert revocation.status is CheckStatus.INDETERMINATE


@pytest.mark.parametrize("level", LEVELS)
@pytest.mark.parametrize("label", LABELS)
def test_sealed_pdf_passes_pyhanko_validation(
    sealed: SealFactory, pki: TestPki, label: str, level: str
) -> None:
    reader = PdfFileReader(io.BytesIO(sealed(label, level)))
    signature = reader.embedded_regular_signatures[0]
    context = ValidationContext(
        trust_roots=[_asn1(pki, "root")],
        moment=PKI_TIME,
        allow_fetching=True,
        fetcher_backend=OwnedFetcherBackend(pki.fetcher_backend()),
        revocation_mode="hard-fail",
        other_certs=[_asn1(pki, "issuing")],
    )
    status = validate_pdf_signature(signature, context)
    assert status.bottom_line, status.pretty_print_details()
    if level != "B-B":
        assert status.timestamp_validity is not None
        assert status.timestamp_validity.trusted


@pytest.mark.parametrize("level", LEVELS)
@pytest.mark.parametrize("label", LABELS)
def test_sealed_pdf_passes_poppler_pdfsig(
    sealed: SealFactory, write_pdf: Callable[[bytes, str], Path], label: str, level: str
) -> None:
    path = write_pdf(sealed(label, level), f"{label}-{level}.pdf")
    result = subprocess.run(
        ["/usr/bin/pdfsig", "-nocert", str(path)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    first = result.stdout.split("Signature #2")[0]
    assert "Signature Validation: Signature is Valid." in first
    assert "Signature Type: ETSI.CAdES.detached" in first
    expected = "Total document signed" if level in ("B-B", "B-T") else "Not total document signed"
    assert expected in first


@pytest.mark.parametrize("level", ["B-B", "B-LTA"])
def test_embedded_twoddoc_returns_the_sealed_payload(sealed: SealFactory, level: str) -> None:
    assert embedded_twoddoc(sealed("seal-ecdsa", level)) == CODE


def test_embedded_twoddoc_is_none_without_stamp(sealed: SealFactory) -> None:
    assert embedded_twoddoc(sealed("seal-ecdsa", "B-B", stamp=False)) is None
