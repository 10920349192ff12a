"""Building blocks of the delivery tests (unit, integration, bench): key material from the test
PKI, settings, a manual clock, a capturing SMTP server, a flaky webhook receiver, a throwaway
PostgreSQL cluster and a real uvicorn server on 127.0.0.1.

No pytest in here. Every service time is pinned through :class:`ManualClock` (starting at
``PKI_TIME``), except in tests that run the service in a separate process.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import shutil
import socket
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from tests.support.pdf_samples import sample_pdf
from tests.support.pki_services import PKI_TIME, TestPki

from sealdoc.delivery.model import Channel, RecipientId
from sealdoc.delivery.service import DeliveryService
from sealdoc.delivery.settings import (
    AgencySettings,
    DeliverySettings,
    KeySettings,
    RecipientSettings,
    SmtpSettings,
)
from sealdoc.delivery.tokens import hash_secret
from sealdoc.keys import load_key
from sealdoc.pades import seal_bytes

AGENCY_ID = "dgfip-test"
AGENCY_NAME = "Agence de test"
AGENCY_KEY = "sdk_agency-test-key-0123456789abcdefghijklmnopqrstuv"
OTHER_AGENCY_ID = "other-agency"
OTHER_AGENCY_KEY = "sdk_other-agency-key-0123456789abcdefghijklmnopqrstu"
RECIPIENT = "SIREN:123456789"
RECIPIENT_KEY = "sdk_recipient-test-key-0123456789abcdefghijklmnopqrs"
OTHER_RECIPIENT = "SIREN:987654321"
OTHER_RECIPIENT_KEY = "sdk_other-recipient-key-0123456789abcdefghijklmnopq"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class ManualClock:
    """A clock the test moves by hand; thread-safe."""

    def __init__(self, start: dt.datetime = PKI_TIME) -> None:
        self._now = start
        self._lock = threading.Lock()

    def __call__(self) -> dt.datetime:
        with self._lock:
            return self._now

    def advance(self, **delta: float) -> dt.datetime:
        with self._lock:
            self._now += dt.timedelta(**delta)
            return self._now


@dataclass(frozen=True)
class Material:
    """Files of the test PKI the service and the agencies use."""

    directory: Path
    root: Path  # trust anchor of agency seals and of the service's evidence
    agency_cert: Path  # seal-ecdsa: the depositing agency
    other_cert: Path  # seal-rsa as another agency's certificate
    service_key: KeySettings  # seal-rsa: the service's key
    sealed_pdf: bytes  # sealed by the agency at PKI_TIME
    foreign_pdf: bytes  # sealed by the other agency
    unsealed_pdf: bytes


def make_material(directory: Path, pki: TestPki | None = None) -> Material:
    """Key material from the test PKI (``pki``: one bound to live services, for revocation)."""
    pki = pki or TestPki()
    agency = pki.write_seal_material("seal-ecdsa", directory / "agency")
    service = pki.write_seal_material("seal-rsa", directory / "service")
    root = pki.write_root(directory)
    document = sample_pdf(text="Avis d'imposition 2026 - specimen")
    with load_key(key=agency.key, cert=agency.cert, chain=list(agency.chain)) as key:
        sealed = seal_bytes(document, key, at=PKI_TIME, check_revocation=False).data
    with load_key(key=service.key, cert=service.cert, chain=list(service.chain)) as key:
        foreign = seal_bytes(document, key, at=PKI_TIME, check_revocation=False).data
    return Material(
        directory=directory,
        root=root,
        agency_cert=agency.cert,
        other_cert=service.cert,
        service_key=KeySettings(key=service.key, cert=service.cert, chain=list(service.chain)),
        sealed_pdf=sealed,
        foreign_pdf=foreign,
        unsealed_pdf=document,
    )


def make_settings(
    material: Material,
    data_dir: Path,
    *,
    public_url: str = "http://127.0.0.1:9",
    smtp_port: int | None = None,
    **overrides: Any,
) -> DeliverySettings:
    values: dict[str, Any] = {
        "public_url": public_url,
        "data_dir": data_dir,
        "service_key": material.service_key,
        "trust": [material.root],
        "revocation": "none",
        "proof_check_revocation": False,
        "allow_private_webhooks": True,
        "worker_interval_s": 0,
        "notice_retry_delays_s": [10.0, 60.0, 300.0],
        "agencies": [
            AgencySettings(
                id=AGENCY_ID,
                name=AGENCY_NAME,
                certificates=[material.agency_cert],
                api_key_sha256=[hash_secret(AGENCY_KEY)],
            ),
            AgencySettings(
                id=OTHER_AGENCY_ID,
                name="Autre agence",
                certificates=[material.other_cert],
                api_key_sha256=[hash_secret(OTHER_AGENCY_KEY)],
            ),
        ],
        "recipients": [
            RecipientSettings(recipient=RECIPIENT, api_key_sha256=[hash_secret(RECIPIENT_KEY)]),
            RecipientSettings(
                recipient=OTHER_RECIPIENT, api_key_sha256=[hash_secret(OTHER_RECIPIENT_KEY)]
            ),
        ],
    }
    if smtp_port is not None:
        values["smtp"] = SmtpSettings(
            host="127.0.0.1", port=smtp_port, sender="notices@delivery.test", timeout_s=5
        )
    values.update(overrides)
    return DeliverySettings(**values)


def settings_file(settings: DeliverySettings, path: Path) -> Path:
    """Write ``settings`` as a JSON settings file (what ``sealdoc serve --config`` reads)."""
    path.write_text(settings.model_dump_json(indent=2), encoding="utf-8")
    return path


# --------------------------------------------------------------------------- SMTP


@dataclass
class SmtpCapture:
    """A real SMTP server (aiosmtpd) on 127.0.0.1 keeping every message it accepts.

    Recipients listed in ``refuse`` get ``550`` (permanent), those in ``defer`` ``451``.
    """

    port: int = 0
    messages: list[Any] = field(default_factory=list)
    refuse: set[str] = field(default_factory=set)
    defer: set[str] = field(default_factory=set)
    _controller: Any = None

    def start(self) -> SmtpCapture:
        from aiosmtpd.controller import Controller

        capture = self

        class Handler:
            async def handle_RCPT(
                self, server: Any, session: Any, envelope: Any, address: str, options: Any
            ) -> str:
                if address in capture.refuse:
                    return "550 5.1.1 no such mailbox"
                if address in capture.defer:
                    return "451 4.3.0 try again later"
                envelope.rcpt_tos.append(address)
                return "250 OK"

            async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
                from email import message_from_bytes, policy

                capture.messages.append(message_from_bytes(envelope.content, policy=policy.default))
                return "250 Message accepted"

        self.port = self.port or free_port()
        self._controller = Controller(Handler(), hostname="127.0.0.1", port=self.port)
        self._controller.start()
        return self

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def wait_for(self, count: int, timeout: float = 10.0) -> list[Any]:
        deadline = time.monotonic() + timeout
        while len(self.messages) < count and time.monotonic() < deadline:
            time.sleep(0.02)
        return list(self.messages)


def code_in(text: str) -> str:
    """The confirmation code in an e-mail body."""
    for line in text.splitlines():
        if line.startswith("Code de confirmation"):
            return line.split(":", 1)[1].strip()
    raise AssertionError(f"no code in {text!r}")


def link_in(text: str) -> str:
    """The link in a notice's e-mail body."""
    for line in text.splitlines():
        if "/l/" in line:
            return line.strip()
    raise AssertionError(f"no link in {text!r}")


