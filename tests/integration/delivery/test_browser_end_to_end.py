"""End to end, as people and systems use it: a recipient's system declares its domicile, an
agency deposits, the notice arrives by SMTP, a mail scanner fetches the link (no handover), a
person opens it in headless Chromium, confirms and downloads, and the file verifies; a
recipient system fetches through the API; withdrawal and expiry give 410; the evidence and the
proof verify offline."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest
from cryptography import x509
from tests.support.delivery_env import (
    AGENCY_KEY,
    RECIPIENT,
    RECIPIENT_KEY,
    ManualClock,
    Material,
    SmtpCapture,
    code_in,
    link_in,
    wait_until,
)

from sealdoc.delivery import DeliveryClient, bundle_from_proof, verify_bundle
from sealdoc.pades import verify_pdf
from sealdoc.report import Indication

pytestmark = pytest.mark.browser


def _next_mail(smtp: SmtpCapture, count: int) -> Any:
    messages = smtp.wait_for(count, timeout=15)
    assert len(messages) >= count, "the notice did not arrive"
    return messages[count - 1]


def _off_loop(func: Callable[[], Any]) -> Any:
    """Run ``func`` in another thread: Playwright's sync API keeps an asyncio loop running in
    this one, and the verifiers call ``asyncio.run``."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(func).result()


def _events(agency: DeliveryClient, message_id: str) -> list[str]:
    return [e["event"] for e in agency.message(message_id)["events"]]


def test_domicile_notice_scanner_browser_api_withdrawal_expiry(
    serve: Callable[..., Any],
    smtp: SmtpCapture,
    material: Material,
    chromium: Any,
    tmp_path: Path,
) -> None:
    clock = ManualClock()
    running = serve(clock=clock, worker_interval_s=0.05)
    agency = DeliveryClient(running.url, AGENCY_KEY)
    system = DeliveryClient(running.url, RECIPIENT_KEY)
    anchors = [x509.load_pem_x509_certificate(material.root.read_bytes())]

    # the recipient's system declares an e-mail domicile and confirms it with the code
    system.declare("email", "courrier@entreprise.test")
    system.confirm(code_in(_next_mail(smtp, 1).get_content()))
    assert system.domicile()["active"]["address"] == "courrier@entreprise.test"

    # the agency deposits; the notice carries a link and nothing else
    first = agency.deposit(material.sealed_pdf, recipient=RECIPIENT, title="Avis d'imposition")
    link = link_in(_next_mail(smtp, 2).get_content())
    assert link.startswith(f"{running.url}/l/")

    # a mail scanner fetches the link (HEAD and GET): tracking, no handover
    scanner = httpx.Client(headers={"user-agent": "SafeLinks-Scanner/1.0"})
    assert scanner.head(link).status_code == 200
    assert scanner.get(link).status_code == 200
    assert agency.message(first["message_id"])["state"] == "available"
    assert "ContentHandover" not in _events(agency, first["message_id"])

    # a person opens the link in Chromium, sees the page, confirms, downloads
    context = chromium.new_context(accept_downloads=True)
    page = context.new_page()
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    response = page.goto(link)
    assert response is not None
    assert response.status == 200
    assert response.headers["referrer-policy"] == "no-referrer"
    assert page.inner_text("#title") == "Avis d'imposition"
    assert page.inner_text("#sha256") == first["sha256"]
    page.screenshot(path=str(tmp_path / "landing.png"))
    assert agency.message(first["message_id"])["state"] == "available"
    with page.expect_download() as download_info:
        page.click("#download")
    saved = tmp_path / "downloaded.pdf"
    download_info.value.save_as(saved)
    assert all(url.startswith(running.url) for url in requests)  # no third-party resource

    assert saved.read_bytes() == material.sealed_pdf
    report = verify_pdf(saved, trust=[material.root], revocation="none", at=clock())
    assert report.indication is Indication.PASSED
    status = agency.message(first["message_id"])
    assert status["state"] == "handed_over"
    events = _events(agency, first["message_id"])
    assert events.count("NotificationAccessTracking") == 3  # HEAD, GET, the browser's GET
    assert events.count("ContentHandover") == 1

    # a second document, fetched by the recipient's system through the API
    second = agency.deposit(material.sealed_pdf, recipient=RECIPIENT, title="Mise en demeure")
    _next_mail(smtp, 3)
    assert [i["message_id"] for i in system.inbox() if not i["handed_over_at"]] == [
        second["message_id"]
    ]
    data, headers = system.handover(second["message_id"])
    assert data == material.sealed_pdf
    assert headers["x-sealdoc-sha256"] == second["sha256"]
    assert _events(agency, second["message_id"])[-1] == "ContentHandover"

    # a third, withdrawn by the agency: its link is gone
    third = agency.deposit(material.sealed_pdf, recipient=RECIPIENT, title="Erreur")
    third_link = link_in(_next_mail(smtp, 4).get_content())
    agency.withdraw(third["message_id"])
    gone = page.goto(third_link)
    assert gone is not None
    assert gone.status == 410

    # a fourth, never fetched: expiry after the window
    fourth = agency.deposit(
        material.sealed_pdf, recipient=RECIPIENT, title="Relance", window_days=2
    )
    fourth_link = link_in(_next_mail(smtp, 5).get_content())
    clock.advance(days=2, minutes=1)
    assert wait_until(lambda: agency.message(fourth["message_id"])["state"] == "expired")
    expired = page.goto(fourth_link)
    assert expired is not None
    assert expired.status == 410
    assert _events(agency, fourth["message_id"])[-1] == "ContentHandoverFailure"
    context.close()

    # the evidence verifies offline, for both parties; the proof is a sealed PDF
    for client, message_id in ((agency, first["message_id"]), (system, second["message_id"])):
        bundle = client.evidence(message_id)
        checked = _off_loop(
            lambda b=bundle: verify_bundle(
                b, trust_anchors=anchors, at=clock(), document=material.sealed_pdf
            )
        )
        assert checked.indication is Indication.PASSED, checked.checks
    proof = agency.proof(fourth["message_id"])
    assert verify_pdf(proof, trust=[material.root], revocation="none", at=clock()).indication is (
        Indication.PASSED
    )
    from_proof = _off_loop(
        lambda: verify_bundle(bundle_from_proof(proof), trust_anchors=anchors, at=clock())
    )
    assert from_proof.indication is Indication.PASSED
    agency.close()
    system.close()
    scanner.close()
