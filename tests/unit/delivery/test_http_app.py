"""The HTTP layer (the app served by uvicorn on 127.0.0.1): headers on link pages, HEAD and
GET never hand over, the explicit POST does, statuses, authentication scopes, rate limiting,
OpenAPI."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from tests.support.delivery_env import (
    AGENCY_KEY,
    RECIPIENT,
    RECIPIENT_KEY,
    Material,
    ServerThread,
    SmtpCapture,
    link_in,
)

from sealdoc.delivery.http import create_app
from sealdoc.delivery.http.security import CSP
from sealdoc.delivery.service import DeliveryService

AGENCY = {"authorization": f"Bearer {AGENCY_KEY}"}
RECIPIENT_AUTH = {"authorization": f"Bearer {RECIPIENT_KEY}"}


@pytest.fixture
def client(ready: DeliveryService) -> Iterator[httpx.Client]:
    app = create_app(ready.settings, service=ready)
    with ServerThread(app) as server, httpx.Client(base_url=server.url) as http:
        yield http


def _deposit(client: httpx.Client, material: Material, **extra: str) -> dict[str, object]:
    response = client.post(
        "/api/v1/messages",
        headers=AGENCY,
        data={"recipient": RECIPIENT, "title": "Avis <b>d'imposition</b>", **extra},
        files={"file": ("avis.pdf", material.sealed_pdf, "application/pdf")},
    )
    assert response.status_code == 201, response.text
    body: dict[str, object] = response.json()
    return body


def _link_path(ready: DeliveryService, smtp: SmtpCapture) -> str:
    before = len(smtp.messages)
    ready.run_due()
    url = link_in(smtp.wait_for(before + 1)[before].get_content())
    return url.removeprefix(ready.settings.public_url)


def test_link_page_headers_and_no_handover_on_get_or_head(
    client: httpx.Client, ready: DeliveryService, smtp: SmtpCapture, material: Material
) -> None:
    deposited = _deposit(client, material)
    path = _link_path(ready, smtp)

    head = client.head(path)
    page = client.get(path)

    assert head.status_code == page.status_code == 200
    for response in (head, page):
        assert response.headers["referrer-policy"] == "no-referrer"
        assert "noindex" in response.headers["x-robots-tag"]
        assert response.headers["content-security-policy"] == CSP
        assert response.headers["cache-control"] == "no-store"
    assert "<b>" not in page.text
    assert "&lt;b&gt;" in page.text
    assert "http" not in page.text.split("<body>")[1]  # no external resource, no absolute URL
    status = client.get(f"/api/v1/messages/{deposited['message_id']}", headers=AGENCY).json()
    assert status["state"] == "available"
    assert "ContentHandover" not in [e["event"] for e in status["events"]]


def test_post_from_the_page_hands_over(
    client: httpx.Client, ready: DeliveryService, smtp: SmtpCapture, material: Material
) -> None:
    _deposit(client, material)
    path = _link_path(ready, smtp)

    refused = client.post(path, data={})
    response = client.post(path, data={"confirm": "yes"})

    assert refused.status_code == 400
    assert response.status_code == 200
    assert response.content == material.sealed_pdf
    assert response.headers["content-type"] == "application/pdf"
    assert "attachment" in response.headers["content-disposition"]


def test_withdrawn_link_is_gone(
    client: httpx.Client, ready: DeliveryService, smtp: SmtpCapture, material: Material
) -> None:
    deposited = _deposit(client, material)
    path = _link_path(ready, smtp)

    client.post(f"/api/v1/messages/{deposited['message_id']}/withdraw", headers=AGENCY)

    assert client.get(path).status_code == 410
    assert client.post(path, data={"confirm": "yes"}).status_code == 410


def test_rejected_deposit_answers_422_with_its_evidence(
    client: httpx.Client, material: Material
) -> None:
    response = client.post(
        "/api/v1/messages",
        headers=AGENCY,
        data={"recipient": RECIPIENT, "title": "Avis"},
        files={"file": ("avis.pdf", material.foreign_pdf, "application/pdf")},
    )

    assert response.status_code == 422
    body = response.json()
    assert body["status"] == "rejected"
    assert body["evidence_id"].startswith("ev_")
    status = client.get(f"/api/v1/messages/{body['message_id']}", headers=AGENCY).json()
    assert [e["event"] for e in status["events"]] == ["SubmissionRejection"]


def test_api_keys_are_scoped(client: httpx.Client, material: Material) -> None:
    deposited = _deposit(client, material)

    assert client.get("/api/v1/inbox").status_code == 401
    assert (
        client.get("/api/v1/inbox", headers={"authorization": "Bearer sdk_nope"}).status_code == 401
    )
    assert client.get("/api/v1/inbox", headers=AGENCY).status_code == 403
    denied = client.post(
        "/api/v1/messages",
        headers=RECIPIENT_AUTH,
        data={"recipient": RECIPIENT, "title": "x"},
        files={"file": ("a.pdf", material.sealed_pdf, "application/pdf")},
    )
    assert denied.status_code == 403
    inbox = client.get("/api/v1/inbox", headers=RECIPIENT_AUTH).json()
    assert [i["message_id"] for i in inbox] == [deposited["message_id"]]
    fetched = client.post(
        f"/api/v1/inbox/{deposited['message_id']}/handover", headers=RECIPIENT_AUTH
    )
    assert fetched.content == material.sealed_pdf
    assert fetched.headers["x-sealdoc-evidence-id"].startswith("ev_")


def test_token_guessing_is_rate_limited(client: httpx.Client, ready: DeliveryService) -> None:
    limit = ready.settings.rate_limit_failures
    statuses = [client.get(f"/l/{'A' * 31}{i % 10}").status_code for i in range(limit + 2)]

    assert statuses[:limit] == [404] * limit
    assert statuses[limit:] == [429, 429]


def test_openapi_document_lists_the_api(client: httpx.Client) -> None:
    document = client.get("/openapi.json").json()

    for path in ("/api/v1/messages", "/api/v1/inbox", "/api/v1/domicile", "/l/{token}"):
        assert path in document["paths"]
    assert client.get("/docs").status_code == 404  # Swagger UI loads third-party scripts


def test_robots_are_told_to_stay_away(client: httpx.Client) -> None:
    assert client.get("/robots.txt").text == "User-agent: *\nDisallow: /\n"
