# mypy: disable-error-code="no-untyped-call"
"""The archive-audit test PKI (``fixtures/audit/audit-pki.yml``), its services, and archives.

No pytest in here: the audit tests and ``bench/bench_audit.py`` both use it.

    with AuditServices() as pki:                     # TSAs, OCSP, CRLs on 127.0.0.1
        key = pki.load_key("seal-ecdsa")
        pdf = pki.seal(sample_pdf(text="n° 1"), key, level="B-LT", tsa="tsa-expiring")
        pki.clock = AUDIT_TIME + timedelta(days=18)  # the services now answer as of that time
        pki.tsa_url("tsa-renewal"), pki.trust_roots, pki.fetcher_backend()

    pdf = sha1_sealed_pdf(pki, data)                 # a seal whose digest is SHA-1

Certificates are the same in every run (certomancer issues them from the fixed keys of
``fixtures/pki/keys``; the root key is RSA, so even the root's signature is stable).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import io
import threading
from collections.abc import Callable, Iterable
from pathlib import Path
from types import TracebackType
from typing import Any

from asn1crypto import x509 as asn1_x509
from certomancer.integrations.animator import Animator, AnimatorArchStore
from certomancer.registry import ArchLabel, CertLabel, CertomancerConfig, PKIArchitecture
from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding
from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server

from sealdoc.keys import SigningKey, load_key

__all__ = [
    "AUDIT_TIME",
    "CLEAN_ARCHIVE",
    "TRUST_FIXTURES",
    "AuditPki",
    "AuditServices",
    "sha1_sealed_pdf",
    "write_archive",
]

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"
CONFIG_PATH = FIXTURES / "audit" / "audit-pki.yml"
ARCH = "audit"
#: The test clock (the same as the main test PKI's).
AUDIT_TIME = dt.datetime(2026, 3, 2, 10, 0, 0, tzinfo=dt.UTC)
_FAKE_TIME = "HTTP_X_CERTOMANCER_FAKE_TIME"
#: The 2D-Doc test PKI (CA FR98 and its participants), see fixtures/trust/README.md.
TRUST_FIXTURES = FIXTURES / "trust"

#: The audit tests' clean archive: path in the archive -> name of a sealed document (the
#: ``sealed`` fixture of tests/integration/audit): four B-LT seals time-stamped by the long-lived
#: TSA (one by another agency's RSA seal), one B-LT seal whose TSA certificate expires on
#: 2026-04-01, a 2D-Doc code, and a note that is not a document.
CLEAN_ARCHIVE = {
    "2026/janvier/attestation-001.pdf": "lt-1",
    "2026/janvier/attestation-002.pdf": "lt-2",
    "2026/fevrier/attestation-003.pdf": "lt-3",
    "2026/fevrier/arrete-prefecture.pdf": "rsa-1",
    "2026/mars/attestation-004.pdf": "expiring",
    "codes/avis-0001.txt": "code",
    "LISEZMOI.md": "readme",
}


def write_archive(root: Path, documents: dict[str, bytes], layout: dict[str, str]) -> Path:
    """Write ``documents[layout[name]]`` at ``root/name`` for every name of ``layout``."""
    for name, doc in layout.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(documents[doc])
    return root


class AuditPki:
    """Certificates and keys of the audit PKI, with service URLs under ``url_prefix``."""

    def __init__(self, url_prefix: str = "http://127.0.0.1:9") -> None:
        self.url_prefix = url_prefix.rstrip("/")
        config = CertomancerConfig.from_file(
            str(CONFIG_PATH), key_search_dir=str(FIXTURES), external_url_prefix=self.url_prefix
        )
        self.arch: PKIArchitecture = config.get_pki_arch(ArchLabel(ARCH))
        self.clock = AUDIT_TIME

    def asn1_cert(self, label: str) -> asn1_x509.Certificate:
        return self.arch.get_cert(CertLabel(label))

    def cert(self, label: str) -> x509.Certificate:
        return x509.load_der_x509_certificate(self.asn1_cert(label).dump())

    @property
    def root(self) -> x509.Certificate:
        return self.cert("root")

    @property
    def trust_roots(self) -> list[x509.Certificate]:
        return [self.root]

    def write_root(self, directory: Path) -> Path:
        directory.mkdir(parents=True, exist_ok=True)
        path = directory / "audit-root.pem"
        path.write_bytes(self.root.public_bytes(Encoding.PEM))
        return path

    def load_key(self, label: str, directory: Path | None = None) -> SigningKey:
        """The key of seal certificate ``label`` (with the issuing CA as chain)."""
        key_label = self.arch.get_cert_spec(CertLabel(label)).subject_key
        key_path = FIXTURES / "pki" / "keys" / f"{key_label}.key.pem"
        import tempfile

        where = directory or Path(tempfile.mkdtemp(prefix="sealdoc-audit-keys-"))
        where.mkdir(parents=True, exist_ok=True)
        cert = where / f"{label}.cert.pem"
        cert.write_bytes(self.cert(label).public_bytes(Encoding.PEM))
        chain = where / "issuing.cert.pem"
        chain.write_bytes(self.cert("issuing").public_bytes(Encoding.PEM))
        return load_key(key=key_path, cert=cert, chain=[chain])

    def tsa_url(self, label: str = "tsa-renewal") -> str:
        return f"{self.url_prefix}/{ARCH}/tsa/{label}"

    def fetcher_backend(self, timeout_s: float = 5.0) -> Any:
        from pyhanko_certvalidator.fetchers.aiohttp_fetchers import AIOHttpFetcherBackend

        return AIOHttpFetcherBackend(per_request_timeout=timeout_s)

    def timestamper(self, label: str, at: dt.datetime | None = None) -> Any:
        """An in-process TSA (no HTTP) answering as of ``at`` (default: :attr:`clock`)."""
        from certomancer.registry import ServiceLabel

        return _InProcessTimeStamper(
            lambda: self.arch.service_registry.summon_timestamper(
                ServiceLabel(label), at or self.clock
            )
        )

    def seal(
        self,
        data: bytes,
        key: SigningKey,
        *,
        level: str = "B-LT",
        tsa: str = "tsa-expiring",
        at: dt.datetime | None = None,
        online: bool = True,
    ) -> bytes:
        """``data`` sealed at ``level``, time-stamped by TSA ``tsa``, as of ``at``.

        ``online=False`` seals without HTTP (in-process TSA, no revocation check; B-B/B-T only).
        """
        from sealdoc.pades import seal_bytes

        moment = at or self.clock
        if online:
            return seal_bytes(
                data,
                key,
                level=level,
                tsa_url=self.tsa_url(tsa),
                trust_roots=self.trust_roots,
                fetcher_backend=self.fetcher_backend(),
                at=moment,
            ).data
        return seal_bytes(
            data,
            key,
            level=level,
            timestamper=self.timestamper(tsa, moment),
            trust_roots=self.trust_roots,
            check_revocation=False,
            at=moment,
        ).data


class _InProcessTimeStamper:
    """A pyHanko TimeStamper backed by certomancer's TSA object (built lazily)."""

    def __new__(cls, factory: Callable[[], Any]) -> Any:
        from pyhanko.sign.timestamps.api import TimeStamper

        class Stamper(TimeStamper):
            async def async_request_tsa_response(self, req: Any) -> Any:
                return factory().request_tsa_response(req)

        return Stamper()


