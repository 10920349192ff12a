"""The HTML audit report in a real headless Chromium (Debian's ``/usr/bin/chromium``, driven by
Playwright; no browser is ever downloaded): readable, sortable, filterable, self-contained, and
immune to hostile file names."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from tests.support.audit_pki import AUDIT_TIME, CLEAN_ARCHIVE, write_archive

from sealdoc.audit.html import render_html
from sealdoc.audit.runner import audit_archive
from sealdoc.trust import TrustMaterial

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
HOSTILE = "<img src=x onerror=\"document.title='pwned'\">.pdf"

pytestmark = pytest.mark.skipif(
    not Path(CHROMIUM).exists(),
    reason="Debian chromium is not installed (apt-get install chromium)",
)


@pytest.fixture(scope="module")
def report_file(
    tmp_path_factory: pytest.TempPathFactory, sealed: dict[str, bytes], trust: TrustMaterial
) -> Path:
    base = tmp_path_factory.mktemp("html")
    layout = {**CLEAN_ARCHIVE, "2025/ancienne.pdf": "sha1", HOSTILE: "lt-2"}
    root = write_archive(base / "fonds", sealed, layout)
    report = audit_archive(root, trust=trust, at=AUDIT_TIME)
    path = base / "audit.html"
    path.write_text(render_html(report), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def browser_page(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    profile = tmp_path_factory.mktemp("chromium-profile")
    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(profile),
            executable_path=CHROMIUM,
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--no-first-run",
                "--disable-sync",
            ],
        )
        try:
            yield context
        finally:
            context.close()


@pytest.fixture
def page(browser_page: Any, report_file: Path) -> Iterator[Any]:
    requests: list[str] = []
    errors: list[str] = []
    page = browser_page.new_page()
    page.on("request", lambda request: requests.append(request.url))
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(report_file.as_uri())
    page.wait_for_selector("html[data-ready=yes]")
    page.requests = requests
    page.errors = errors
    yield page
    page.close()


def column(page: Any, index: int) -> list[str]:
    return [
        text.strip()
        for text in page.eval_on_selector_all(
            "#documents tbody tr:not([hidden])",
            f"rows => rows.map(r => r.cells[{index}].textContent)",
        )
    ]


def test_page_shows_the_summary_and_every_document(page: Any) -> None:
    assert page.title().startswith("sealdoc audit")
    assert page.inner_text("[data-count=PASSED] b") == "7"
    assert page.inner_text("[data-count=FAILED] b") == "1"
    assert len(column(page, 0)) == 8
    renew = page.inner_text("#renew-first li:first-child")
    assert "2026-04-01" in renew
    assert "attestation-004.pdf" in renew


def test_page_loads_nothing_but_itself_and_runs_without_errors(
    page: Any, report_file: Path
) -> None:
    assert page.requests == [report_file.as_uri()]
    assert page.errors == []


def test_table_sorts_by_renewal_date_then_back(page: Any) -> None:
    page.click("#documents th:nth-child(7) button")
    assert page.get_attribute("#documents th:nth-child(7)", "aria-sort") == "ascending"
    dates = [d for d in column(page, 6) if d]
    assert dates == sorted(dates)
    # both documents time-stamped by the expiring TSA come first
    assert set(column(page, 0)[:2]) == {"2026/mars/attestation-004.pdf", "2025/ancienne.pdf"}
    page.click("#documents th:nth-child(7) button")
    assert page.get_attribute("#documents th:nth-child(7)", "aria-sort") == "descending"
    assert [d for d in column(page, 6) if d] == sorted(dates, reverse=True)


def test_table_sorts_failures_first_by_verdict(page: Any) -> None:
    page.click("#documents th:nth-child(2) button")
    first = column(page, 1)[0]
    assert first.startswith("FAILED")
    assert column(page, 0)[0] == "2025/ancienne.pdf"


def test_filter_keeps_matching_rows_only(page: Any) -> None:
    page.fill("#filter", "prefecture")
    assert column(page, 0) == ["2026/fevrier/arrete-prefecture.pdf"]
    page.fill("#filter", "")
    assert len(column(page, 0)) == 8


def test_each_document_has_its_details(page: Any) -> None:
    page.click("#documents tbody tr:first-child a")
    target = page.eval_on_selector("#documents tbody tr:first-child a", "a => a.hash")
    details = page.locator(f"details{target}")
    details.locator("summary").click()
    assert details.get_attribute("open") is not None
    text = details.inner_text()
    assert "certificate_chain" in text
    assert "SHA-256" in text


def test_hostile_file_name_is_shown_as_text(page: Any) -> None:
    assert page.title() != "pwned"
    assert page.locator("#documents img").count() == 0
    assert HOSTILE in column(page, 0)
