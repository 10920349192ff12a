"""Fixtures of the delivery integration tests: real servers on 127.0.0.1 started by the tests
(uvicorn, an aiosmtpd SMTP server, webhook receivers, PostgreSQL, headless Chromium).

Markers: ``browser`` (Debian's chromium driven by Playwright; skipped only if the binary is
absent), ``postgres`` (a throwaway cluster made with initdb/pg_ctl; skipped only if PostgreSQL
is not installed).
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from tests.support.delivery_env import (
    ManualClock,
    Material,
    ServerThread,
    SmtpCapture,
    make_material,
    make_settings,
    postgres_binaries,
    postgres_cluster,
)

from sealdoc.delivery.http import create_app
from sealdoc.delivery.service import DeliveryService
from sealdoc.delivery.settings import DeliverySettings
from sealdoc.delivery.storage import open_storage

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]


@pytest.fixture(scope="session")
def material(tmp_path_factory: pytest.TempPathFactory) -> Material:
    return make_material(tmp_path_factory.mktemp("delivery-material"))


@pytest.fixture(scope="session")
def smtp() -> Iterator[SmtpCapture]:
    server = SmtpCapture().start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def postgres_dsn() -> Iterator[str]:
    if postgres_binaries() is None:
        pytest.skip("PostgreSQL is not installed (Debian package: postgresql)")
    with postgres_cluster() as dsn:
        yield dsn


@dataclass
class Running:
    """A delivery service served by uvicorn in this process."""

    server: ServerThread
    service: DeliveryService
    settings: DeliverySettings
    clock: Callable[[], Any]

    @property
    def url(self) -> str:
        return self.server.url


@pytest.fixture
def serve(
    material: Material, smtp: SmtpCapture, tmp_path: Path
) -> Iterator[Callable[..., Running]]:
    """Start ``create_app`` on a free port; keyword arguments override settings."""
    started: list[Running] = []

    def start(clock: Callable[[], Any] | None = None, **overrides: Any) -> Running:
        from tests.support.delivery_env import free_port

        port = free_port()
        settings = make_settings(
            material,
            tmp_path / f"data{len(started)}",
            public_url=f"http://127.0.0.1:{port}",
            smtp_port=smtp.port,
            **overrides,
        )
        clock = clock or ManualClock()
        service = DeliveryService(
            settings, open_storage(settings), settings.service_key.load(), clock=clock
        )
        server = ServerThread(create_app(settings, service=service), port=port).__enter__()
        running = Running(server, service, settings, clock)
        started.append(running)
        return running

    smtp.messages.clear()
    yield start
    for running in started:
        running.server.__exit__(None, None, None)


@pytest.fixture(scope="module")
def chromium() -> Iterator[Any]:
    """Headless Chromium for one module. Playwright's sync API runs an asyncio loop in this
    thread while it lives (``asyncio.run`` fails meanwhile), so it is not kept for the session."""
    if shutil.which(CHROMIUM) is None and not Path(CHROMIUM).exists():
        pytest.skip("Chromium is not installed (Debian package: chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        yield browser
        browser.close()
