"""Notices leave the service through notifiers: SMTP (:mod:`.smtp`) and webhooks (:mod:`.webhook`).

A notifier makes one attempt and says how it went (:class:`SendResult`): sent, a transient
failure (the outbox retries it later, with backoff) or a permanent one (the outbox gives up and,
for a document notice, issues a ConsignmentNotificationFailure evidence).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

from sealdoc.delivery.model import Notification

__all__ = ["Notifier", "Outcome", "SendResult"]


class Outcome(StrEnum):
    SENT = "sent"
    TRANSIENT = "transient"
    PERMANENT = "permanent"


@dataclass(frozen=True)
class SendResult:
    outcome: Outcome
    detail: str

    @classmethod
    def sent(cls, detail: str) -> SendResult:
        return cls(Outcome.SENT, detail)

    @classmethod
    def transient(cls, detail: str) -> SendResult:
        return cls(Outcome.TRANSIENT, detail)

    @classmethod
    def permanent(cls, detail: str) -> SendResult:
        return cls(Outcome.PERMANENT, detail)


class Notifier(Protocol):
    def send(self, notification: Notification, payload: Mapping[str, str]) -> SendResult:
        """One attempt to deliver ``notification``; never raises for a delivery problem."""
        ...
