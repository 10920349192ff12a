"""Every file of ``fixtures/hostile`` gets a typed error or a non-PASSED report, in bounded time.

Revocation checking is off here, so a verdict other than PASSED comes from the attack itself
(the control files prove the harness can still pass a sound seal).
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from cryptography import x509
from tests.support.pki_services import PKI_TIME, TestPki

from sealdoc.errors import InputError
from sealdoc.pades import VerifyLimits, embedded_twoddoc, verify_pdf
from sealdoc.report import CheckStatus, Indication, VerificationReport

CORPUS = Path(__file__).resolve().parents[3] / "fixtures" / "hostile"
MANIFEST: dict[str, dict[str, object]] = json.loads((CORPUS / "manifest.json").read_text())
LIMITS = VerifyLimits(timeout_s=20.0)


@pytest.fixture(scope="module")
def root() -> x509.Certificate:
    return TestPki().root  # same root as the one the corpus was made with (deterministic RSA)


def test_manifest_lists_every_file() -> None:
    assert sorted(p.name for p in CORPUS.glob("*.pdf")) == sorted(MANIFEST)


def _verify(
    data: bytes, root: x509.Certificate
) -> tuple[VerificationReport | None, InputError | None]:
    try:
        report = verify_pdf(data, trust=[root], at=PKI_TIME, revocation="none", limits=LIMITS)
    except InputError as exc:  # PdfError is an InputError
        return None, exc
    return report, None


@pytest.mark.parametrize("name", sorted(MANIFEST))
def test_hostile_file_is_answered_safely(name: str, root: x509.Certificate) -> None:
    meta = MANIFEST[name]
    data = (CORPUS / name).read_bytes()
    started = time.monotonic()
    report, error = _verify(data, root)
    assert time.monotonic() - started < LIMITS.timeout_s + 5
    if error is not None:
        assert meta["expect"] == "error", f"unexpected error: {error}"
        assert error.message
        return
    assert report is not None
    assert meta["expect"] != "error", f"expected a typed error, got {report.indication}"
    assert len(report.signatures) == meta["signatures"], "a signature was dropped"
    for signature in report.signatures:
        assert signature.checks, "a signature report without checks"
    if meta["expect"] == "passed":
        assert report.indication is Indication.PASSED, report.model_dump_json(indent=1)
        return
    assert report.indication is not Indication.PASSED
    for signature in report.signatures:
        assert signature.indication is not Indication.PASSED or signature.type == "timestamp"
    failing = meta.get("failing_check")
    if failing is not None:
        check = next(c for c in report.signatures[0].checks if c.id == failing)
        assert check.status is not CheckStatus.PASSED


@pytest.mark.parametrize("name", sorted(MANIFEST))
def test_embedded_payload_lookup_never_crashes(name: str) -> None:
    data = (CORPUS / name).read_bytes()
    try:
        payload = embedded_twoddoc(data, limits=LIMITS)
    except InputError:
        return
    assert payload is None or isinstance(payload, str)
