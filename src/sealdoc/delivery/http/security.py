"""HTTP hardening: security headers on every response, and the failure rate limiter.

Headers: ``Referrer-Policy: no-referrer`` (the capability URL never leaks to another site),
``X-Robots-Tag: noindex``, a strict CSP (nothing but the service's own stylesheet; no script at
all; forms post only to the service), ``Cache-Control: no-store``, ``nosniff``, no framing.

:class:`FailureLimiter` counts failures per client address (unknown link tokens, bad API keys,
wrong confirmation codes) in a sliding window; past the limit, the client gets 429 until the
window slides: guessing tokens, keys or codes is throttled.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict, deque
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

__all__ = ["CSP", "FailureLimiter", "SecurityHeaders"]

CSP = (
    "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; "
    "frame-ancestors 'none'; base-uri 'none'"
)
HEADERS: list[tuple[bytes, bytes]] = [
    (b"referrer-policy", b"no-referrer"),
    (b"x-robots-tag", b"noindex, nofollow, noarchive"),
    (b"content-security-policy", CSP.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"cache-control", b"no-store"),
    (b"cross-origin-opener-policy", b"same-origin"),
    (b"cross-origin-resource-policy", b"same-origin"),
]

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


class SecurityHeaders:
    """Pure ASGI middleware adding :data:`HEADERS` to every HTTP response."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                present = {name.lower() for name, _ in message.get("headers", [])}
                extra = [(k, v) for k, v in HEADERS if k not in present]
                message["headers"] = [*message.get("headers", []), *extra]
            await send(message)

        await self.app(scope, receive, send_with_headers)


class FailureLimiter:
    def __init__(
        self,
        limit: int,
        window_s: float,
        *,
        clock: Callable[[], float] = time.monotonic,
        max_clients: int = 100_000,
    ) -> None:
        self.limit = limit
        self.window_s = window_s
        self._clock = clock
        self._max_clients = max_clients
        self._failures: OrderedDict[str, deque[float]] = OrderedDict()
        self._lock = threading.Lock()

    def _recent(self, client: str, now: float) -> deque[float]:
        failures = self._failures.get(client)
        if failures is None:
            return deque()
        while failures and failures[0] <= now - self.window_s:
            failures.popleft()
        return failures

    def blocked(self, client: str) -> float | None:
        """Seconds until ``client`` may try again, or ``None`` if it is not blocked."""
        now = self._clock()
        with self._lock:
            failures = self._recent(client, now)
            if len(failures) < self.limit:
                return None
            return max(1.0, failures[0] + self.window_s - now)

    def fail(self, client: str) -> None:
        now = self._clock()
        with self._lock:
            failures = self._recent(client, now)
            failures.append(now)
            self._failures[client] = failures
            self._failures.move_to_end(client)
            while len(self._failures) > self._max_clients:
                self._failures.popitem(last=False)
