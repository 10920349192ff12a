"""Digital domiciles: declaration, confirmation by a code sent to the address, forwarding,
history.

A declaration is *pending* until the recipient enters the code sent to the declared address
(an e-mail, or a ``domicile.confirmation`` webhook event); confirming it makes it *active* and
the previous active domicile *replaced*. Forwarding to a second e-mail address is confirmed the
same way. Every change is kept in the recipient's history.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass, replace

from sealdoc.delivery.errors import UnknownResource
from sealdoc.delivery.model import (
    Channel,
    Confirmation,
    ConfirmationPurpose,
    Domicile,
    DomicileChange,
    DomicileStatus,
    Notification,
    NotificationKind,
    RecipientId,
)
from sealdoc.delivery.payloads import PayloadCipher
from sealdoc.delivery.settings import DeliverySettings
from sealdoc.delivery.storage import Storage, Transaction
from sealdoc.delivery.tokens import (
    RandomSource,
    hash_secret,
    new_code,
    new_id,
    new_webhook_secret,
    normalise_code,
)
from sealdoc.errors import InputError

__all__ = ["Declared", "DomicileBook", "DomicileView", "check_email", "human_time"]

_EMAIL = re.compile(r"^[^@\s<>\"',;]{1,64}@[A-Za-z0-9.-]{1,253}\.?[A-Za-z0-9-]*$")


def check_email(address: str) -> str:
    address = address.strip()
    if not _EMAIL.match(address) or ".." in address or len(address) > 254:
        raise InputError(f"{address!r} is not an e-mail address")
    return address


def human_time(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")


@dataclass(frozen=True)
class Declared:
    domicile: Domicile
    webhook_secret: str | None  # shown once, to the declarer


@dataclass(frozen=True)
class DomicileView:
    recipient: RecipientId
    active: Domicile | None
    pending: list[Domicile]
    history: list[DomicileChange]


class DomicileBook:
    def __init__(
        self,
        storage: Storage,
        settings: DeliverySettings,
        clock: Callable[[], dt.datetime],
        random: RandomSource,
        payloads: PayloadCipher,
    ) -> None:
        self.payloads = payloads
        self.storage = storage
        self.settings = settings
        self.clock = clock
        self.random = random

    # -- queries -----------------------------------------------------------------------------
    @staticmethod
    def active_in(tx: Transaction, recipient: RecipientId) -> Domicile | None:
        active = [d for d in tx.domiciles_of(recipient) if d.status is DomicileStatus.ACTIVE]
        return active[-1] if active else None

    def view(self, recipient: RecipientId) -> DomicileView:
        with self.storage.transaction(write=False) as tx:
            domiciles = tx.domiciles_of(recipient)
            history = tx.changes_of(recipient)
        active = [d for d in domiciles if d.status is DomicileStatus.ACTIVE]
        pending = [d for d in domiciles if d.status is DomicileStatus.PENDING]
        return DomicileView(recipient, active[-1] if active else None, pending, history)

    # -- changes -----------------------------------------------------------------------------
    def declare(
        self,
        recipient: RecipientId,
        channel: Channel,
        address: str,
        forward_to: str | None = None,
    ) -> Declared:
        if channel is Channel.EMAIL:
            address = check_email(address)
            self._need_smtp()
        else:
            address = self.settings.check_webhook_url(address)
        if forward_to is not None:
            forward_to = check_email(forward_to)
            self._need_smtp()
        now = self.clock()
        secret = new_webhook_secret(self.random) if channel is Channel.WEBHOOK else None
        domicile = Domicile(
            id=new_id("dom", self.random),
            recipient=recipient,
            channel=channel,
            address=address,
            status=DomicileStatus.PENDING,
            declared_at=now,
            webhook_secret=secret,
            pending_forward_to=forward_to,
        )
        with self.storage.transaction() as tx:
            tx.insert_domicile(domicile)
            self._change(tx, domicile, "declared", f"{channel.value} {address}", now)
            self._send_code(tx, domicile, ConfirmationPurpose.ADDRESS, address, channel, now)
            if forward_to is not None:
                self._change(tx, domicile, "forwarding-declared", forward_to, now)
                self._send_code(
                    tx, domicile, ConfirmationPurpose.FORWARDING, forward_to, Channel.EMAIL, now
                )
        return Declared(domicile, secret)

    def confirm(self, recipient: RecipientId, code: str) -> Domicile:
        code = normalise_code(code)
        now = self.clock()
        with self.storage.transaction() as tx:
            for domicile in reversed(tx.domiciles_of(recipient)):
                if domicile.status is DomicileStatus.REPLACED:
                    continue
                wanted = hash_secret(f"{domicile.id}:{code}")
                for confirmation in tx.confirmations_of(domicile.id):
                    if confirmation.code_hash != wanted:
                        continue
                    if confirmation.used_at is not None or confirmation.expires_at <= now:
                        raise UnknownResource("this confirmation code was used or has expired")
                    tx.update_confirmation(replace(confirmation, used_at=now))
                    return self._apply(tx, domicile, confirmation, now)
        raise UnknownResource("unknown confirmation code")

    def _apply(
        self, tx: Transaction, domicile: Domicile, confirmation: Confirmation, now: dt.datetime
    ) -> Domicile:
        if confirmation.purpose is ConfirmationPurpose.FORWARDING:
            if domicile.pending_forward_to != confirmation.address:
                raise UnknownResource("this forwarding request was replaced by a later one")
            updated = replace(domicile, forward_to=confirmation.address, pending_forward_to=None)
            tx.update_domicile(updated)
            self._change(tx, updated, "forwarding-confirmed", confirmation.address, now)
            return updated
        if domicile.status is DomicileStatus.ACTIVE:
            return domicile
        previous = self.active_in(tx, domicile.recipient)
        if previous is not None:
            tx.update_domicile(replace(previous, status=DomicileStatus.REPLACED))
            self._change(tx, previous, "replaced", f"by {domicile.id}", now)
        updated = replace(domicile, status=DomicileStatus.ACTIVE, confirmed_at=now)
        tx.update_domicile(updated)
        self._change(tx, updated, "confirmed", f"{domicile.channel.value} {domicile.address}", now)
        return updated

    def set_forwarding(self, recipient: RecipientId, address: str | None) -> Domicile:
        """Ask to forward notices to ``address`` (confirmed by a code), or stop (``None``)."""
        if address is not None:
            address = check_email(address)
            self._need_smtp()
        now = self.clock()
        with self.storage.transaction() as tx:
            domicile = self.active_in(tx, recipient)
            if domicile is None:
                raise UnknownResource(f"{recipient} has no active domicile to forward from")
            if address is None:
                updated = replace(domicile, forward_to=None, pending_forward_to=None)
                tx.update_domicile(updated)
                self._change(tx, updated, "forwarding-removed", domicile.forward_to or "-", now)
                return updated
            updated = replace(domicile, pending_forward_to=address)
            tx.update_domicile(updated)
            self._change(tx, updated, "forwarding-declared", address, now)
            self._send_code(
                tx, updated, ConfirmationPurpose.FORWARDING, address, Channel.EMAIL, now
            )
            return updated

    # -- helpers -----------------------------------------------------------------------------
    def _need_smtp(self) -> None:
        if self.settings.smtp is None:
            raise InputError("this service sends no e-mail (no smtp settings): use a webhook")

    @staticmethod
    def _change(
        tx: Transaction, domicile: Domicile, action: str, detail: str, at: dt.datetime
    ) -> None:
        tx.add_change(DomicileChange(domicile.recipient, at, action, domicile.id, detail))

    def _send_code(
        self,
        tx: Transaction,
        domicile: Domicile,
        purpose: ConfirmationPurpose,
        address: str,
        channel: Channel,
        now: dt.datetime,
    ) -> None:
        code = new_code(self.random)
        expires = now + dt.timedelta(hours=self.settings.confirmation_ttl_hours)
        tx.insert_confirmation(
            Confirmation(
                code_hash=hash_secret(f"{domicile.id}:{code}"),
                domicile_id=domicile.id,
                purpose=purpose,
                address=address,
                expires_at=expires,
            )
        )
        payload = {
            "recipient": str(domicile.recipient),
            "purpose": purpose.value,
            "code": code,
            "expires_at": human_time(expires),
        }
        notification_id = new_id("ntf", self.random)
        tx.insert_notification(
            Notification(
                id=notification_id,
                kind=NotificationKind.CONFIRMATION,
                channel=channel,
                address=address,
                created_at=now,
                next_attempt_at=now,
                domicile_id=domicile.id,
                payload=self.payloads.seal(notification_id, payload),
            )
        )
