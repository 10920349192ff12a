"""Deposit: the seal is verified against the depositing agency's certificate; refusals are
evidence too; an acknowledged deposit is stored before the answer."""

from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path

import pytest
from tests.support.delivery_env import AGENCY_ID, OTHER_AGENCY_ID, Material, SmtpCapture
from tests.support.pki_services import PKI_TIME, PkiServices

from sealdoc.delivery.errors import DepositRejected
from sealdoc.delivery.evidence import SealedEvidence
from sealdoc.delivery.model import Event, MessageState, RecipientId
from sealdoc.delivery.service import DeliveryService
from sealdoc.delivery.settings import AgencySettings
from sealdoc.errors import InputError
from sealdoc.keys import load_key
from sealdoc.pades import seal_bytes


def _events(service: DeliveryService, message_id: str) -> list[str]:
    with service.storage.transaction(write=False) as tx:
        return [e.event for e in tx.evidence_of(message_id)]


def test_sealed_document_is_accepted_stored_and_evidenced(
    ready: DeliveryService, material: Material, recipient: RecipientId
) -> None:
    accepted = ready.deposit(
        AGENCY_ID, recipient, "Avis d'imposition", "avis.pdf", material.sealed_pdf
    )

    assert accepted.evidence.record.event is Event.SUBMISSION_ACCEPTANCE
    assert (
        accepted.evidence.record.documents[0].sha256
        == hashlib.sha256(material.sealed_pdf).hexdigest()
    )
    with ready.storage.transaction(write=False) as tx:
        assert tx.get_content(accepted.message.id) == material.sealed_pdf
        assert tx.get_message(accepted.message.id).state is MessageState.AVAILABLE  # type: ignore[union-attr]
    assert _events(ready, accepted.message.id) == ["SubmissionAcceptance"]


def test_document_sealed_by_another_agency_is_refused_with_rejection_evidence(
    ready: DeliveryService, material: Material, recipient: RecipientId
) -> None:
    with pytest.raises(DepositRejected) as caught:
        ready.deposit(AGENCY_ID, recipient, "Avis", "avis.pdf", material.foreign_pdf)

    assert "not sealed with the depositing agency's certificate" in caught.value.reason
    assert _events(ready, caught.value.message_id) == ["SubmissionRejection"]
    with ready.storage.transaction(write=False) as tx:
        assert tx.get_content(caught.value.message_id) is None
        stored = tx.evidence_of(caught.value.message_id)[0]
    assert SealedEvidence.parse(stored.leaf).record.reason == caught.value.reason


def test_the_other_agency_may_deposit_what_it_sealed(
    ready: DeliveryService, material: Material, recipient: RecipientId
) -> None:
    accepted = ready.deposit(OTHER_AGENCY_ID, recipient, "Avis", "avis.pdf", material.foreign_pdf)

    assert accepted.message.agency_id == OTHER_AGENCY_ID


def test_unsealed_document_is_refused(
    ready: DeliveryService, material: Material, recipient: RecipientId
) -> None:
    with pytest.raises(DepositRejected, match="does not verify"):
        ready.deposit(AGENCY_ID, recipient, "Avis", "avis.pdf", material.unsealed_pdf)


def test_document_modified_after_sealing_is_refused(
    ready: DeliveryService, material: Material, recipient: RecipientId
) -> None:
    tampered = material.sealed_pdf.replace(b"specimen", b"SPECIMEN", 1)
    assert tampered != material.sealed_pdf

    with pytest.raises(DepositRejected):
        ready.deposit(AGENCY_ID, recipient, "Avis", "avis.pdf", tampered)


def test_garbage_is_refused_not_crashed_on(ready: DeliveryService, recipient: RecipientId) -> None:
    with pytest.raises(DepositRejected, match="cannot be verified"):
        ready.deposit(AGENCY_ID, recipient, "Avis", "avis.pdf", b"%PDF-1.7 not really")


def test_recipient_without_active_domicile_is_refused(
    service: DeliveryService, material: Material, recipient: RecipientId
) -> None:
    with pytest.raises(DepositRejected, match="no active digital domicile"):
        service.deposit(AGENCY_ID, recipient, "Avis", "avis.pdf", material.sealed_pdf)


@pytest.mark.parametrize(
    ("window", "retention"),
    [(0, None), (91, None), (30, 10)],
    ids=["zero", "too-long", "short-retention"],
)
def test_invalid_windows_are_input_errors(
    ready: DeliveryService,
    material: Material,
    recipient: RecipientId,
    window: int,
    retention: int | None,
) -> None:
    with pytest.raises(InputError):
        ready.deposit(
            AGENCY_ID, recipient, "Avis", "avis.pdf", material.sealed_pdf,
            window_days=window or -1, retention_days=retention,
        )  # fmt: skip


def test_filename_and_title_are_sanitised(
    ready: DeliveryService, material: Material, recipient: RecipientId
) -> None:
    accepted = ready.deposit(
        AGENCY_ID, recipient, "  Avis\n  d'imposition ", "../../etc/passwd", material.sealed_pdf
    )

    assert accepted.message.title == "Avis d'imposition"
    assert "/" not in accepted.message.filename
    assert accepted.message.filename.endswith(".pdf")


def test_revocation_is_checked_online_at_deposit(
    make_service: object, smtp: SmtpCapture, recipient: RecipientId, tmp_path: Path
) -> None:
    from tests.support.delivery_env import confirm_email_domicile, make_material

    services = PkiServices(at=PKI_TIME)
    with services as pki:
        live = make_material(tmp_path / "live", pki)
        revoked = pki.write_seal_material("seal-revoked", tmp_path / "revoked")
        with load_key(key=revoked.key, cert=revoked.cert, chain=list(revoked.chain)) as key:
            revoked_pdf = seal_bytes(
                live.unsealed_pdf, key, at=dt.datetime(2026, 1, 15, tzinfo=dt.UTC),
                check_revocation=False,
            ).data  # fmt: skip
        agencies = [
            AgencySettings(
                id=AGENCY_ID, name="Agence", certificates=[live.agency_cert, revoked.cert],
                api_key_sha256=[],
            )
        ]  # fmt: skip
        service = make_service(  # type: ignore[operator]
            revocation="require", trust=[live.root], agencies=agencies
        )
        confirm_email_domicile(service, smtp, recipient, "a@entreprise.test")

        accepted = service.deposit(AGENCY_ID, recipient, "Avis", "a.pdf", live.sealed_pdf)
        with pytest.raises(DepositRejected, match="does not verify"):
            service.deposit(AGENCY_ID, recipient, "Avis", "a.pdf", revoked_pdf)

    assert accepted.evidence.record.event is Event.SUBMISSION_ACCEPTANCE
    assert any("/ocsp/" in path or "/crls/" in path for path in services.requests)
