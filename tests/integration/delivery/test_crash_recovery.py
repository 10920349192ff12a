"""kill -9 during a stream of deposits: after a restart, every acknowledged deposit and its
evidence are there, and the evidence log verifies."""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
import threading
from pathlib import Path

import httpx
from cryptography import x509
from tests.support.delivery_env import (
    AGENCY_KEY,
    RECIPIENT,
    RECIPIENT_KEY,
    Material,
    SmtpCapture,
    code_in,
    free_port,
    make_settings,
    settings_file,
    wait_until,
)

from sealdoc._internal.checkpoint import SignedCheckpoint, verify_checkpoint
from sealdoc.delivery import DeliveryClient, verify_bundle
from sealdoc.errors import SealdocError
from sealdoc.report import Indication


def _start(config: Path, port: int, log: Path) -> subprocess.Popen[bytes]:
    with log.open("ab") as output:  # the child keeps its own copy of the descriptor
        process = subprocess.Popen(
            [sys.executable, "-m", "sealdoc", "serve",
             "--config", str(config), "--port", str(port)],
            stdout=output, stderr=subprocess.STDOUT,
        )  # fmt: skip
    url = f"http://127.0.0.1:{port}/healthz"

    def up() -> bool:
        try:
            return httpx.get(url, timeout=1).status_code == 200
        except httpx.HTTPError:
            return process.poll() is not None

    assert wait_until(up, timeout=60), log.read_text()
    assert process.poll() is None, log.read_text()
    return process


def test_acknowledged_deposits_survive_kill_9(
    material: Material, smtp: SmtpCapture, tmp_path: Path
) -> None:
    smtp.messages.clear()
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    settings = make_settings(
        material, tmp_path / "data", public_url=url, smtp_port=smtp.port, worker_interval_s=0.2
    )
    config = settings_file(settings, tmp_path / "delivery.json")
    log = tmp_path / "server.log"
    server = _start(config, port, log)
    try:
        with DeliveryClient(url, RECIPIENT_KEY) as system:
            system.declare("email", "courrier@entreprise.test")
            assert wait_until(lambda: len(smtp.messages) >= 1)
            system.confirm(code_in(smtp.messages[0].get_content()))

        acknowledged: list[str] = []
        lock = threading.Lock()
        stop = threading.Event()

        def depositor() -> None:
            with DeliveryClient(url, AGENCY_KEY, timeout_s=10) as agency:
                while not stop.is_set():
                    try:
                        answer = agency.deposit(
                            material.sealed_pdf, recipient=RECIPIENT, title="Avis"
                        )
                    except SealdocError:
                        return  # the server died under us: this one was not acknowledged
                    with lock:
                        acknowledged.append(answer["message_id"])

        threads = [threading.Thread(target=depositor) for _ in range(3)]
        for thread in threads:
            thread.start()
        assert wait_until(lambda: len(acknowledged) >= 25, timeout=60), log.read_text()
        os.kill(server.pid, signal.SIGKILL)
        server.wait(timeout=10)
        stop.set()
        for thread in threads:
            thread.join(timeout=30)
    finally:
        if server.poll() is None:
            server.kill()
            server.wait()

    server = _start(config, port, log)
    try:
        anchors = [x509.load_pem_x509_certificate(material.root.read_bytes())]
        now = dt.datetime.now(dt.UTC)
        with DeliveryClient(url, AGENCY_KEY) as agency:
            for message_id in acknowledged:
                status = agency.message(message_id)
                assert status["state"] == "available"
                assert status["events"][0]["event"] == "SubmissionAcceptance"
            for message_id in acknowledged[:: max(1, len(acknowledged) // 8)]:
                report = verify_bundle(
                    agency.evidence(message_id), trust_anchors=anchors, at=now,
                    document=material.sealed_pdf,
                )  # fmt: skip
                assert report.indication is Indication.PASSED, report.checks
            checkpoint = SignedCheckpoint.model_validate(agency.checkpoint())
        assert verify_checkpoint(checkpoint, anchors, at=now)
        assert checkpoint.checkpoint.size >= len(acknowledged)
        with httpx.Client() as http:  # the restarted server still serves the documents
            first = acknowledged[0]
            fetched = http.post(
                f"{url}/api/v1/inbox/{first}/handover",
                headers={"authorization": f"Bearer {RECIPIENT_KEY}"},
            )
        assert fetched.content == material.sealed_pdf
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
    integrity = subprocess.run(
        [sys.executable, "-c",
         "import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute("
         "'PRAGMA integrity_check').fetchone()[0])", str(tmp_path / "data" / "delivery.sqlite3")],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    assert integrity.stdout.strip() == "ok"
