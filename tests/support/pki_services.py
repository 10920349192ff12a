"""The sealdoc test PKI (``fixtures/pki/sealdoc-pki.yml``), with its services on 127.0.0.1.

No pytest in here: any test (or script) can use it.

    from tests.support.pki_services import PKI_TIME, PkiServices

    with PkiServices() as pki:                    # TSA, OCSP and CRLs over real HTTP
        material = pki.write_seal_material("seal-ecdsa", tmp_dir)   # key, cert, chain files
        pki.tsa_url, pki.trust_roots, pki.fetcher_backend()
        ...                                       # pass at=PKI_TIME to everything

    pki = TestPki()                               # the same certificates, no services

Certificates are issued by certomancer when first asked for. Their OCSP and CRL URLs point at
the address the services were bound to (a free port chosen by the OS), so a :class:`TestPki`
made by :class:`PkiServices` only matches the running services. The services answer as if the
time were ``at`` (default :data:`PKI_TIME`); pin the same time in the code under test.

Certificate labels: ``root``, ``issuing`` (issuing CA), ``ocsp`` (OCSP responder), ``tsa``,
``seal-ecdsa`` (P-256), ``seal-rsa`` (RSA-2048), ``seal-revoked`` (revoked 2026-02-01),
``seal-expired`` (expired 2025-06-01), ``seal-no-ku`` (keyUsage keyEncipherment only, same key
as ``seal-ecdsa``), ``seal-weak-rsa`` (RSA-1024).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import Any

from asn1crypto import x509 as asn1_x509
from certomancer.integrations.animator import Animator, AnimatorArchStore
from certomancer.registry import (
    ArchLabel,
    CertLabel,
    CertomancerConfig,
    PKIArchitecture,
    ServiceLabel,
)
from cryptography import x509
from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server

__all__ = [
    "ARCH",
    "CONFIG_PATH",
    "PKI_TIME",
    "PkiServices",
    "SealMaterial",
    "TestPki",
]

FIXTURE_DIR = Path(__file__).resolve().parents[2] / "fixtures" / "pki"
CONFIG_PATH = FIXTURE_DIR / "sealdoc-pki.yml"
ARCH = "sealdoc"
#: The time every test pins: all seal certificates are valid then, except the expired and the
#: revoked ones.
PKI_TIME = datetime(2026, 3, 2, 10, 0, 0, tzinfo=UTC)
#: Nothing listens there: URLs under this prefix fail fast (connection refused).
DEAD_URL_PREFIX = "http://127.0.0.1:9"

_WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


@dataclass(frozen=True)
class SealMaterial:
    """Files of one seal certificate, as ``sealdoc.keys.load_key`` takes them."""

    label: str
    key: Path
    cert: Path
    chain: tuple[Path, ...]


class TestPki:
    """The certificates, keys, CRLs of the test PKI, with URLs under ``url_prefix``."""

    __test__ = False  # not a pytest test class

    def __init__(self, url_prefix: str = DEAD_URL_PREFIX, *, at: datetime = PKI_TIME) -> None:
        self.url_prefix = url_prefix.rstrip("/")
        self.at = at
        config = CertomancerConfig.from_file(str(CONFIG_PATH), external_url_prefix=self.url_prefix)
        self.config = config
        self.arch: PKIArchitecture = config.get_pki_arch(ArchLabel(ARCH))

    # -- certificates and keys ------------------------------------------------------------------
    def asn1_cert(self, label: str) -> asn1_x509.Certificate:
        return self.arch.get_cert(CertLabel(label))

    def cert(self, label: str) -> x509.Certificate:
        return x509.load_der_x509_certificate(self.asn1_cert(label).dump())

    def cert_pem(self, label: str) -> bytes:
        from cryptography.hazmat.primitives.serialization import Encoding

        return self.cert(label).public_bytes(Encoding.PEM)

    def key_path(self, label: str) -> Path:
        """The PEM file of the private key of the certificate ``label``."""
        key_label = self.arch.get_cert_spec(CertLabel(label)).subject_key
        return FIXTURE_DIR / "keys" / f"{key_label}.key.pem"

    def chain_labels(self, label: str) -> list[str]:
        """Issuers of ``label`` up to, not including, the root."""
        labels = [str(lbl) for lbl in self.arch.get_chain(CertLabel(label))]
        return [lbl for lbl in labels if lbl not in (label, "root")]

    @property
    def root(self) -> x509.Certificate:
        return self.cert("root")

    @property
    def trust_roots(self) -> list[x509.Certificate]:
        return [self.root]

    def write_seal_material(self, label: str, directory: Path) -> SealMaterial:
        """Write ``<label>.key.pem``, ``<label>.cert.pem`` and the issuing CA to ``directory``."""
        directory.mkdir(parents=True, exist_ok=True)
        key = directory / f"{label}.key.pem"
        key.write_bytes(self.key_path(label).read_bytes())
        cert = directory / f"{label}.cert.pem"
        cert.write_bytes(self.cert_pem(label))
        chain = []
        for issuer in self.chain_labels(label):
            path = directory / f"{issuer}.cert.pem"
            path.write_bytes(self.cert_pem(issuer))
            chain.append(path)
        return SealMaterial(label=label, key=key, cert=cert, chain=tuple(chain))

    def write_root(self, directory: Path) -> Path:
        directory.mkdir(parents=True, exist_ok=True)
        path = directory / "root.cert.pem"
        path.write_bytes(self.cert_pem("root"))
        return path

    # -- services -------------------------------------------------------------------------------
    @property
    def tsa_url(self) -> str:
        return f"{self.url_prefix}/{ARCH}/tsa/tsa"

    @property
    def ocsp_url(self) -> str:
        return f"{self.url_prefix}/{ARCH}/ocsp/issuing"

    def crl_url(self, repo: str = "issuing") -> str:
        return f"{self.url_prefix}/{ARCH}/crls/{repo}/latest.crl"

    def crl(self, repo: str = "issuing") -> bytes:
        """The DER CRL the service would serve at ``self.at``."""
        return bytes(self.arch.service_registry.get_crl(ServiceLabel(repo), self.at).dump())

    def fetcher_backend(self, timeout_s: float = 5.0) -> Any:
        """A pyHanko fetcher backend (OCSP, CRL, certificates over HTTP)."""
        from pyhanko_certvalidator.fetchers.aiohttp_fetchers import AIOHttpFetcherBackend

        return AIOHttpFetcherBackend(per_request_timeout=timeout_s)


class _QuietHandler(WSGIRequestHandler):
    def log(self, type: str, message: str, *args: Any) -> None:
        pass


class PkiServices:
    """Serve TSA, OCSP, CRLs and certificates of the test PKI on ``127.0.0.1:<free port>``.

    Use as a context manager, or :meth:`start` / :meth:`stop`. ``requests`` lists the paths
    served so far (a test can assert that a verification did not go online).
    """

    def __init__(self, *, at: datetime = PKI_TIME, host: str = "127.0.0.1") -> None:
        self.at = at
        self.host = host
        self.requests: list[str] = []
        self._server: BaseWSGIServer | None = None
        self._thread: threading.Thread | None = None
        self._pki: TestPki | None = None
        self._app: _WSGIApp | None = None
        self._lock = threading.Lock()

    def _dispatch(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        with self._lock:
            self.requests.append(str(environ.get("PATH_INFO", "")))
        app = self._app
        if app is None:  # pragma: no cover - only between bind and start
            start_response("503 Service Unavailable", [("Content-Type", "text/plain")])
            return [b"starting"]
        return app(environ, start_response)

    def start(self) -> TestPki:
        if self._pki is not None:
            return self._pki
        server = make_server(
            self.host, 0, self._dispatch, threaded=True, request_handler=_QuietHandler
        )
        pki = TestPki(f"http://{self.host}:{server.server_port}", at=self.at)
        animator = Animator(
            AnimatorArchStore({ArchLabel(ARCH): pki.arch}),
            at_time=self.at,
            with_web_ui=False,
            allow_time_override=False,
        )
        self._app = animator
        thread = threading.Thread(target=server.serve_forever, name="sealdoc-test-pki", daemon=True)
        thread.start()
        self._server, self._thread, self._pki = server, thread, pki
        return pki

    def set_time(self, at: datetime) -> None:
        """Make the running services answer as if the time were ``at`` from now on."""
        self.at = at
        if self._pki is not None:
            self._pki.at = at
        animator = self._app
        if isinstance(animator, Animator):
            animator.fixed_time = at

    def stop(self) -> None:
        server, thread = self._server, self._thread
        self._server = self._thread = None
        self._pki = None
        if server is not None:
            server.shutdown()
            server.server_close()
        if thread is not None:
            thread.join(timeout=5)

    @property
    def pki(self) -> TestPki:
        if self._pki is None:
            raise RuntimeError("PKI services are not running; call start() first")
        return self._pki

    def __enter__(self) -> TestPki:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
