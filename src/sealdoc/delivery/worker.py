"""Background work of the delivery service, one pass at a time (:func:`run_due`).

* the notification outbox: claim due notices (a lease, so that several processes never send the
  same one at once), make one attempt each, record the outcome: sent (ConsignmentNotification,
  or RelayToNonERDS for a forwarded notice), retried later with backoff, or given up
  (ConsignmentNotificationFailure with the reason). The clear link in a notice is erased once
  it is sent or given up;
* expiry: documents whose window lapsed without handover get a ContentHandoverFailure;
* retention: documents past their retention period are deleted; their evidence stays;
* checkpoints: a new signed checkpoint when the log grew and ``checkpoint_interval_s`` passed.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from sealdoc.delivery.model import (
    Event,
    MessageState,
    Notification,
    NotificationKind,
    NotificationStatus,
)
from sealdoc.delivery.notify import Outcome, SendResult
from sealdoc.errors import StorageError

if TYPE_CHECKING:
    from sealdoc.delivery.service import DeliveryService

__all__ = ["run_due"]


def run_due(service: DeliveryService, at: dt.datetime, *, limit: int = 100) -> dict[str, Any]:
    counts: dict[str, Any] = {"sent": 0, "retrying": 0, "failed": 0, "expired": 0, "purged": 0}
    _notifications(service, at, limit, counts)
    counts["expired"] = _expire(service, at, limit)
    counts["purged"] = _purge(service, at, limit)
    counts["checkpoint"] = _checkpoint(service, at)
    return counts


def _notifications(
    service: DeliveryService, at: dt.datetime, limit: int, counts: dict[str, Any]
) -> None:
    lease = at + dt.timedelta(seconds=max(60.0, 3 * service.settings.webhook_timeout_s))
    with service.storage.transaction() as tx:
        claimed = tx.claim_notifications(at, lease, limit)
    for notification in claimed:
        notifier = service.notifiers.get(notification.channel)
        if notifier is None:
            result = SendResult.permanent(f"no {notification.channel.value} notifier configured")
        else:
            try:
                payload = service.payloads.open(notification.id, notification.payload or "")
            except StorageError as exc:
                result = SendResult.permanent(exc.message)
            else:
                result = notifier.send(notification, payload)
        counts[_record(service, notification, result, at)] += 1


def _backoff(service: DeliveryService, attempts: int) -> dt.timedelta | None:
    """The delay before the next attempt after ``attempts`` attempts (``None``: give up)."""
    delays = service.settings.notice_retry_delays_s
    if attempts > len(delays):
        return None
    jitter = 0.9 + 0.2 * (service.random(1)[0] / 255)  # +-10 %, spreads retries of a burst
    return dt.timedelta(seconds=delays[attempts - 1] * jitter)


def _record(
    service: DeliveryService, notification: Notification, result: SendResult, at: dt.datetime
) -> str:
    attempts = notification.attempts + 1
    delay = _backoff(service, attempts) if result.outcome is Outcome.TRANSIENT else None
    with service.storage.transaction() as tx:
        if result.outcome is Outcome.SENT:
            updated = replace(
                notification, status=NotificationStatus.SENT, attempts=attempts, payload=None,
                last_error=None, lease_until=None,
            )  # fmt: skip
            outcome = "sent"
        elif delay is not None:
            updated = replace(
                notification, attempts=attempts, last_error=result.detail, lease_until=None,
                next_attempt_at=at + delay,
            )  # fmt: skip
            outcome = "retrying"
        else:
            updated = replace(
                notification, status=NotificationStatus.FAILED, attempts=attempts, payload=None,
                last_error=result.detail, lease_until=None,
            )  # fmt: skip
            outcome = "failed"
        tx.update_notification(updated)
        if notification.kind is NotificationKind.CONFIRMATION or notification.message_id is None:
            return outcome
        message = tx.get_message(notification.message_id)
        if message is None or outcome == "retrying":
            return outcome
        details: dict[str, str | int] = {
            "notification_id": notification.id,
            "channel": notification.channel.value,
            "address": notification.address,
            "attempts": attempts,
            "result": result.detail[:300],
        }
        if notification.kind is NotificationKind.FORWARD:
            details["forwarded"] = "yes"
        agency_name = service.accounts.agency_name(message.agency_id)
        if outcome == "sent":
            event = (
                Event.RELAY_TO_NON_ERDS
                if notification.kind is NotificationKind.FORWARD
                else Event.CONSIGNMENT_NOTIFICATION
            )
            service.log.append(tx, message, event, at=at, agency_name=agency_name, details=details)
        else:
            reason = (
                f"permanent failure: {result.detail}"
                if result.outcome is Outcome.PERMANENT
                else f"gave up after {attempts} attempts: {result.detail}"
            )
            service.log.append(
                tx, message, Event.CONSIGNMENT_NOTIFICATION_FAILURE, at=at,
                agency_name=agency_name, reason=reason[:500], details=details,
            )  # fmt: skip
    return outcome


def _expire(service: DeliveryService, at: dt.datetime, limit: int) -> int:
    with service.storage.transaction() as tx:
        due = tx.messages_to_expire(at, limit)
        for message in due:
            expired = replace(message, state=MessageState.EXPIRED)
            tx.update_message(expired)
            service.log.append(
                tx, expired, Event.CONTENT_HANDOVER_FAILURE, at=at,
                agency_name=service.accounts.agency_name(message.agency_id),
                reason="the retrieval window lapsed without handover",
                details={"available_until": message.available_until.isoformat()},
            )  # fmt: skip
    return len(due)


def _purge(service: DeliveryService, at: dt.datetime, limit: int) -> int:
    with service.storage.transaction() as tx:
        due = tx.messages_to_purge(at, limit)
        for message in due:
            tx.delete_content(message.id)
            tx.update_message(replace(message, content_deleted_at=at))
    return len(due)


def _checkpoint(service: DeliveryService, at: dt.datetime) -> int | None:
    last = service.last_checkpoint_at
    if last is not None and (at - last).total_seconds() < service.settings.checkpoint_interval_s:
        return None
    latest = service.log.latest_checkpoint(service.storage)
    with service.storage.transaction(write=False) as tx:
        size = tx.log_size()
    if size == 0 or (latest is not None and latest.checkpoint.size >= size):
        service.last_checkpoint_at = at
        return None
    signed = service.log.checkpoint(service.storage, at)
    service.last_checkpoint_at = at
    return signed.checkpoint.size