class _QuietHandler(WSGIRequestHandler):
    def log(self, type: str, message: str, *args: Any) -> None:
        pass


class AuditServices(AuditPki):
    """The audit PKI with its services on ``127.0.0.1:<free port>``, answering as of
    :attr:`clock` (settable at any time)."""

    def __init__(self, *, clock: dt.datetime = AUDIT_TIME) -> None:
        self._server: BaseWSGIServer = make_server(
            "127.0.0.1", 0, self._dispatch, threaded=True, request_handler=_QuietHandler
        )
        super().__init__(f"http://127.0.0.1:{self._server.server_port}")
        self.clock = clock
        self.requests: list[str] = []
        self._lock = threading.Lock()
        self._app = Animator(
            AnimatorArchStore({ArchLabel(ARCH): self.arch}),
            at_time=clock,
            with_web_ui=False,
            allow_time_override=True,
        )
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="sealdoc-audit-pki", daemon=True
        )

    def _dispatch(
        self, environ: dict[str, Any], start_response: Callable[..., Any]
    ) -> Iterable[bytes]:
        with self._lock:
            self.requests.append(str(environ.get("PATH_INFO", "")))
        environ[_FAKE_TIME] = self.clock.isoformat()
        return self._app(environ, start_response)  # type: ignore[no-any-return]

    def start(self) -> AuditServices:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> AuditServices:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


