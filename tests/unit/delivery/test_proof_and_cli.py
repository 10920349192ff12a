"""The court proof (sealed PDF with the bundle inside) and the offline CLI commands."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from tests.support.delivery_env import AGENCY_ID, ManualClock, Material, SmtpCapture

from sealdoc._internal.cli.delivery import api_key, evidence
from sealdoc.delivery.model import RecipientId
from sealdoc.delivery.proof import bundle_from_proof
from sealdoc.delivery.service import ClientInfo, DeliveryService
from sealdoc.delivery.tokens import hash_secret
from sealdoc.errors import ParseError
from sealdoc.pades import verify_pdf
from sealdoc.report import Indication


@pytest.fixture
def delivered(
    ready: DeliveryService, material: Material, recipient: RecipientId, smtp: SmtpCapture
) -> str:
    accepted = ready.deposit(
        AGENCY_ID, recipient, "Avis d'imposition", "avis.pdf", material.sealed_pdf
    )
    ready.run_due()
    ready.handover_to_system(recipient, accepted.message.id, ClientInfo("api"))
    return accepted.message.id


def test_proof_is_a_sealed_pdf_carrying_the_evidence(
    ready: DeliveryService, delivered: str, material: Material, clock: ManualClock
) -> None:
    proof = ready.proof_pdf(ready.accounts.agency(AGENCY_ID), delivered)

    report = verify_pdf(proof, trust=[material.root], revocation="none", at=clock())
    assert report.indication is Indication.PASSED
    assert report.signatures[0].signer is not None
    assert "RSA" in report.signatures[0].signer
    bundle = bundle_from_proof(proof)
    assert bundle.message_id == delivered
    assert [r.record.event.value for r in bundle.records()][-1] == "ContentHandover"


def test_evidence_verify_accepts_the_proof_and_the_bundle(
    ready: DeliveryService, delivered: str, material: Material, tmp_path: Path, clock: ManualClock
) -> None:
    agency = ready.accounts.agency(AGENCY_ID)
    (tmp_path / "proof.pdf").write_bytes(ready.proof_pdf(agency, delivered))
    (tmp_path / "bundle.json").write_text(
        ready.evidence_bundle(agency, delivered).model_dump_json()
    )
    (tmp_path / "doc.pdf").write_bytes(material.sealed_pdf)
    runner = CliRunner()
    common = ["--trust-cert", str(material.root), "--at", clock().isoformat()]

    for name in ("proof.pdf", "bundle.json"):
        result = runner.invoke(
            evidence,
            ["verify", str(tmp_path / name), *common, "--document", str(tmp_path / "doc.pdf")],
        )
        assert result.exit_code == 0, result.output
        assert "PASSED" in result.output
        assert "ContentHandover" in result.output


def test_evidence_verify_fails_on_a_forged_bundle(
    ready: DeliveryService, delivered: str, material: Material, tmp_path: Path, clock: ManualClock
) -> None:
    bundle = json.loads(
        ready.evidence_bundle(ready.accounts.agency(AGENCY_ID), delivered).model_dump_json()
    )
    bundle["entries"].pop(1)
    (tmp_path / "bundle.json").write_text(json.dumps(bundle))

    result = CliRunner().invoke(
        evidence,
        ["verify", str(tmp_path / "bundle.json"), "--trust-cert", str(material.root), "--json",
         "--at", clock().isoformat()],
    )  # fmt: skip

    assert result.exit_code == 1
    assert json.loads(result.output)["indication"] == "FAILED"


def test_pdf_without_evidence_is_refused(material: Material) -> None:
    with pytest.raises(ParseError):
        bundle_from_proof(material.sealed_pdf)


def test_api_key_command_prints_a_key_and_its_hash() -> None:
    result = CliRunner().invoke(api_key, [])

    lines = dict(line.split(":", 1) for line in result.output.splitlines())
    key, digest = lines["api key"].strip(), lines["api_key_sha256"].strip()
    assert key.startswith("sdk_")
    assert len(key) >= 40
    assert hash_secret(key) == digest
