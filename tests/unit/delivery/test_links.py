"""Capability links: a GET (page) is tracking only, the handover is an explicit act; expiry,
withdrawal and retention make the link gone (410) while the evidence stays."""

from __future__ import annotations

import pytest
from tests.support.delivery_env import (
    AGENCY_ID,
    ManualClock,
    Material,
    SmtpCapture,
    link_in,
)

from sealdoc.delivery.errors import LinkGone, UnknownResource
from sealdoc.delivery.model import MessageState, RecipientId
from sealdoc.delivery.service import ClientInfo, DeliveryService
from sealdoc.delivery.tokens import hash_secret

WEB = ClientInfo("web", "127.0.0.1", "Mozilla/5.0")


def _deposit_and_notice(
    service: DeliveryService, smtp: SmtpCapture, material: Material, recipient: RecipientId
) -> tuple[str, str]:
    before = len(smtp.messages)
    accepted = service.deposit(AGENCY_ID, recipient, "Avis", "avis.pdf", material.sealed_pdf)
    service.run_due()
    mail = smtp.wait_for(before + 1)[before]
    return accepted.message.id, link_in(mail.get_content()).rsplit("/", 1)[1]


def _events(service: DeliveryService, message_id: str) -> list[str]:
    with service.storage.transaction(write=False) as tx:
        return [e.event for e in tx.evidence_of(message_id)]


def test_opening_the_page_is_tracked_and_never_hands_over(
    ready: DeliveryService, smtp: SmtpCapture, material: Material, recipient: RecipientId
) -> None:
    message_id, token = _deposit_and_notice(ready, smtp, material, recipient)

    for _ in range(3):
        view = ready.open_link(token, WEB)

    assert not view.handed_over
    assert view.message.state is MessageState.AVAILABLE
    assert _events(ready, message_id).count("NotificationAccessTracking") == 3
    assert "ContentHandover" not in _events(ready, message_id)


def test_confirming_hands_over_once_then_tracks_later_fetches(
    ready: DeliveryService, smtp: SmtpCapture, material: Material, recipient: RecipientId
) -> None:
    message_id, token = _deposit_and_notice(ready, smtp, material, recipient)

    first = ready.handover_by_link(token, WEB)
    again = ready.handover_by_link(token, WEB)

    assert first.first
    assert first.data == material.sealed_pdf
    assert not again.first
    events = _events(ready, message_id)
    assert events.count("ContentHandover") == 1
    assert events[-1] == "ContentAccessTracking"


def test_only_the_token_hash_is_stored(
    ready: DeliveryService, smtp: SmtpCapture, material: Material, recipient: RecipientId
) -> None:
    message_id, token = _deposit_and_notice(ready, smtp, material, recipient)

    with ready.storage.transaction(write=False) as tx:
        assert tx.link_of(message_id).token_hash == hash_secret(token)  # type: ignore[union-attr]
        assert all(n.payload is None for n in tx.notifications_of(message_id))
    database = (
        ready.storage.path.read_bytes()
        + ready.storage.path.with_name(  # type: ignore[attr-defined]
            "delivery.sqlite3-wal"
        ).read_bytes()
    )
    assert token.encode() not in database
    assert len(token) >= 22  # >= 128 bits in URL-safe base64


def test_unknown_token_is_not_found(ready: DeliveryService) -> None:
    with pytest.raises(UnknownResource):
        ready.open_link("A" * 32, WEB)


def test_expiry_gives_handover_failure_and_gone_link(
    ready: DeliveryService,
    smtp: SmtpCapture,
    material: Material,
    recipient: RecipientId,
    clock: ManualClock,
) -> None:
    message_id, token = _deposit_and_notice(ready, smtp, material, recipient)

    clock.advance(days=15, seconds=1)
    counts = ready.run_due()

    assert counts["expired"] == 1
    assert _events(ready, message_id)[-1] == "ContentHandoverFailure"
    with pytest.raises(LinkGone):
        ready.open_link(token, WEB)
    with pytest.raises(LinkGone):
        ready.handover_by_link(token, WEB)


def test_handed_over_document_does_not_expire_as_a_failure(
    ready: DeliveryService,
    smtp: SmtpCapture,
    material: Material,
    recipient: RecipientId,
    clock: ManualClock,
) -> None:
    message_id, token = _deposit_and_notice(ready, smtp, material, recipient)
    ready.handover_by_link(token, WEB)

    clock.advance(days=16)
    ready.run_due()

    assert "ContentHandoverFailure" not in _events(ready, message_id)
    with pytest.raises(LinkGone):
        ready.open_link(token, WEB)


def test_withdrawal_revokes_the_link(
    ready: DeliveryService, smtp: SmtpCapture, material: Material, recipient: RecipientId
) -> None:
    message_id, token = _deposit_and_notice(ready, smtp, material, recipient)

    ready.withdraw(AGENCY_ID, message_id)

    with pytest.raises(LinkGone, match="revoked"):
        ready.open_link(token, WEB)
    assert _events(ready, message_id)[-1] == "ContentHandoverFailure"


def test_another_agency_cannot_withdraw(
    ready: DeliveryService, smtp: SmtpCapture, material: Material, recipient: RecipientId
) -> None:
    message_id, _token = _deposit_and_notice(ready, smtp, material, recipient)

    with pytest.raises(UnknownResource):
        ready.withdraw("other-agency", message_id)


def test_retention_deletes_the_document_and_keeps_the_evidence(
    ready: DeliveryService,
    smtp: SmtpCapture,
    material: Material,
    recipient: RecipientId,
    clock: ManualClock,
) -> None:
    message_id, token = _deposit_and_notice(ready, smtp, material, recipient)
    ready.handover_by_link(token, WEB)
    events_before = _events(ready, message_id)

    clock.advance(days=366)
    counts = ready.run_due()

    assert counts["purged"] == 1
    with ready.storage.transaction(write=False) as tx:
        assert tx.get_content(message_id) is None
        assert tx.get_message(message_id).content_deleted_at == clock()  # type: ignore[union-attr]
    assert _events(ready, message_id) == events_before


def test_access_tracking_is_capped_per_link(
    make_service: object,
    smtp: SmtpCapture,
    material: Material,
    recipient: RecipientId,
) -> None:
    from tests.support.delivery_env import confirm_email_domicile

    service = make_service(access_tracking_cap=2)  # type: ignore[operator]
    confirm_email_domicile(service, smtp, recipient, "x@entreprise.test")
    message_id, token = _deposit_and_notice(service, smtp, material, recipient)

    for _ in range(5):
        service.open_link(token, WEB)

    assert _events(service, message_id).count("NotificationAccessTracking") == 2


def test_recipient_system_fetches_its_document_only(
    ready: DeliveryService, smtp: SmtpCapture, material: Material, recipient: RecipientId
) -> None:
    message_id, _token = _deposit_and_notice(ready, smtp, material, recipient)
    api = ClientInfo("api")

    assert [m.id for m in ready.inbox(recipient)] == [message_id]
    with pytest.raises(UnknownResource):
        ready.handover_to_system(RecipientId("SIREN", "987654321"), message_id, api)
    handover = ready.handover_to_system(recipient, message_id, api)

    assert handover.first
    assert handover.data == material.sealed_pdf
    assert _events(ready, message_id)[-1] == "ContentHandover"
