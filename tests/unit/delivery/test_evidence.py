"""Evidence: sealed records in a Merkle log; offline verification finds every forgery."""

from __future__ import annotations

import json

import pytest
from cryptography import x509
from tests.support.delivery_env import AGENCY_ID, ManualClock, Material, SmtpCapture
from tests.support.pki_services import TestPki

from sealdoc.delivery.evidence import canonical_json
from sealdoc.delivery.evidence_log import BundleEntry, EvidenceBundle
from sealdoc.delivery.evidence_verify import parse_bundle, verify_bundle
from sealdoc.delivery.model import RecipientId
from sealdoc.delivery.service import ClientInfo, DeliveryService
from sealdoc.errors import ParseError
from sealdoc.report import CheckStatus, Indication


@pytest.fixture
def bundle(
    ready: DeliveryService, material: Material, recipient: RecipientId, smtp: SmtpCapture
) -> EvidenceBundle:
    accepted = ready.deposit(AGENCY_ID, recipient, "Avis", "avis.pdf", material.sealed_pdf)
    ready.run_due()
    ready.handover_to_system(recipient, accepted.message.id, ClientInfo("api"))
    # other messages after it, so the tree has more than this message's leaves
    ready.deposit(AGENCY_ID, recipient, "Autre", "autre.pdf", material.sealed_pdf)
    agency = ready.accounts.agency(AGENCY_ID)
    return ready.evidence_bundle(agency, accepted.message.id)


@pytest.fixture
def anchors(material: Material) -> list[x509.Certificate]:
    return [x509.load_pem_x509_certificate(material.root.read_bytes())]


def _status(report: object, check: str) -> CheckStatus:
    return next(c.status for c in report.checks if c.id == check)  # type: ignore[attr-defined]


def _with_leaf(bundle: EvidenceBundle, position: int, edit: dict[str, object]) -> EvidenceBundle:
    entries = list(bundle.entries)
    envelope = json.loads(entries[position].leaf)
    envelope["record"].update(edit)
    entries[position] = entries[position].model_copy(
        update={"leaf": canonical_json(envelope).decode()}
    )
    return bundle.model_copy(update={"entries": entries})


def test_genuine_bundle_verifies(
    bundle: EvidenceBundle, anchors: list[x509.Certificate], clock: ManualClock, material: Material
) -> None:
    report = verify_bundle(bundle, trust_anchors=anchors, at=clock(), document=material.sealed_pdf)

    assert report.indication is Indication.PASSED, report.checks
    assert [r.record.event.value for r in bundle.records()] == [
        "SubmissionAcceptance", "ConsignmentNotification", "ContentHandover",
    ]  # fmt: skip


def test_bundle_survives_a_json_round_trip(
    bundle: EvidenceBundle, anchors: list[x509.Certificate], clock: ManualClock
) -> None:
    again = parse_bundle(json.dumps(json.loads(bundle.model_dump_json()), indent=4))

    assert verify_bundle(again, trust_anchors=anchors, at=clock()).indication is Indication.PASSED


def test_removed_record_is_detected(
    bundle: EvidenceBundle, anchors: list[x509.Certificate], clock: ManualClock
) -> None:
    forged = bundle.model_copy(update={"entries": [bundle.entries[0], bundle.entries[2]]})

    report = verify_bundle(forged, trust_anchors=anchors, at=clock())

    assert report.indication is Indication.FAILED
    assert _status(report, "evidence_chain") is CheckStatus.FAILED


def test_altered_record_breaks_its_seal_and_its_inclusion(
    bundle: EvidenceBundle, anchors: list[x509.Certificate], clock: ManualClock
) -> None:
    forged = _with_leaf(bundle, 2, {"event_time": "2026-04-30T10:00:00.000000Z"})

    report = verify_bundle(forged, trust_anchors=anchors, at=clock())

    assert _status(report, "evidence_seals") is CheckStatus.FAILED
    assert _status(report, "log_inclusion") is CheckStatus.FAILED


def test_handover_turned_into_failure_is_detected(
    bundle: EvidenceBundle, anchors: list[x509.Certificate], clock: ManualClock
) -> None:
    forged = _with_leaf(bundle, 2, {"event": "ContentHandoverFailure", "reason": "expired"})

    assert verify_bundle(forged, trust_anchors=anchors, at=clock()).indication is Indication.FAILED


def test_forged_inclusion_proof_is_detected(
    bundle: EvidenceBundle, anchors: list[x509.Certificate], clock: ManualClock
) -> None:
    entry = bundle.entries[1]
    forged_entry = BundleEntry(
        index=entry.index + 1, leaf=entry.leaf, inclusion_proof=entry.inclusion_proof
    )
    forged = bundle.model_copy(
        update={"entries": [bundle.entries[0], forged_entry, bundle.entries[2]]}
    )

    report = verify_bundle(forged, trust_anchors=anchors, at=clock())

    assert _status(report, "log_inclusion") is CheckStatus.FAILED


def test_untrusted_service_key_fails(bundle: EvidenceBundle, clock: ManualClock) -> None:
    stranger = TestPki().cert("tsa")  # a certificate that is not a CA of the service

    report = verify_bundle(bundle, trust_anchors=[stranger], at=clock())

    assert report.indication is Indication.FAILED
    assert _status(report, "checkpoint") is CheckStatus.FAILED
    assert _status(report, "evidence_seals") is CheckStatus.FAILED


def test_other_document_does_not_match(
    bundle: EvidenceBundle, anchors: list[x509.Certificate], clock: ManualClock, material: Material
) -> None:
    report = verify_bundle(
        bundle, trust_anchors=anchors, at=clock(), document=material.unsealed_pdf
    )

    assert _status(report, "document_digest") is CheckStatus.FAILED


def test_garbage_is_a_parse_error() -> None:
    with pytest.raises(ParseError):
        parse_bundle(b'{"format": "something else"}')


def test_log_indices_are_dense_and_checkpoint_covers_them(
    ready: DeliveryService, bundle: EvidenceBundle
) -> None:
    with ready.storage.transaction(write=False) as tx:
        size = tx.log_size()
        hashes = tx.leaf_hashes(size)
    assert len(hashes) == size
    assert bundle.checkpoint.checkpoint.size == size
