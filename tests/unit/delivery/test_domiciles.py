"""Domiciles: active only once confirmed by the code sent to the address; forwarding confirmed
the same way; every change kept in the history."""

from __future__ import annotations

import pytest
from tests.support.delivery_env import ManualClock, SmtpCapture, code_in

from sealdoc.delivery.errors import UnknownResource
from sealdoc.delivery.model import Channel, DomicileStatus, RecipientId
from sealdoc.delivery.service import DeliveryService
from sealdoc.errors import InputError


def _code(service: DeliveryService, smtp: SmtpCapture) -> str:
    before = len(smtp.messages)
    service.run_due()
    return code_in(smtp.wait_for(before + 1)[before].get_content())


def test_declaration_is_pending_until_confirmed(
    service: DeliveryService, smtp: SmtpCapture, recipient: RecipientId
) -> None:
    declared = service.domiciles.declare(recipient, Channel.EMAIL, "a@entreprise.test")
    assert declared.domicile.status is DomicileStatus.PENDING
    assert service.domiciles.view(recipient).active is None

    confirmed = service.domiciles.confirm(recipient, _code(service, smtp).lower())

    assert confirmed.status is DomicileStatus.ACTIVE
    assert service.domiciles.view(recipient).active == confirmed


def test_wrong_code_is_refused(
    service: DeliveryService, smtp: SmtpCapture, recipient: RecipientId
) -> None:
    service.domiciles.declare(recipient, Channel.EMAIL, "a@entreprise.test")
    _code(service, smtp)

    with pytest.raises(UnknownResource):
        service.domiciles.confirm(recipient, "AAAA-BBBB-CC")


def test_code_of_another_recipient_is_refused(
    service: DeliveryService, smtp: SmtpCapture, recipient: RecipientId
) -> None:
    service.domiciles.declare(recipient, Channel.EMAIL, "a@entreprise.test")
    code = _code(service, smtp)

    with pytest.raises(UnknownResource):
        service.domiciles.confirm(RecipientId("SIREN", "987654321"), code)


def test_expired_code_is_refused(
    service: DeliveryService, smtp: SmtpCapture, recipient: RecipientId, clock: ManualClock
) -> None:
    service.domiciles.declare(recipient, Channel.EMAIL, "a@entreprise.test")
    code = _code(service, smtp)
    clock.advance(hours=49)

    with pytest.raises(UnknownResource, match="expired"):
        service.domiciles.confirm(recipient, code)


def test_code_works_once(
    service: DeliveryService, smtp: SmtpCapture, recipient: RecipientId
) -> None:
    service.domiciles.declare(recipient, Channel.EMAIL, "a@entreprise.test")
    code = _code(service, smtp)
    service.domiciles.confirm(recipient, code)

    with pytest.raises(UnknownResource, match="used"):
        service.domiciles.confirm(recipient, code)


def test_new_confirmed_domicile_replaces_the_old_one_and_history_tells(
    service: DeliveryService, smtp: SmtpCapture, recipient: RecipientId
) -> None:
    service.domiciles.declare(recipient, Channel.EMAIL, "old@entreprise.test")
    service.domiciles.confirm(recipient, _code(service, smtp))
    service.domiciles.declare(recipient, Channel.EMAIL, "new@entreprise.test")
    assert service.domiciles.view(recipient).active.address == "old@entreprise.test"  # type: ignore[union-attr]

    service.domiciles.confirm(recipient, _code(service, smtp))

    view = service.domiciles.view(recipient)
    assert view.active is not None
    assert view.active.address == "new@entreprise.test"
    assert [c.action for c in view.history] == [
        "declared", "confirmed", "declared", "replaced", "confirmed",
    ]  # fmt: skip


def test_forwarding_needs_its_own_confirmation(
    service: DeliveryService, smtp: SmtpCapture, recipient: RecipientId
) -> None:
    service.domiciles.declare(recipient, Channel.EMAIL, "a@entreprise.test")
    service.domiciles.confirm(recipient, _code(service, smtp))

    pending = service.domiciles.set_forwarding(recipient, "compta@entreprise.test")
    assert pending.forward_to is None
    assert pending.pending_forward_to == "compta@entreprise.test"
    assert smtp.messages[-1]["To"] != "compta@entreprise.test"  # not sent yet: outbox

    confirmed = service.domiciles.confirm(recipient, _code(service, smtp))

    assert smtp.messages[-1]["To"] == "compta@entreprise.test"
    assert confirmed.forward_to == "compta@entreprise.test"
    stopped = service.domiciles.set_forwarding(recipient, None)
    assert stopped.forward_to is None


def test_webhook_domicile_gets_a_secret(service: DeliveryService, recipient: RecipientId) -> None:
    declared = service.domiciles.declare(recipient, Channel.WEBHOOK, "https://si.entreprise.test/h")

    assert declared.webhook_secret is not None
    assert declared.webhook_secret.startswith("whsec_")


@pytest.mark.parametrize(
    "url",
    ["http://si.entreprise.test/h", "https://127.0.0.1/h", "https://10.1.2.3/h", "ftp://x/h"],
)
def test_unsafe_webhook_urls_are_refused(
    make_service: object, recipient: RecipientId, url: str
) -> None:
    service = make_service(allow_private_webhooks=False)  # type: ignore[operator]

    with pytest.raises(InputError):
        service.domiciles.declare(recipient, Channel.WEBHOOK, url)


@pytest.mark.parametrize("address", ["not-an-address", "a@b@c", "<x>@y.test", ""])
def test_malformed_email_is_refused(
    service: DeliveryService, recipient: RecipientId, address: str
) -> None:
    with pytest.raises(InputError):
        service.domiciles.declare(recipient, Channel.EMAIL, address)
