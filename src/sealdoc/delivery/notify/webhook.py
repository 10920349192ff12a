"""Webhook notices, signed as in the "Standard Webhooks" convention.

Each request carries ``webhook-id`` (the notification id: the same on every retry, so the
receiver can drop duplicates), ``webhook-timestamp`` (Unix seconds) and ``webhook-signature``:
``v1,<base64 HMAC-SHA256(secret, "<id>.<timestamp>.<body>")>``, where the secret is the
base64 part of the ``whsec_...`` value given to the recipient when it declared the webhook.
:func:`verify_signature` is what a receiver runs.

2xx: sent. 408, 425, 429, 5xx, timeouts and connection errors: transient (retried). Any other
answer (other 4xx, redirects, which are not followed): permanent.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hashlib
import hmac
import json
from collections.abc import Callable, Mapping

import httpx

from sealdoc.delivery.model import Notification
from sealdoc.delivery.notify import SendResult
from sealdoc.delivery.notify.texts import webhook_event

__all__ = ["WebhookNotifier", "sign", "verify_signature"]

_TRANSIENT = {408, 425, 429}


def _key(secret: str) -> bytes:
    try:
        return base64.b64decode(secret.removeprefix("whsec_"), validate=True)
    except (binascii.Error, ValueError) as exc:
        raise ValueError("a webhook secret is whsec_ followed by base64") from exc


def sign(secret: str, event_id: str, timestamp: int, body: bytes) -> str:
    """The ``webhook-signature`` header value."""
    mac = hmac.new(_key(secret), f"{event_id}.{timestamp}.".encode() + body, hashlib.sha256)
    return "v1," + base64.b64encode(mac.digest()).decode("ascii")


def verify_signature(
    secret: str,
    headers: Mapping[str, str],
    body: bytes,
    *,
    at: dt.datetime,
    tolerance: dt.timedelta = dt.timedelta(minutes=5),
) -> bool:
    """Whether a received webhook is authentic and fresh (for receivers and tests)."""
    lowered = {k.lower(): v for k, v in headers.items()}
    try:
        event_id = lowered["webhook-id"]
        timestamp = int(lowered["webhook-timestamp"])
        signatures = lowered["webhook-signature"].split()
    except (KeyError, ValueError):
        return False
    sent = dt.datetime.fromtimestamp(timestamp, dt.UTC)
    if abs(at - sent) > tolerance:
        return False
    expected = sign(secret, event_id, timestamp, body)
    return any(hmac.compare_digest(expected, s) for s in signatures)


class WebhookNotifier:
    """POSTs signed JSON events; ``secret_for`` maps a notification to its domicile's secret."""

    def __init__(
        self,
        secret_for: Callable[[Notification], str | None],
        *,
        clock: Callable[[], dt.datetime],
        timeout_s: float = 10.0,
        user_agent: str = "sealdoc-delivery",
    ) -> None:
        self._secret_for = secret_for
        self._clock = clock
        self._client = httpx.Client(
            timeout=timeout_s, follow_redirects=False, headers={"user-agent": user_agent}
        )

    def close(self) -> None:
        self._client.close()

    def request(
        self, notification: Notification, payload: Mapping[str, str]
    ) -> tuple[bytes, dict[str, str]] | None:
        secret = self._secret_for(notification)
        if secret is None:
            return None
        timestamp = int(self._clock().timestamp())
        event = {"id": notification.id, "timestamp": timestamp}
        event.update(webhook_event(notification.kind, payload))
        body = json.dumps(event, separators=(",", ":"), sort_keys=True).encode("utf-8")
        headers = {
            "content-type": "application/json",
            "webhook-id": notification.id,
            "webhook-timestamp": str(timestamp),
            "webhook-signature": sign(secret, notification.id, timestamp, body),
        }
        return body, headers

    def send(self, notification: Notification, payload: Mapping[str, str]) -> SendResult:
        prepared = self.request(notification, payload)
        if prepared is None:
            return SendResult.permanent("the webhook has no signing secret")
        body, headers = prepared
        try:
            response = self._client.post(notification.address, content=body, headers=headers)
        except httpx.TimeoutException:
            return SendResult.transient("the webhook did not answer in time")
        except httpx.HTTPError as exc:
            return SendResult.transient(f"the webhook cannot be reached ({type(exc).__name__})")
        status = response.status_code
        detail = f"HTTP {status} from {notification.address}"
        if 200 <= status < 300:
            return SendResult.sent(detail)
        if status in _TRANSIENT or status >= 500:
            return SendResult.transient(detail)
        return SendResult.permanent(detail)
