"""The domain objects of the delivery service: plain, frozen, typed; no I/O in here.

A *recipient* (a company or a person, named by a scheme and an id such as ``SIREN:123456789``)
declares a *domicile*: an e-mail address or a webhook URL, active once confirmed, optionally
forwarding notices to a second e-mail address of its own. An *agency* deposits a *message* (one
sealed PDF for one recipient); the recipient gets a *notice* carrying a *link* (a capability
token, stored hashed) and fetches the document once, through the link's page or through the
API. Every step is an *evidence* event named after ETSI EN 319 522-3.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from enum import StrEnum

from sealdoc.errors import InputError

__all__ = [
    "Channel",
    "Confirmation",
    "ConfirmationPurpose",
    "Domicile",
    "DomicileChange",
    "DomicileStatus",
    "Event",
    "Link",
    "Message",
    "MessageState",
    "Notification",
    "NotificationKind",
    "NotificationStatus",
    "RecipientId",
]


class Event(StrEnum):
    """Evidence event names of ETSI EN 319 522-3 used by the service."""

    SUBMISSION_ACCEPTANCE = "SubmissionAcceptance"
    SUBMISSION_REJECTION = "SubmissionRejection"
    CONSIGNMENT_NOTIFICATION = "ConsignmentNotification"
    CONSIGNMENT_NOTIFICATION_FAILURE = "ConsignmentNotificationFailure"
    RELAY_TO_NON_ERDS = "RelayToNonERDS"
    NOTIFICATION_ACCESS_TRACKING = "NotificationAccessTracking"
    CONTENT_HANDOVER = "ContentHandover"
    CONTENT_ACCESS_TRACKING = "ContentAccessTracking"
    CONTENT_HANDOVER_FAILURE = "ContentHandoverFailure"


_SCHEME = re.compile(r"^[A-Z][A-Z0-9-]{0,15}$")
_LOCAL_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")


@dataclass(frozen=True, order=True)
class RecipientId:
    """Who receives: an identification scheme (``SIREN``, ``SIRET``, ``NIR``...) and an id."""

    scheme: str
    id: str

    def __post_init__(self) -> None:
        if not _SCHEME.match(self.scheme):
            raise InputError(
                f"recipient scheme {self.scheme!r}: expected upper-case letters/digits "
                "such as SIREN"
            )
        if not _LOCAL_ID.match(self.id):
            raise InputError(f"recipient id {self.id!r}: expected letters, digits, '.', '_', '-'")

    @classmethod
    def parse(cls, text: str) -> RecipientId:
        """Parse ``SCHEME:ID`` (for example ``SIREN:123456789``)."""
        scheme, sep, local = text.partition(":")
        if not sep:
            raise InputError(f"recipient {text!r}: expected SCHEME:ID, e.g. SIREN:123456789")
        return cls(scheme.strip().upper(), local.strip())

    def __str__(self) -> str:
        return f"{self.scheme}:{self.id}"


class Channel(StrEnum):
    EMAIL = "email"
    WEBHOOK = "webhook"


class DomicileStatus(StrEnum):
    PENDING = "pending"  # declared, waiting for the confirmation code
    ACTIVE = "active"  # confirmed: notices go there
    REPLACED = "replaced"  # superseded by a later confirmed declaration


@dataclass(frozen=True)
class Domicile:
    id: str
    recipient: RecipientId
    channel: Channel
    address: str  # e-mail address or https/http URL
    status: DomicileStatus
    declared_at: dt.datetime
    confirmed_at: dt.datetime | None = None
    webhook_secret: str | None = None  # "whsec_..." (Standard Webhooks), webhooks only
    forward_to: str | None = None  # confirmed forwarding e-mail address
    pending_forward_to: str | None = None  # declared, waiting for its confirmation code


class ConfirmationPurpose(StrEnum):
    ADDRESS = "address"
    FORWARDING = "forwarding"


@dataclass(frozen=True)
class Confirmation:
    """A confirmation code sent to an address; only its hash is stored."""

    code_hash: str
    domicile_id: str
    purpose: ConfirmationPurpose
    address: str
    expires_at: dt.datetime
    used_at: dt.datetime | None = None


@dataclass(frozen=True)
class DomicileChange:
    """One line of a recipient's domicile history (kept forever)."""

    recipient: RecipientId
    at: dt.datetime
    action: str  # declared / confirmed / replaced / forwarding-declared / forwarding-confirmed ...
    domicile_id: str
    detail: str


class MessageState(StrEnum):
    AVAILABLE = "available"  # deposited, waiting for the handover
    HANDED_OVER = "handed_over"
    EXPIRED = "expired"  # the window lapsed without handover
    WITHDRAWN = "withdrawn"  # the agency revoked it before the handover
    REJECTED = "rejected"  # the deposit was refused (only evidence remains)


@dataclass(frozen=True)
class Message:
    id: str
    agency_id: str
    recipient: RecipientId
    title: str
    filename: str
    sha256: str
    size: int
    deposited_at: dt.datetime
    available_until: dt.datetime
    retain_until: dt.datetime
    state: MessageState
    handed_over_at: dt.datetime | None = None
    content_deleted_at: dt.datetime | None = None


@dataclass(frozen=True)
class Link:
    """The capability link of one message for its recipient. The token itself is not kept."""

    token_hash: str
    message_id: str
    created_at: dt.datetime
    expires_at: dt.datetime
    revoked_at: dt.datetime | None = None
    page_views: int = 0


class NotificationKind(StrEnum):
    NOTICE = "notice"  # "a document is waiting for you" (evidence: ConsignmentNotification)
    FORWARD = "forward"  # the same notice to the forwarding address (evidence: RelayToNonERDS)
    CONFIRMATION = "confirmation"  # a domicile confirmation code (no evidence)


class NotificationStatus(StrEnum):
    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"


@dataclass(frozen=True)
class Notification:
    """An outgoing notice in the outbox, retried with backoff until sent or given up.

    ``payload`` holds what the notice must carry (the link or code), encrypted (see
    :mod:`sealdoc.delivery.payloads`); it is erased once
    the notification is sent or has failed for good. ``id`` is the idempotent event id
    (``webhook-id``) and does not change across retries.
    """

    id: str
    kind: NotificationKind
    channel: Channel
    address: str
    created_at: dt.datetime
    next_attempt_at: dt.datetime
    message_id: str | None = None
    domicile_id: str | None = None
    payload: str | None = None
    status: NotificationStatus = NotificationStatus.PENDING
    attempts: int = 0
    last_error: str | None = None
    lease_until: dt.datetime | None = None
