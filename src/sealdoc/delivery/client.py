"""A small HTTP client of the delivery service (what the ``sealdoc`` CLI uses).

    with DeliveryClient("https://delivery.example", api_key) as client:
        accepted = client.deposit(Path("avis.pdf"), recipient="SIREN:123456789", title="Avis")
        for item in client.inbox(): ...

HTTP errors come back as the service's typed errors (:class:`UnknownResource`,
:class:`LinkGone`, :class:`NotAllowed`, :class:`DepositRejected`, :class:`InputError`, or
:class:`DeliveryError`).
"""

from __future__ import annotations

from pathlib import Path
from types import TracebackType
from typing import Any

import httpx

from sealdoc.delivery.errors import DepositRejected, LinkGone, NotAllowed, UnknownResource
from sealdoc.delivery.evidence_log import EvidenceBundle
from sealdoc.errors import DeliveryError, InputError

__all__ = ["DeliveryClient"]


class DeliveryClient:
    def __init__(self, url: str, api_key: str | None, *, timeout_s: float = 60.0) -> None:
        headers = {"authorization": f"Bearer {api_key}"} if api_key else {}
        self.url = url.rstrip("/")
        self._http = httpx.Client(base_url=self.url, headers=headers, timeout=timeout_s)

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> DeliveryClient:
        return self

    def __exit__(
        self, t: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    # -- plumbing ---------------------------------------------------------------------------
    def _request(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        try:
            response = self._http.request(method, path, **kwargs)
        except httpx.HTTPError as exc:
            raise DeliveryError(f"cannot reach the delivery service at {self.url}: {exc}") from exc
        if response.status_code < 400:
            return response
        raise _error(response)

    def _json(self, method: str, path: str, **kwargs: Any) -> Any:
        return self._request(method, path, **kwargs).json()

    # -- agencies ---------------------------------------------------------------------------
    def deposit(
        self,
        document: Path | bytes,
        *,
        recipient: str,
        title: str,
        filename: str | None = None,
        window_days: int | None = None,
        retention_days: int | None = None,
    ) -> dict[str, Any]:
        if isinstance(document, Path):
            try:
                data = document.read_bytes()
            except OSError as exc:
                raise InputError(f"{document}: cannot be read ({exc.strerror})") from exc
            filename = filename or document.name
        else:
            data = document
        form: dict[str, str] = {"recipient": recipient, "title": title}
        if window_days is not None:
            form["window_days"] = str(window_days)
        if retention_days is not None:
            form["retention_days"] = str(retention_days)
        files = {"file": (filename or "document.pdf", data, "application/pdf")}
        result: dict[str, Any] = self._json("POST", "/api/v1/messages", data=form, files=files)
        return result

    def message(self, message_id: str) -> dict[str, Any]:
        result: dict[str, Any] = self._json("GET", f"/api/v1/messages/{message_id}")
        return result

    def withdraw(self, message_id: str) -> dict[str, Any]:
        result: dict[str, Any] = self._json("POST", f"/api/v1/messages/{message_id}/withdraw")
        return result

    def evidence(self, message_id: str) -> EvidenceBundle:
        response = self._request("GET", f"/api/v1/messages/{message_id}/evidence")
        return EvidenceBundle.model_validate_json(response.content)

    def proof(self, message_id: str) -> bytes:
        return self._request("GET", f"/api/v1/messages/{message_id}/proof").content

    # -- recipients' systems ------------------------------------------------------------------
    def declare(self, channel: str, address: str, forward_to: str | None = None) -> dict[str, Any]:
        body = {"channel": channel, "address": address, "forward_to": forward_to}
        result: dict[str, Any] = self._json("POST", "/api/v1/domicile", json=body)
        return result

    def confirm(self, code: str) -> dict[str, Any]:
        result: dict[str, Any] = self._json("POST", "/api/v1/domicile/confirm", json={"code": code})
        return result

    def forwarding(self, address: str | None) -> dict[str, Any]:
        body = {"address": address}
        result: dict[str, Any] = self._json("PUT", "/api/v1/domicile/forwarding", json=body)
        return result

    def domicile(self) -> dict[str, Any]:
        result: dict[str, Any] = self._json("GET", "/api/v1/domicile")
        return result

    def inbox(self) -> list[dict[str, Any]]:
        result: list[dict[str, Any]] = self._json("GET", "/api/v1/inbox")
        return result

    def handover(self, message_id: str) -> tuple[bytes, dict[str, str]]:
        response = self._request("POST", f"/api/v1/inbox/{message_id}/handover")
        return response.content, dict(response.headers)

    def checkpoint(self) -> dict[str, Any]:
        result: dict[str, Any] = self._json("GET", "/api/v1/log/checkpoint")
        return result


def _error(response: httpx.Response) -> Exception:
    try:
        body = response.json()
    except ValueError:
        body = {}
    if not isinstance(body, dict):
        body = {}
    message = str(body.get("message") or body.get("detail") or response.reason_phrase)
    status = response.status_code
    if status == 422 and body.get("status") == "rejected":
        return DepositRejected(body["message_id"], body["evidence_id"], body["reason"])
    if status == 404:
        return UnknownResource(message)
    if status == 410:
        return LinkGone(message)
    if status == 403:
        return NotAllowed(message)
    if status == 401:
        return DeliveryError("the delivery service refused the API key")
    if status in (400, 422):
        return InputError(f"the delivery service refused the request: {message}")
    return DeliveryError(f"the delivery service answered {status}: {message}")
