"""The PostgreSQL backend against a real server started by the tests (initdb + pg_ctl on
127.0.0.1): the whole delivery flow, and two service instances (separate connections, as two
processes would have) depositing at once into one dense, verifiable evidence log."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from cryptography import x509
from tests.support.delivery_env import (
    AGENCY_ID,
    RECIPIENT,
    ManualClock,
    Material,
    SmtpCapture,
    confirm_email_domicile,
    link_in,
    make_settings,
    reset_postgres,
)

from sealdoc._internal.merkle import MerkleTree
from sealdoc.delivery.errors import LinkGone
from sealdoc.delivery.evidence_verify import verify_bundle
from sealdoc.delivery.model import RecipientId
from sealdoc.delivery.service import ClientInfo, DeliveryService
from sealdoc.delivery.storage.postgres import PostgresStorage
from sealdoc.report import Indication

pytestmark = pytest.mark.postgres


@pytest.fixture
def make_service(
    postgres_dsn: str, material: Material, smtp: SmtpCapture, tmp_path: Path
) -> Iterator[Callable[[ManualClock], DeliveryService]]:
    reset_postgres(postgres_dsn)
    smtp.messages.clear()
    services: list[DeliveryService] = []

    def build(clock: ManualClock) -> DeliveryService:
        settings = make_settings(
            material, tmp_path / "data", smtp_port=smtp.port, storage="postgresql",
            postgres_dsn=postgres_dsn, payload_key_file=tmp_path / "shared-payload.key",
        )  # fmt: skip
        service = DeliveryService(
            settings, PostgresStorage(postgres_dsn), settings.service_key.load(), clock=clock
        )
        services.append(service)
        return service

    yield build
    for service in services:
        service.close()


def test_delivery_flow_on_postgresql(
    make_service: Callable[[ManualClock], DeliveryService],
    smtp: SmtpCapture,
    material: Material,
) -> None:
    clock = ManualClock()
    service = make_service(clock)
    recipient = RecipientId.parse(RECIPIENT)
    confirm_email_domicile(service, smtp, recipient, "courrier@entreprise.test")

    fetched = service.deposit(AGENCY_ID, recipient, "Avis", "avis.pdf", material.sealed_pdf)
    lapsed = service.deposit(
        AGENCY_ID, recipient, "Relance", "r.pdf", material.sealed_pdf, window_days=1
    )
    service.run_due()
    bodies = [m.get_content() for m in smtp.wait_for(3)[1:3]]
    links = [
        link_in(next(b for b in bodies if message.id in b)).rsplit("/", 1)[1]
        for message in (fetched.message, lapsed.message)
    ]
    web = ClientInfo("web")
    service.open_link(links[0], web)
    handover = service.handover_by_link(links[0], web)
    clock.advance(days=1, seconds=1)
    assert service.run_due()["expired"] == 1

    assert handover.data == material.sealed_pdf
    with pytest.raises(LinkGone):
        service.open_link(links[1], web)
    anchors = [x509.load_pem_x509_certificate(material.root.read_bytes())]
    agency = service.accounts.agency(AGENCY_ID)
    for message_id, last in ((fetched.message.id, "ContentHandover"),
                             (lapsed.message.id, "ContentHandoverFailure")):  # fmt: skip
        bundle = service.evidence_bundle(agency, message_id)
        assert bundle.records()[-1].record.event.value == last
        report = verify_bundle(
            bundle, trust_anchors=anchors, at=clock(), document=material.sealed_pdf
        )
        assert report.indication is Indication.PASSED, report.checks
    clock.advance(days=366)
    assert service.run_due()["purged"] == 2


def test_two_instances_append_to_one_dense_log(
    make_service: Callable[[ManualClock], DeliveryService],
    smtp: SmtpCapture,
    material: Material,
) -> None:
    clock = ManualClock()
    first, second = make_service(clock), make_service(clock)
    recipient = RecipientId.parse(RECIPIENT)
    confirm_email_domicile(first, smtp, recipient, "courrier@entreprise.test")
    accepted: list[str] = []
    lock = threading.Lock()

    def deposit(service: DeliveryService) -> None:
        for _ in range(8):
            result = service.deposit(AGENCY_ID, recipient, "Avis", "a.pdf", material.sealed_pdf)
            with lock:
                accepted.append(result.message.id)

    threads = [threading.Thread(target=deposit, args=(s,)) for s in (first, second, first, second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    # both workers race over the outbox: each notice is sent exactly once
    workers = [threading.Thread(target=s.run_due) for s in (first, second)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    first.run_due()

    assert len(accepted) == 32
    assert len(smtp.messages) == 1 + 32
    with first.storage.transaction(write=False) as tx:
        size = tx.log_size()
        hashes = tx.leaf_hashes(size)
        indices = [e.index for m in accepted for e in tx.evidence_of(m)]
    assert len(hashes) == size == len(set(indices)) == 64  # acceptance + notice each
    checkpoint = second.log.checkpoint(second.storage, clock())
    assert checkpoint.checkpoint.root_hash == MerkleTree(hashes).root().hex()
