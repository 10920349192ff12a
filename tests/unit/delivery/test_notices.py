"""Notices: a link and no document or title; SMTP and webhook outcomes become evidence;
transient failures are retried with backoff, permanent ones are not."""

from __future__ import annotations

import datetime as dt

from tests.support.delivery_env import (
    AGENCY_ID,
    ManualClock,
    Material,
    SmtpCapture,
    WebhookReceiver,
    confirm_email_domicile,
    link_in,
)

from sealdoc.delivery.evidence import SealedEvidence
from sealdoc.delivery.model import Channel, NotificationStatus, RecipientId
from sealdoc.delivery.notify.webhook import sign, verify_signature
from sealdoc.delivery.service import DeliveryService


def _records(service: DeliveryService, message_id: str) -> list[SealedEvidence]:
    with service.storage.transaction(write=False) as tx:
        return [SealedEvidence.parse(e.leaf) for e in tx.evidence_of(message_id)]


def test_email_notice_carries_a_link_and_no_title_nor_document(
    ready: DeliveryService, smtp: SmtpCapture, material: Material, recipient: RecipientId
) -> None:
    before = len(smtp.messages)
    accepted = ready.deposit(
        AGENCY_ID, recipient, "Redressement fiscal", "a.pdf", material.sealed_pdf
    )
    ready.run_due()

    mail = smtp.wait_for(before + 1)[before]
    text = mail.get_content()
    assert link_in(text).startswith(ready.settings.public_url + "/l/")
    assert "Redressement" not in text
    assert "Redressement" not in mail["Subject"]
    assert not mail.is_multipart()
    assert mail["To"] == "courrier@entreprise.test"
    notice = _records(ready, accepted.message.id)[-1].record
    assert notice.event == "ConsignmentNotification"
    assert notice.details["address"] == "courrier@entreprise.test"


def test_forwarded_notice_is_relay_evidence(
    ready: DeliveryService, smtp: SmtpCapture, material: Material, recipient: RecipientId
) -> None:
    from tests.support.delivery_env import code_in

    ready.domiciles.set_forwarding(recipient, "compta@entreprise.test")
    before = len(smtp.messages)
    ready.run_due()
    ready.domiciles.confirm(recipient, code_in(smtp.wait_for(before + 1)[before].get_content()))

    accepted = ready.deposit(AGENCY_ID, recipient, "Avis", "a.pdf", material.sealed_pdf)
    ready.run_due()

    events = sorted(r.record.event.value for r in _records(ready, accepted.message.id))
    assert events == ["ConsignmentNotification", "RelayToNonERDS", "SubmissionAcceptance"]


def test_smtp_permanent_refusal_is_a_notification_failure(
    service: DeliveryService,
    smtp: SmtpCapture,
    material: Material,
    recipient: RecipientId,
) -> None:
    confirm_email_domicile(service, smtp, recipient, "gone@entreprise.test")
    smtp.refuse.add("gone@entreprise.test")
    try:
        accepted = service.deposit(AGENCY_ID, recipient, "Avis", "a.pdf", material.sealed_pdf)
        counts = service.run_due()
    finally:
        smtp.refuse.clear()

    assert counts["failed"] == 1
    failure = _records(service, accepted.message.id)[-1].record
    assert failure.event == "ConsignmentNotificationFailure"
    assert failure.reason is not None
    assert "550" in failure.reason


