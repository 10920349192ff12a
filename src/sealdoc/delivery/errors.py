"""Errors of the delivery service; the HTTP layer maps each kind to a status in one place."""

from __future__ import annotations

from sealdoc.errors import DeliveryError

__all__ = ["DepositRejected", "LinkGone", "NotAllowed", "UnknownResource"]


class UnknownResource(DeliveryError):
    """No such message, link, domicile or code (or not visible to the caller)."""

    kind = "not-found"


class LinkGone(DeliveryError):
    """The link expired, was revoked, or its document was withdrawn or deleted."""

    kind = "gone"


class NotAllowed(DeliveryError):
    """The caller is authenticated but may not do this (wrong agency, wrong recipient)."""

    kind = "forbidden"


class DepositRejected(DeliveryError):
    """The deposit was refused; a SubmissionRejection evidence records why."""

    kind = "rejected"

    def __init__(self, message_id: str, evidence_id: str, reason: str) -> None:
        super().__init__(f"deposit {message_id} refused: {reason}")
        self.message_id = message_id
        self.evidence_id = evidence_id
        self.reason = reason
