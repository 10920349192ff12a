"""Fixtures of the delivery unit tests: test PKI material (once per session), a service over
SQLite in a temporary directory with a manual clock, and a capturing SMTP server."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from tests.support.delivery_env import (
    RECIPIENT,
    ManualClock,
    Material,
    SmtpCapture,
    confirm_email_domicile,
    make_material,
    make_settings,
)

from sealdoc.delivery.model import RecipientId
from sealdoc.delivery.service import DeliveryService
from sealdoc.delivery.settings import DeliverySettings
from sealdoc.delivery.storage.sqlite import SqliteStorage


@pytest.fixture(scope="session")
def material(tmp_path_factory: pytest.TempPathFactory) -> Material:
    return make_material(tmp_path_factory.mktemp("delivery-material"))


@pytest.fixture(scope="session")
def smtp() -> Iterator[SmtpCapture]:
    server = SmtpCapture().start()
    yield server
    server.stop()


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
def recipient() -> RecipientId:
    return RecipientId.parse(RECIPIENT)


ServiceFactory = Callable[..., DeliveryService]


@pytest.fixture
def make_service(
    material: Material, smtp: SmtpCapture, clock: ManualClock, tmp_path: Path
) -> Iterator[ServiceFactory]:
    services: list[DeliveryService] = []

    def build(**overrides: Any) -> DeliveryService:
        settings: DeliverySettings = make_settings(
            material, tmp_path / f"data{len(services)}", smtp_port=smtp.port, **overrides
        )
        service = DeliveryService(
            settings, SqliteStorage(settings.data_dir), settings.service_key.load(), clock=clock
        )
        services.append(service)
        return service

    smtp.messages.clear()
    yield build
    for service in services:
        service.close()


@pytest.fixture
def service(make_service: ServiceFactory) -> DeliveryService:
    return make_service()


@pytest.fixture
def ready(service: DeliveryService, smtp: SmtpCapture, recipient: RecipientId) -> DeliveryService:
    """The service with the recipient's e-mail domicile confirmed."""
    confirm_email_domicile(service, smtp, recipient, "courrier@entreprise.test")
    return service