def test_smtp_deferral_is_retried_with_backoff_then_given_up(
    service: DeliveryService,
    smtp: SmtpCapture,
    material: Material,
    recipient: RecipientId,
    clock: ManualClock,
) -> None:
    confirm_email_domicile(service, smtp, recipient, "busy@entreprise.test")
    smtp.defer.add("busy@entreprise.test")
    try:
        accepted = service.deposit(AGENCY_ID, recipient, "Avis", "a.pdf", material.sealed_pdf)
        assert service.run_due()["retrying"] == 1
        assert service.run_due()["retrying"] == 0  # not due yet: backoff
        for delay in service.settings.notice_retry_delays_s[:-1]:
            clock.advance(seconds=delay * 1.2)
            assert service.run_due()["retrying"] == 1
        clock.advance(seconds=service.settings.notice_retry_delays_s[-1] * 1.2)
        assert service.run_due()["failed"] == 1
    finally:
        smtp.defer.clear()

    failure = _records(service, accepted.message.id)[-1].record
    assert failure.event == "ConsignmentNotificationFailure"
    assert failure.reason is not None
    assert "gave up after 4 attempts" in failure.reason
    with service.storage.transaction(write=False) as tx:
        (notice,) = tx.notifications_of(accepted.message.id)
    assert notice.status is NotificationStatus.FAILED
    assert notice.payload is None


def test_unreachable_smtp_server_is_transient(
    make_service: object, material: Material, recipient: RecipientId, smtp: SmtpCapture
) -> None:
    service = make_service()  # type: ignore[operator]
    confirm_email_domicile(service, smtp, recipient, "x@entreprise.test")
    service.deposit(AGENCY_ID, recipient, "Avis", "a.pdf", material.sealed_pdf)
    service.notifiers[Channel.EMAIL].settings = service.settings.smtp.model_copy(  # type: ignore[attr-defined]
        update={"port": 9}
    )

    assert service.run_due()["retrying"] == 1


def test_webhook_notice_is_signed_and_idempotent_across_retries(
    service: DeliveryService,
    material: Material,
    recipient: RecipientId,
    clock: ManualClock,
) -> None:
    with WebhookReceiver([200, 503]) as receiver:
        declared = service.domiciles.declare(recipient, Channel.WEBHOOK, receiver.url)
        service.run_due()
        code = receiver.events()[0]["data"]["code"]
        service.domiciles.confirm(recipient, code)
        accepted = service.deposit(AGENCY_ID, recipient, "Avis", "a.pdf", material.sealed_pdf)

        assert service.run_due()["retrying"] == 1
        clock.advance(seconds=15)
        assert service.run_due()["sent"] == 1

    secret = declared.webhook_secret
    assert secret is not None
    (_h0, _b0), (first_headers, _first_body), (headers, body) = receiver.received
    assert first_headers["webhook-id"] == headers["webhook-id"]
    assert verify_signature(secret, headers, body, at=clock())
    assert not verify_signature(secret, headers, body.replace(b"Avis", b"Avix") + b" ", at=clock())
    assert not verify_signature("whsec_" + "A" * 44, headers, body, at=clock())
    event = receiver.events()[-1]
    assert event["type"] == "message.available"
    assert event["data"]["message_id"] == accepted.message.id
    assert "title" not in event["data"]
    notice = _records(service, accepted.message.id)[-1].record
    assert notice.event == "ConsignmentNotification"
    assert notice.details["attempts"] == 2


def test_webhook_gone_is_permanent(
    service: DeliveryService, material: Material, recipient: RecipientId
) -> None:
    with WebhookReceiver([200, 410]) as receiver:
        service.domiciles.declare(recipient, Channel.WEBHOOK, receiver.url)
        service.run_due()
        service.domiciles.confirm(recipient, receiver.events()[0]["data"]["code"])
        accepted = service.deposit(AGENCY_ID, recipient, "Avis", "a.pdf", material.sealed_pdf)
        counts = service.run_due()

    assert counts["failed"] == 1
    assert (
        _records(service, accepted.message.id)[-1].record.event == "ConsignmentNotificationFailure"
    )


def test_stale_webhook_signature_is_refused() -> None:
    secret = "whsec_" + "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
    at = dt.datetime(2026, 3, 2, 10, tzinfo=dt.UTC)
    ts = int(at.timestamp())
    headers = {
        "webhook-id": "ntf_1",
        "webhook-timestamp": str(ts),
        "webhook-signature": sign(secret, "ntf_1", ts, b"{}"),
    }

    assert verify_signature(secret, headers, b"{}", at=at)
    assert not verify_signature(secret, headers, b"{}", at=at + dt.timedelta(minutes=10))