def sha1_sealed_pdf(
    pki: AuditPki, data: bytes, *, label: str = "seal-ecdsa", at: dt.datetime
) -> bytes:
    """``data`` sealed B-T with SHA-1 as the document digest (what sealdoc refuses to make),
    signed directly with pyHanko and the private key of seal certificate ``label``."""
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import signers
    from pyhanko.sign.signers.pdf_cms import PdfCMSSignedAttributes

    meta = signers.PdfSignatureMetadata(field_name="Seal", md_algorithm="sha1")
    writer = IncrementalPdfFileWriter(io.BytesIO(data))
    pdf_signer = signers.PdfSigner(
        meta, signer=_sha1_signer(pki, label), timestamper=pki.timestamper("tsa-expiring", at)
    )

    async def sign() -> bytes:
        session = pdf_signer.init_signing_session(writer)
        session.system_time = at
        info = await session.perform_presign_validation(writer)
        reserved = await session.estimate_signature_container_size(info)
        tbs = session.prepare_tbs_document(validation_info=info, bytes_reserved=reserved)
        output = io.BytesIO()
        prepared, result = tbs.digest_tbs_document(output=output)
        post = await tbs.perform_signature(
            document_digest=prepared.document_digest,
            pdf_cms_signed_attrs=PdfCMSSignedAttributes(signing_time=at),
        )
        await post.post_signature_processing(result)
        return output.getvalue()

    return asyncio.run(sign())


def _sha1_signer(pki: AuditPki, label: str) -> Any:
    """A pyHanko signer producing ECDSA-with-SHA-1 signatures (sealdoc's keys refuse SHA-1)."""
    from asn1crypto import algos
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from pyhanko.sign.signers.pdf_cms import Signer
    from pyhanko_certvalidator.registry import SimpleCertificateStore

    key_label = pki.arch.get_cert_spec(CertLabel(label)).subject_key
    key_path = FIXTURES / "pki" / "keys" / f"{key_label}.key.pem"
    loaded = serialization.load_pem_private_key(key_path.read_bytes(), password=None)
    assert isinstance(loaded, ec.EllipticCurvePrivateKey)
    private: ec.EllipticCurvePrivateKey = loaded

    class Sha1Signer(Signer):
        def __init__(self) -> None:
            super().__init__(
                signing_cert=pki.asn1_cert(label),
                cert_registry=SimpleCertificateStore.from_certs([pki.asn1_cert("issuing")]),
                signature_mechanism=algos.SignedDigestAlgorithm({"algorithm": "sha1_ecdsa"}),
            )

        async def async_sign_raw(
            self, data: bytes, digest_algorithm: str, dry_run: bool = False
        ) -> bytes:
            if dry_run:
                return bytes(72)
            return bytes(private.sign(data, ec.ECDSA(hashes.SHA1())))

    return Sha1Signer()
