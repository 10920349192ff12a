"""Webhook notices through the running service's background worker, against flaky local
receivers: retried with backoff until accepted, or given up with failure evidence."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from tests.support.delivery_env import (
    AGENCY_KEY,
    RECIPIENT,
    RECIPIENT_KEY,
    Material,
    WebhookReceiver,
    wait_until,
)

from sealdoc.delivery import DeliveryClient
from sealdoc.delivery.notify.webhook import verify_signature


def _system_clock() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _declare_webhook(running: Any, receiver: WebhookReceiver) -> str:
    with DeliveryClient(running.url, RECIPIENT_KEY) as system:
        secret = system.declare("webhook", receiver.url)["webhook_secret"]
        assert wait_until(lambda: len(receiver.received) >= 1)
        system.confirm(receiver.events()[0]["data"]["code"])
    assert isinstance(secret, str)
    return secret


def test_flaky_receiver_gets_the_notice_after_retries(
    serve: Callable[..., Any], material: Material
) -> None:
    running = serve(
        clock=_system_clock, worker_interval_s=0.05, notice_retry_delays_s=[0.1, 0.2, 0.4]
    )
    with WebhookReceiver([200, 503, 500]) as receiver:
        secret = _declare_webhook(running, receiver)
        with DeliveryClient(running.url, AGENCY_KEY) as agency:
            message_id = agency.deposit(material.sealed_pdf, recipient=RECIPIENT, title="Avis")[
                "message_id"
            ]

            def notified() -> bool:
                events = [e["event"] for e in agency.message(message_id)["events"]]
                return "ConsignmentNotification" in events

            assert wait_until(notified, timeout=15)
            status = agency.message(message_id)

    attempts = receiver.received[1:]
    assert len(attempts) == 3
    assert len({headers["webhook-id"] for headers, _ in attempts}) == 1  # idempotent event id
    timestamps = [int(headers["webhook-timestamp"]) for headers, _ in attempts]
    assert timestamps == sorted(timestamps)
    headers, body = attempts[-1]
    assert verify_signature(secret, headers, body, at=_system_clock())
    (notice,) = status["notifications"]
    assert notice["status"] == "sent"
    assert notice["attempts"] == 3


def test_receiver_that_keeps_failing_yields_failure_evidence(
    serve: Callable[..., Any], material: Material
) -> None:
    running = serve(clock=_system_clock, worker_interval_s=0.05, notice_retry_delays_s=[0.1, 0.1])
    with WebhookReceiver([200, 503, 503, 503, 503]) as receiver:
        _declare_webhook(running, receiver)
        with DeliveryClient(running.url, AGENCY_KEY) as agency:
            message_id = agency.deposit(material.sealed_pdf, recipient=RECIPIENT, title="Avis")[
                "message_id"
            ]

            def failed() -> bool:
                events = agency.message(message_id)["events"]
                return events[-1]["event"] == "ConsignmentNotificationFailure"

            assert wait_until(failed, timeout=15)
            last = agency.message(message_id)["events"][-1]

    assert len(receiver.received) == 1 + 3
    assert "gave up after 3 attempts" in last["reason"]
    assert "HTTP 503" in last["reason"]
