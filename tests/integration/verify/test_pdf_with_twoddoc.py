"""`sealdoc.verify` on a sealed PDF carrying a 2D-Doc stamp: one report for both proofs."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from tests.support.pdf_samples import sample_pdf
from tests.support.pki_services import PKI_TIME, TestPki

import sealdoc
from sealdoc import twoddoc
from sealdoc.pades import StampSpec, seal_bytes
from sealdoc.pades.document import _payload_checks
from sealdoc.report import CheckStatus, Indication

ROOT = Path(__file__).resolve().parents[3]
TRUST = ROOT / "fixtures" / "trust"
FIELDS = {"10": "MME/SPECIMEN/CORINNE", "22": "12 RUE DE LA PAIX", "24": "75002", "26": "FR"}
PAGE_TEXT = "Facture - Mme Corinne SPECIMEN, 12 rue de la Paix, 75002 Paris, FR"


@pytest.fixture(scope="module")
def code() -> str:
    with sealdoc.load_key(
        key=TRUST / "keys" / "FR98_0001.key.pem", cert=TRUST / "participants" / "FR98_0001.pem"
    ) as key:
        return twoddoc.sign(
            "01",
            FIELDS,
            key,
            ca_id="FR98",
            cert_id="0001",
            issue_date=dt.date(2026, 3, 1),
            signature_date=dt.date(2026, 3, 1),
        )


@pytest.fixture(scope="module")
def pki() -> TestPki:
    return TestPki()


@pytest.fixture(scope="module")
def seal_key(pki: TestPki, tmp_path_factory: pytest.TempPathFactory) -> sealdoc.SigningKey:
    material = pki.write_seal_material("seal-ecdsa", tmp_path_factory.mktemp("seal"))
    return sealdoc.load_key(key=material.key, cert=material.cert, chain=list(material.chain))


def _sealed(text: str, code: str, key: sealdoc.SigningKey, pki: TestPki) -> bytes:
    return seal_bytes(
        sample_pdf(text=text),
        key,
        level="B-B",
        stamp=StampSpec(code=code, x=420, y=60),
        trust_roots=pki.trust_roots,
        check_revocation=False,
        at=PKI_TIME,
    ).data


def _trust(pki: TestPki, tmp_path: Path) -> sealdoc.TrustMaterial:
    root = pki.write_root(tmp_path)
    return sealdoc.TrustMaterial.load(trust_certs=[root, TRUST / "participants" / "FR98_0001.pem"])


def test_sealed_notice_with_matching_stamp_passes_every_check(
    code: str, seal_key: sealdoc.SigningKey, pki: TestPki, tmp_path: Path
) -> None:
    data = _sealed(PAGE_TEXT, code, seal_key, pki)
    report = sealdoc.verify(data, trust=_trust(pki, tmp_path), at=PKI_TIME, revocation="off")
    assert report.indication is Indication.PASSED, report.checks
    ids = {c.id: c.status for c in report.checks}
    assert ids["twoddoc[1]"] is CheckStatus.PASSED
    assert ids["twoddoc_payload"] is CheckStatus.PASSED
    assert ids["twoddoc_text"] is CheckStatus.PASSED
    assert report.signatures
    assert report.signatures[0].indication is Indication.PASSED
    assert report.embedded_codes[0].twoddoc is not None
    assert report.embedded_codes[0].twoddoc.header.cert_id == "0001"


def test_page_text_that_contradicts_the_code_fails(
    code: str, seal_key: sealdoc.SigningKey, pki: TestPki, tmp_path: Path
) -> None:
    data = _sealed(PAGE_TEXT.replace("75002", "75003"), code, seal_key, pki)
    report = sealdoc.verify(data, trust=_trust(pki, tmp_path), at=PKI_TIME, revocation="off")
    assert report.indication is Indication.FAILED
    text = report.check("twoddoc_text")
    assert text.status is CheckStatus.FAILED
    assert "75002" in text.message


def test_payload_binding_outcomes() -> None:
    assert _payload_checks(["A"], "A", None)[0].status is CheckStatus.PASSED
    assert _payload_checks(["B"], "A", None)[0].status is CheckStatus.FAILED
    assert _payload_checks([], "A", "unreadable")[0].status is CheckStatus.INDETERMINATE
    assert _payload_checks(["A"], None, None)[0].status is CheckStatus.SKIPPED
    assert _payload_checks([], None, None) == []
