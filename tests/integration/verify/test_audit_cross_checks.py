"""The audit verifies PDFs as `sealdoc.verify` does: a stamped notice whose visible text
contradicts its sealed 2D-Doc is not PASSED, even though its seal is intact."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from tests.support.pdf_samples import sample_pdf
from tests.support.pki_services import PKI_TIME, TestPki

import sealdoc
from sealdoc import twoddoc
from sealdoc.audit import audit_archive
from sealdoc.pades import StampSpec, seal_bytes
from sealdoc.report import Indication

TRUST = Path(__file__).resolve().parents[3] / "fixtures" / "trust"
FIELDS = {"10": "MME/SPECIMEN/CORINNE", "22": "12 RUE DE LA PAIX", "24": "75002", "26": "FR"}
TEXT = "Mme Corinne SPECIMEN, 12 rue de la Paix, 75002 Paris, FR"


@pytest.fixture(scope="module")
def archive(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, sealdoc.TrustMaterial]:
    pki = TestPki()
    directory = tmp_path_factory.mktemp("archive")
    material = pki.write_seal_material("seal-ecdsa", directory.parent / "keys")
    with sealdoc.load_key(
        key=TRUST / "keys" / "FR98_0001.key.pem", cert=TRUST / "participants" / "FR98_0001.pem"
    ) as code_key:
        code = twoddoc.sign(
            "01",
            FIELDS,
            code_key,
            ca_id="FR98",
            cert_id="0001",
            issue_date=dt.date(2026, 3, 1),
            signature_date=dt.date(2026, 3, 1),
        )
    with sealdoc.load_key(key=material.key, cert=material.cert, chain=list(material.chain)) as key:
        for name, text in (
            ("genuine.pdf", TEXT),
            ("text-altered.pdf", TEXT.replace("75002", "75011")),
        ):
            sealed = seal_bytes(
                sample_pdf(text=text),
                key,
                stamp=StampSpec(code=code, x=420, y=60),
                trust_roots=pki.trust_roots,
                check_revocation=False,
                at=PKI_TIME,
            )
            (directory / name).write_bytes(sealed.data)
    trust = sealdoc.TrustMaterial.load(
        trust_certs=[pki.write_root(directory.parent), TRUST / "participants" / "FR98_0001.pem"]
    )
    return directory, trust


def test_audit_fails_a_notice_whose_text_contradicts_its_sealed_code(
    archive: tuple[Path, sealdoc.TrustMaterial],
) -> None:
    directory, trust = archive
    report = audit_archive(directory, trust=trust, at=PKI_TIME, revocation="off")
    verdicts = {d.path: d for d in report.documents}
    assert verdicts["genuine.pdf"].verdict is Indication.PASSED, verdicts["genuine.pdf"].problems
    altered = verdicts["text-altered.pdf"]
    assert altered.verdict is Indication.FAILED
    assert any("twoddoc_text" in p and "75002" in p for p in altered.problems), altered.problems