def confirm_email_domicile(
    service: DeliveryService, smtp: SmtpCapture, recipient: RecipientId, address: str
) -> None:
    """Declare ``address`` and confirm it with the code the SMTP server received."""
    before = len(smtp.messages)
    service.domiciles.declare(recipient, Channel.EMAIL, address)
    service.run_due()
    mail = smtp.wait_for(before + 1)[before]
    service.domiciles.confirm(recipient, code_in(mail.get_content()))


# --------------------------------------------------------------------------- webhooks


class WebhookReceiver:
    """A local HTTPS-less webhook endpoint answering ``statuses`` in turn (then 200)."""

    def __init__(self, statuses: list[int] | None = None) -> None:
        self.statuses = list(statuses or [])
        self.received: list[tuple[dict[str, str], bytes]] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("content-length", "0")))
                receiver.received.append(({k.lower(): v for k, v in self.headers.items()}, body))
                status = receiver.statuses.pop(0) if receiver.statuses else 200
                self.send_response(status)
                self.send_header("content-length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}/hooks/sealdoc"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def __enter__(self) -> WebhookReceiver:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    def events(self) -> list[dict[str, Any]]:
        return [json.loads(body) for _headers, body in self.received]


# --------------------------------------------------------------------------- PostgreSQL


def postgres_binaries() -> Path | None:
    """The directory of ``initdb``/``pg_ctl`` (Debian: /usr/lib/postgresql/<v>/bin), if any."""
    for name in ("initdb",):
        found = shutil.which(name)
        if found:
            return Path(found).resolve().parent
    base = Path("/usr/lib/postgresql")
    if base.is_dir():
        for version in sorted(base.iterdir(), reverse=True):
            if (version / "bin" / "initdb").exists():
                return version / "bin"
    return None


@contextlib.contextmanager
def postgres_cluster() -> Iterator[str]:
    """A throwaway PostgreSQL cluster on 127.0.0.1 (fsync on); yields its DSN.

    ``initdb`` refuses to run as root: as root, the cluster belongs to the ``postgres`` user
    (created by Debian's package) and the commands run through ``runuser``.
    """
    bindir = postgres_binaries()
    if bindir is None:
        raise RuntimeError("PostgreSQL is not installed (Debian package: postgresql)")
    directory = Path(tempfile.mkdtemp(prefix="sealdoc-pg-"))
    prefix: list[str] = []
    if os.geteuid() == 0:
        shutil.chown(directory, user="postgres")
        prefix = ["runuser", "-u", "postgres", "--"]
    data = directory / "data"
    port = free_port()

    def run(*args: str) -> None:
        subprocess.run([*prefix, *args], check=True, capture_output=True, timeout=120)

    try:
        run(str(bindir / "initdb"), "-D", str(data), "-A", "trust", "-U", "sealdoc", "-E", "UTF8")
        run(
            str(bindir / "pg_ctl"), "-D", str(data), "-l", str(directory / "log"), "-w",
            "-o", f"-h 127.0.0.1 -p {port} -k {directory} -c max_connections=200", "start",
        )  # fmt: skip
        yield f"host=127.0.0.1 port={port} user=sealdoc dbname=postgres"
    finally:
        with contextlib.suppress(subprocess.SubprocessError, OSError):
            run(str(bindir / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop")
        shutil.rmtree(directory, ignore_errors=True)


def reset_postgres(dsn: str) -> None:
    """Drop every table of the service (between tests sharing one cluster)."""
    import psycopg

    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute("DROP SCHEMA public CASCADE")
        conn.execute("CREATE SCHEMA public")


# --------------------------------------------------------------------------- HTTP server


class ServerThread:
    """``create_app(settings)`` served by a real uvicorn on 127.0.0.1:<free port>, in a thread."""

    def __init__(self, app: Any, port: int | None = None) -> None:
        import uvicorn

        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        config = uvicorn.Config(
            app, host="127.0.0.1", port=self.port, log_level="warning", lifespan="on"
        )
        self.server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> ServerThread:
        self._thread.start()
        deadline = time.monotonic() + 20
        while not self.server.started:
            if time.monotonic() > deadline or not self._thread.is_alive():
                raise RuntimeError("uvicorn did not start")
            time.sleep(0.02)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self._thread.join(timeout=20)


def wait_until(predicate: Callable[[], bool], timeout: float = 10.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.02)
    return predicate()
