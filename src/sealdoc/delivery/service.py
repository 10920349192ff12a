"""The delivery service: deposit, notice, link, handover, withdrawal, evidence. No HTTP here.

    service = DeliveryService.from_settings(settings)          # or inject storage, clock...
    accepted = service.deposit(agency_id, recipient, title, filename, pdf_bytes)
    service.run_due()                                            # send notices, expire, purge
    page = service.open_link(token, client)                      # GET: tracking only
    handover = service.handover_by_link(token, client)           # POST: the document, once

Every state change and its evidence are written in one transaction; a call returns only once
that transaction is durable.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from typing import Any

from sealdoc.delivery.accounts import Accounts, Agency, Caller, RecipientSystem
from sealdoc.delivery.deposit_check import SealCheck, load_certificates
from sealdoc.delivery.domiciles import DomicileBook, human_time
from sealdoc.delivery.errors import DepositRejected, LinkGone, NotAllowed, UnknownResource
from sealdoc.delivery.evidence import EvidenceRecord, SealedEvidence
from sealdoc.delivery.evidence_log import EvidenceBundle, EvidenceLog
from sealdoc.delivery.model import (
    Channel,
    Domicile,
    Event,
    Link,
    Message,
    MessageState,
    Notification,
    NotificationKind,
    RecipientId,
)
from sealdoc.delivery.notify import Notifier
from sealdoc.delivery.notify.smtp import SmtpNotifier
from sealdoc.delivery.notify.webhook import WebhookNotifier
from sealdoc.delivery.payloads import PayloadCipher
from sealdoc.delivery.settings import DeliverySettings
from sealdoc.delivery.storage import Storage, Transaction, open_storage
from sealdoc.delivery.tokens import RandomSource, hash_secret, new_id, new_token
from sealdoc.errors import InputError
from sealdoc.keys import SigningKey

__all__ = ["Accepted", "ClientInfo", "Clock", "DeliveryService", "Handover", "LinkView"]

Clock = Callable[[], dt.datetime]
_FILENAME_BAD = set('/\\:*?"<>|\x00')


def system_clock() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@dataclass(frozen=True)
class ClientInfo:
    """Who is on the other end of a request (recorded in access evidence)."""

    channel: str  # "web" (the link's page) or "api" (a recipient's system)
    address: str | None = None
    user_agent: str | None = None

    def details(self) -> dict[str, str | int]:
        out: dict[str, str | int] = {"channel": self.channel}
        if self.address:
            out["client_address"] = self.address[:64]
        if self.user_agent:
            out["user_agent"] = self.user_agent[:200]
        return out


@dataclass(frozen=True)
class Accepted:
    message: Message
    evidence: SealedEvidence


@dataclass(frozen=True)
class LinkView:
    message: Message
    sender_name: str
    handed_over: bool


@dataclass(frozen=True)
class Handover:
    message: Message
    data: bytes
    first: bool
    evidence_id: str


@dataclass(frozen=True)
class MessageView:
    message: Message
    events: list[EvidenceRecord]
    notifications: list[Notification]


class DeliveryService:
    def __init__(
        self,
        settings: DeliverySettings,
        storage: Storage,
        key: SigningKey,
        *,
        clock: Clock = system_clock,
        random: RandomSource = secrets.token_bytes,
        seal_check: SealCheck | None = None,
        accounts: Accounts | None = None,
        notifiers: Mapping[Channel, Notifier] | None = None,
    ) -> None:
        self.settings = settings
        self.storage = storage
        self.key = key
        self.clock = clock
        self.random = random
        self.accounts = accounts or Accounts(settings)
        self.seal_check = seal_check or SealCheck(
            load_certificates(settings.trust), revocation=settings.revocation
        )
        self.log = EvidenceLog(key, settings.origin, random)
        self.payloads = PayloadCipher.from_file(settings.payload_key_path)
        self.domiciles = DomicileBook(storage, settings, clock, random, self.payloads)
        self._own_notifiers: list[WebhookNotifier] = []
        self.notifiers: dict[Channel, Notifier] = dict(notifiers or self._default_notifiers())
        self.last_checkpoint_at: dt.datetime | None = None

    def _default_notifiers(self) -> dict[Channel, Notifier]:
        webhook = WebhookNotifier(
            self._webhook_secret,
            clock=self.clock,
            timeout_s=self.settings.webhook_timeout_s,
            user_agent=f"sealdoc-delivery ({self.settings.origin})",
        )
        self._own_notifiers.append(webhook)
        notifiers: dict[Channel, Notifier] = {Channel.WEBHOOK: webhook}
        smtp = self.settings.smtp
        if smtp is not None:
            password = None
            if smtp.password_env:
                password = os.environ.get(smtp.password_env)
                if password is None:
                    raise InputError(f"smtp.password_env: {smtp.password_env} is not set")
            notifiers[Channel.EMAIL] = SmtpNotifier(smtp, password)
        return notifiers

    def _webhook_secret(self, notification: Notification) -> str | None:
        if notification.domicile_id is None:
            return None
        with self.storage.transaction(write=False) as tx:
            domicile = tx.get_domicile(notification.domicile_id)
        return None if domicile is None else domicile.webhook_secret

    @classmethod
    def from_settings(
        cls, settings: DeliverySettings, *, clock: Clock = system_clock
    ) -> DeliveryService:
        """Open the storage and load the service key named in ``settings``."""
        key = settings.service_key.load()
        return cls(settings, open_storage(settings), key, clock=clock)

    def close(self) -> None:
        for notifier in self._own_notifiers:
            notifier.close()
        self.storage.close()
        self.key.close()

    # -- deposit -----------------------------------------------------------------------------
    def deposit(
        self,
        agency_id: str,
        recipient: RecipientId,
        title: str,
        filename: str,
        data: bytes,
        *,
        window_days: int | None = None,
        retention_days: int | None = None,
    ) -> Accepted:
        """Verify, store and acknowledge a sealed PDF; raises :class:`DepositRejected` (with a
        SubmissionRejection evidence) when the document or the recipient is refused."""
        agency = self.accounts.agency(agency_id)
        title, filename = _clean_title(title), _clean_filename(filename)
        window = window_days or self.settings.default_window_days
        retention = retention_days or self.settings.default_retention_days
        if not 1 <= window <= self.settings.max_window_days:
            raise InputError(f"window_days must be 1..{self.settings.max_window_days}")
        if retention < window:
            raise InputError("retention_days must be at least window_days")
        if len(data) > self.settings.max_document_bytes:
            raise InputError(f"the document is over {self.settings.max_document_bytes} bytes")
        now = self.clock()
        message = Message(
            id=new_id("msg", self.random),
            agency_id=agency.id,
            recipient=recipient,
            title=title,
            filename=filename,
            sha256=hashlib.sha256(data).hexdigest(),
            size=len(data),
            deposited_at=now,
            available_until=now + dt.timedelta(days=window),
            retain_until=now + dt.timedelta(days=retention),
            state=MessageState.AVAILABLE,
        )
        with self.storage.transaction(write=False) as tx:
            domicile = self.domiciles.active_in(tx, recipient)
        reason = None
        if domicile is None:
            reason = f"{recipient} has no active digital domicile"
        else:
            reason = self.seal_check.problem(data, agency.certificates, now)
        with self.storage.transaction() as tx:
            domicile = self.domiciles.active_in(tx, recipient)
            if reason is None and domicile is None:
                reason = f"{recipient} has no active digital domicile"
            if reason is not None:
                rejected = replace(message, state=MessageState.REJECTED, retain_until=now)
                tx.insert_message(rejected)
                evidence = self.log.append(
                    tx, rejected, Event.SUBMISSION_REJECTION, at=now, agency_name=agency.name,
                    reason=reason,
                )  # fmt: skip
            else:
                assert domicile is not None
                tx.put_content(message.id, data)
                tx.insert_message(message)
                token = new_token(self.random)
                tx.insert_link(Link(hash_secret(token), message.id, now, message.available_until))
                evidence = self.log.append(
                    tx, message, Event.SUBMISSION_ACCEPTANCE, at=now, agency_name=agency.name,
                    details={"window_days": window, "retention_days": retention,
                             "domicile": domicile.id},
                )  # fmt: skip
                self._enqueue_notices(tx, message, agency, domicile, token, now)
        if reason is not None:
            raise DepositRejected(message.id, evidence.record.evidence_id, reason)
        return Accepted(message, evidence)

    def _enqueue_notices(
        self,
        tx: Transaction,
        message: Message,
        agency: Agency,
        domicile: Domicile,
        token: str,
        now: dt.datetime,
    ) -> None:
        base = self.settings.public_url
        payload = {
            "message_id": message.id,
            "sender_id": agency.id,
            "sender_name": agency.name,
            "available_until": human_time(message.available_until),
            "page_url": f"{base}/l/{token}",
            "api_url": f"{base}/api/v1/inbox/{message.id}/handover",
        }
        targets = [(NotificationKind.NOTICE, domicile.channel, domicile.address)]
        if domicile.forward_to:
            targets.append((NotificationKind.FORWARD, Channel.EMAIL, domicile.forward_to))
        for kind, target_channel, target in targets:
            notification_id = new_id("ntf", self.random)
            tx.insert_notification(
                Notification(
                    id=notification_id,
                    kind=kind,
                    channel=target_channel,
                    address=target,
                    created_at=now,
                    next_attempt_at=now,
                    message_id=message.id,
                    domicile_id=domicile.id,
                    payload=self.payloads.seal(notification_id, payload),
                )
            )

    # -- links -------------------------------------------------------------------------------
    def _live_link(self, tx: Transaction, token: str, now: dt.datetime) -> tuple[Link, Message]:
        link = tx.link_by_hash(hash_secret(token)) if 16 <= len(token) <= 128 else None
        if link is None:
            raise UnknownResource("no such link")
        message = tx.get_message(link.message_id)
        if message is None:
            raise UnknownResource("no such link")
        if link.revoked_at is not None or message.state is MessageState.WITHDRAWN:
            raise LinkGone("this link was revoked by the sender")
        if now >= link.expires_at or message.state is MessageState.EXPIRED:
            raise LinkGone("this link has expired")
        if message.content_deleted_at is not None:
            raise LinkGone("this document was deleted at the end of its retention period")
        return link, message

    def open_link(self, token: str, client: ClientInfo) -> LinkView:
        """The landing page's data. Records NotificationAccessTracking; never hands over."""
        now = self.clock()
        with self.storage.transaction() as tx:
            link, message = self._live_link(tx, token, now)
            if link.page_views < self.settings.access_tracking_cap:
                self.log.append(
                    tx, message, Event.NOTIFICATION_ACCESS_TRACKING, at=now,
                    agency_name=self.accounts.agency_name(message.agency_id),
                    details={**client.details(), "view": link.page_views + 1},
                )  # fmt: skip
            tx.update_link(replace(link, page_views=link.page_views + 1))
        return LinkView(
            message,
            self.accounts.agency_name(message.agency_id),
            message.state is MessageState.HANDED_OVER,
        )

    def handover_by_link(self, token: str, client: ClientInfo) -> Handover:
        """The explicit confirmation on the link's page: hands the document over."""
        now = self.clock()
        with self.storage.transaction() as tx:
            _link, message = self._live_link(tx, token, now)
            return self._handover(tx, message, client, now)

    def _handover(
        self, tx: Transaction, message: Message, client: ClientInfo, now: dt.datetime
    ) -> Handover:
        data = tx.get_content(message.id)
        if data is None:
            raise LinkGone("this document is no longer stored")
        first = message.state is MessageState.AVAILABLE
        event = Event.CONTENT_HANDOVER if first else Event.CONTENT_ACCESS_TRACKING
        if first:
            message = replace(message, state=MessageState.HANDED_OVER, handed_over_at=now)
            tx.update_message(message)
        evidence = self.log.append(
            tx, message, event, at=now, agency_name=self.accounts.agency_name(message.agency_id),
            details=client.details(),
        )  # fmt: skip
        return Handover(message, data, first, evidence.record.evidence_id)

    # -- recipients' systems -------------------------------------------------------------------
    def inbox(self, recipient: RecipientId) -> list[Message]:
        """Documents waiting for (or already handed over to) ``recipient``, still fetchable."""
        now = self.clock()
        with self.storage.transaction(write=False) as tx:
            messages = tx.messages_of(recipient, [MessageState.AVAILABLE, MessageState.HANDED_OVER])
        return [m for m in messages if m.available_until > now and m.content_deleted_at is None]

    def handover_to_system(
        self, recipient: RecipientId, message_id: str, client: ClientInfo
    ) -> Handover:
        now = self.clock()
        with self.storage.transaction() as tx:
            message = tx.get_message(message_id)
            if message is None or message.recipient != recipient:
                raise UnknownResource(f"no message {message_id} for {recipient}")
            link = tx.link_of(message_id)
            if link is None:
                raise UnknownResource(f"no message {message_id} for {recipient}")
            message = self._check_live(link, message, now)
            return self._handover(tx, message, client, now)

    @staticmethod
    def _check_live(link: Link, message: Message, now: dt.datetime) -> Message:
        if link.revoked_at is not None or message.state is MessageState.WITHDRAWN:
            raise LinkGone("this document was withdrawn by the sender")
        if now >= link.expires_at or message.state is MessageState.EXPIRED:
            raise LinkGone("the retrieval window has lapsed")
        if message.content_deleted_at is not None:
            raise LinkGone("this document was deleted at the end of its retention period")
        return message

    # -- agencies ------------------------------------------------------------------------------
    def withdraw(self, agency_id: str, message_id: str) -> Message:
        """Revoke the message's link (410 from then on); before the handover, this is a
        ContentHandoverFailure ("withdrawn by the sender")."""
        now = self.clock()
        with self.storage.transaction() as tx:
            message = tx.get_message(message_id)
            if message is None or message.agency_id != agency_id:
                raise UnknownResource(f"no message {message_id} deposited by {agency_id}")
            link = tx.link_of(message_id)
            if link is not None and link.revoked_at is None:
                tx.update_link(replace(link, revoked_at=now))
            if message.state is MessageState.AVAILABLE:
                message = replace(message, state=MessageState.WITHDRAWN)
                tx.update_message(message)
                self.log.append(
                    tx, message, Event.CONTENT_HANDOVER_FAILURE, at=now,
                    agency_name=self.accounts.agency_name(agency_id),
                    reason="withdrawn by the sender before retrieval",
                )  # fmt: skip
            return message

    # -- both parties -----------------------------------------------------------------------
    def _visible(self, tx: Transaction, caller: Caller, message_id: str) -> Message:
        message = tx.get_message(message_id)
        if message is not None:
            if isinstance(caller, Agency) and message.agency_id == caller.id:
                return message
            if (
                isinstance(caller, RecipientSystem)
                and message.recipient == caller.recipient
                and message.state is not MessageState.REJECTED
            ):
                return message
        raise UnknownResource(f"no message {message_id}")

    def message_view(self, caller: Caller, message_id: str) -> MessageView:
        with self.storage.transaction(write=False) as tx:
            message = self._visible(tx, caller, message_id)
            stored = tx.evidence_of(message_id)
            notifications = tx.notifications_of(message_id)
        events = [SealedEvidence.parse(s.leaf).record for s in stored]
        return MessageView(message, events, notifications)

    def evidence_bundle(self, caller: Caller, message_id: str) -> EvidenceBundle:
        with self.storage.transaction(write=False) as tx:
            self._visible(tx, caller, message_id)
        return self.log.bundle(self.storage, message_id, self.clock())

    def proof_pdf(self, caller: Caller, message_id: str) -> bytes:
        """A sealed, human-readable proof of the message's history (see :mod:`.proof`)."""
        from sealdoc.delivery.proof import build_proof

        view = self.message_view(caller, message_id)
        bundle = self.evidence_bundle(caller, message_id)
        return build_proof(view, bundle, self, at=self.clock())

    def require_agency(self, caller: Caller) -> Agency:
        if not isinstance(caller, Agency):
            raise NotAllowed("only an agency may do this")
        return caller

    def require_recipient(self, caller: Caller) -> RecipientSystem:
        if not isinstance(caller, RecipientSystem):
            raise NotAllowed("only a recipient's system may do this")
        return caller

    # -- background work ----------------------------------------------------------------------
    def run_due(self, at: dt.datetime | None = None, *, limit: int = 100) -> Mapping[str, Any]:
        """Send due notices, expire lapsed windows, purge documents past retention, and sign a
        checkpoint when the log grew. Returns counts (for logs and tests)."""
        from sealdoc.delivery.worker import run_due

        return run_due(self, at or self.clock(), limit=limit)


def _clean_title(title: str) -> str:
    title = " ".join(title.split())
    if not 1 <= len(title) <= 300:
        raise InputError("the title must be 1 to 300 characters long")
    return title


def _clean_filename(filename: str) -> str:
    name = "".join("_" if c in _FILENAME_BAD or ord(c) < 32 else c for c in filename).strip(". ")
    name = name[-120:] or "document.pdf"
    return name if name.lower().endswith(".pdf") else f"{name}.pdf"
