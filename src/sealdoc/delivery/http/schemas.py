"""The JSON bodies of the HTTP API (they make its OpenAPI document)."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from sealdoc.delivery.domiciles import DomicileView
from sealdoc.delivery.model import Domicile, DomicileChange, Message, Notification
from sealdoc.delivery.service import MessageView

__all__ = [
    "CodeIn",
    "DepositAccepted",
    "DepositRefused",
    "DomicileDeclaration",
    "DomicileDeclared",
    "DomicileOut",
    "DomicileStatusOut",
    "ErrorOut",
    "EventOut",
    "ForwardingRequest",
    "InboxItem",
    "MessageOut",
]


class _Out(BaseModel):
    model_config = ConfigDict(frozen=True)


class ErrorOut(_Out):
    error: str = Field(description="Kind of error: not-found, gone, forbidden, input, ...")
    message: str


class DepositAccepted(_Out):
    status: Literal["accepted"] = "accepted"
    message_id: str
    evidence_id: str = Field(description="The SubmissionAcceptance evidence.")
    sha256: str
    size: int
    deposited_at: dt.datetime
    available_until: dt.datetime
    retain_until: dt.datetime


class DepositRefused(_Out):
    status: Literal["rejected"] = "rejected"
    message_id: str
    evidence_id: str = Field(description="The SubmissionRejection evidence.")
    reason: str


class EventOut(_Out):
    evidence_id: str
    event: str = Field(description="ETSI EN 319 522-3 event name")
    time: dt.datetime
    reason: str | None = None


class NotificationOut(_Out):
    id: str
    kind: str
    channel: str
    address: str
    status: str
    attempts: int
    last_error: str | None

    @classmethod
    def of(cls, n: Notification) -> NotificationOut:
        return cls(
            id=n.id, kind=n.kind.value, channel=n.channel.value, address=n.address,
            status=n.status.value, attempts=n.attempts, last_error=n.last_error,
        )  # fmt: skip


class MessageOut(_Out):
    message_id: str
    sender: str
    recipient: str
    title: str
    filename: str
    sha256: str
    size: int
    state: str
    deposited_at: dt.datetime
    available_until: dt.datetime
    retain_until: dt.datetime
    handed_over_at: dt.datetime | None
    content_deleted_at: dt.datetime | None
    events: list[EventOut] = Field(default_factory=list)
    notifications: list[NotificationOut] = Field(default_factory=list)

    @classmethod
    def of(cls, view: MessageView, *, with_notifications: bool) -> MessageOut:
        m = view.message
        return cls(
            **_message_fields(m),
            events=[
                EventOut(evidence_id=e.evidence_id, event=e.event.value, time=e.event_time,
                         reason=e.reason)
                for e in view.events
            ],
            notifications=[NotificationOut.of(n) for n in view.notifications]
            if with_notifications else [],
        )  # fmt: skip


def _message_fields(m: Message) -> dict[str, object]:
    return {
        "message_id": m.id, "sender": m.agency_id, "recipient": str(m.recipient),
        "title": m.title, "filename": m.filename, "sha256": m.sha256, "size": m.size,
        "state": m.state.value, "deposited_at": m.deposited_at,
        "available_until": m.available_until, "retain_until": m.retain_until,
        "handed_over_at": m.handed_over_at, "content_deleted_at": m.content_deleted_at,
    }  # fmt: skip


class InboxItem(_Out):
    message_id: str
    sender: str
    sender_name: str
    title: str
    filename: str
    size: int
    sha256: str
    deposited_at: dt.datetime
    available_until: dt.datetime
    handed_over_at: dt.datetime | None
    handover_url: str = Field(description="POST here (authenticated) to fetch the document.")


class DomicileDeclaration(BaseModel):
    model_config = ConfigDict(extra="forbid")

    channel: Literal["email", "webhook"]
    address: str = Field(max_length=2000, description="E-mail address or webhook URL")
    forward_to: str | None = Field(default=None, max_length=254)


class CodeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    code: str = Field(min_length=4, max_length=32)


class ForwardingRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    address: str | None = Field(max_length=254, description="E-mail address, or null to stop")


class DomicileOut(_Out):
    domicile_id: str
    channel: str
    address: str
    status: str
    declared_at: dt.datetime
    confirmed_at: dt.datetime | None
    forward_to: str | None
    pending_forward_to: str | None

    @classmethod
    def of(cls, d: Domicile) -> DomicileOut:
        return cls(
            domicile_id=d.id, channel=d.channel.value, address=d.address, status=d.status.value,
            declared_at=d.declared_at, confirmed_at=d.confirmed_at, forward_to=d.forward_to,
            pending_forward_to=d.pending_forward_to,
        )  # fmt: skip


class DomicileDeclared(_Out):
    domicile: DomicileOut
    webhook_secret: str | None = Field(
        description="Webhook signing secret (whsec_...), shown only now; null for e-mail."
    )


class ChangeOut(_Out):
    at: dt.datetime
    action: str
    domicile_id: str
    detail: str

    @classmethod
    def of(cls, c: DomicileChange) -> ChangeOut:
        return cls(at=c.at, action=c.action, domicile_id=c.domicile_id, detail=c.detail)


class DomicileStatusOut(_Out):
    recipient: str
    active: DomicileOut | None
    pending: list[DomicileOut]
    history: list[ChangeOut]

    @classmethod
    def of(cls, v: DomicileView) -> DomicileStatusOut:
        return cls(
            recipient=str(v.recipient),
            active=DomicileOut.of(v.active) if v.active else None,
            pending=[DomicileOut.of(d) for d in v.pending],
            history=[ChangeOut.of(c) for c in v.history],
        )
