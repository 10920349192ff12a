"""The ASGI application: ``create_app(settings)`` over :class:`DeliveryService`.

    app = create_app(DeliverySettings.from_file("delivery.toml"))
    uvicorn.run(app, host="127.0.0.1", port=8080)

Routes (OpenAPI document at ``/openapi.json``; see ``docs/delivery.md``):

* link pages: ``GET/HEAD /l/{token}`` (landing page, access tracking only),
  ``POST /l/{token}`` (the explicit confirmation: hands the document over);
* agencies (``Authorization: Bearer``): ``POST /api/v1/messages`` (deposit),
  ``GET /api/v1/messages/{id}``, ``POST .../withdraw``, ``GET .../evidence``, ``GET .../proof``;
* recipients' systems: ``/api/v1/domicile`` (declare, confirm, forwarding, status),
  ``GET /api/v1/inbox``, ``POST /api/v1/inbox/{id}/handover``;
* public: ``GET /api/v1/log/checkpoint``, ``/healthz``, ``/robots.txt``, ``/static/page.css``.

Errors are mapped to HTTP statuses in one place (:func:`_error_response`). A background thread
runs :meth:`DeliveryService.run_due` every ``worker_interval_s`` seconds.

(No ``from __future__ import annotations`` here: FastAPI reads the route annotations at run
time, including the local ``CallerDep`` alias.)
"""

import contextlib
import logging
import threading
from collections.abc import AsyncIterator
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import Depends, FastAPI, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, JSONResponse, PlainTextResponse, Response
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from sealdoc._internal.checkpoint import SignedCheckpoint
from sealdoc.delivery.accounts import Caller
from sealdoc.delivery.errors import DepositRejected, LinkGone, NotAllowed, UnknownResource
from sealdoc.delivery.evidence_log import EvidenceBundle
from sealdoc.delivery.http.pages import STYLESHEET, error_page, landing_page
from sealdoc.delivery.http.schemas import (
    CodeIn,
    DepositAccepted,
    DepositRefused,
    DomicileDeclaration,
    DomicileDeclared,
    DomicileOut,
    DomicileStatusOut,
    ErrorOut,
    ForwardingRequest,
    InboxItem,
    MessageOut,
)
from sealdoc.delivery.http.security import FailureLimiter, SecurityHeaders
from sealdoc.delivery.model import Channel, RecipientId
from sealdoc.delivery.service import ClientInfo, Clock, DeliveryService, Handover, system_clock
from sealdoc.delivery.settings import DeliverySettings
from sealdoc.errors import InputError, SealdocError, StorageError

__all__ = ["create_app"]

log = logging.getLogger("sealdoc.delivery")
_bearer = HTTPBearer(auto_error=False, description="API key (sdk_...) of an agency or recipient")


class _Throttled(Exception):
    def __init__(self, retry_after: float) -> None:
        self.retry_after = retry_after


class _Unauthenticated(Exception):
    pass


def create_app(
    settings: DeliverySettings,
    *,
    service: DeliveryService | None = None,
    clock: Clock = system_clock,
) -> FastAPI:
    """The delivery service's ASGI app. ``service`` (else built from ``settings``) is closed
    when the app shuts down."""
    svc = service or DeliveryService.from_settings(settings, clock=clock)
    limiter = FailureLimiter(settings.rate_limit_failures, settings.rate_limit_window_s)

    @contextlib.asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        stop = threading.Event()
        worker = None
        if settings.worker_interval_s > 0:
            worker = threading.Thread(
                target=_work, args=(svc, settings.worker_interval_s, stop), daemon=True,
                name="sealdoc-delivery-worker",
            )  # fmt: skip
            worker.start()
        try:
            yield
        finally:
            stop.set()
            if worker is not None:
                worker.join(timeout=30)
            svc.close()

    app = FastAPI(
        title="sealdoc delivery service",
        version="1",
        description="Digital domicile: sealed documents delivered by link, with evidence "
        "(ETSI EN 319 522 events, RFC 6962 log). See docs/delivery.md.",
        docs_url=None,  # Swagger UI and ReDoc load third-party scripts: not served
        redoc_url=None,
        lifespan=lifespan,
        responses={"429": {"model": ErrorOut, "description": "Too many failed attempts"}},
    )
    app.state.service = svc
    app.state.limiter = limiter
    app.add_middleware(SecurityHeaders)

    def client_key(request: Request) -> str:
        return request.client.host if request.client else "unknown"

    def throttle(request: Request) -> None:
        wait = limiter.blocked(client_key(request))
        if wait is not None:
            raise _Throttled(wait)

    def caller(
        request: Request,
        credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
    ) -> Caller:
        throttle(request)
        found = svc.accounts.authenticate(credentials.credentials) if credentials else None
        if found is None:
            limiter.fail(client_key(request))
            raise _Unauthenticated()
        return found

    CallerDep = Annotated[Caller, Depends(caller)]

    # -- error mapping (the one place) ------------------------------------------------------
    @app.exception_handler(SealdocError)
    async def _sealdoc_error(request: Request, exc: SealdocError) -> Response:
        if isinstance(exc, UnknownResource):
            limiter.fail(client_key(request))
        return _error_response(request, exc)

    @app.exception_handler(_Throttled)
    async def _throttled(request: Request, exc: _Throttled) -> Response:
        headers = {"retry-after": str(int(exc.retry_after))}
        message = "too many failed attempts from this address; try again later"
        if request.url.path.startswith("/l/"):
            return HTMLResponse(error_page(429, message), status_code=429, headers=headers)
        return JSONResponse(
            {"error": "rate-limited", "message": message}, status_code=429, headers=headers
        )

    @app.exception_handler(_Unauthenticated)
    async def _unauthenticated(_request: Request, _exc: _Unauthenticated) -> Response:
        return JSONResponse(
            {"error": "unauthenticated", "message": "a valid API key is required"},
            status_code=401,
            headers={"www-authenticate": "Bearer"},
        )

    # -- link pages --------------------------------------------------------------------------
    @app.head("/l/{token}", response_class=HTMLResponse, include_in_schema=False)
    @app.get("/l/{token}", response_class=HTMLResponse, tags=["link"])
    def link_page(token: str, request: Request) -> HTMLResponse:
        """The landing page of a notice's link. Records access tracking; never hands over."""
        throttle(request)
        view = svc.open_link(token, _client(request, "web"))
        return HTMLResponse(landing_page(view, f"/l/{token}"))

    @app.post("/l/{token}", response_class=Response, tags=["link"])
    def link_confirm(
        token: str, request: Request, confirm: Annotated[str, Form()] = ""
    ) -> Response:
        """The explicit confirmation on the landing page: hands the document over."""
        throttle(request)
        if confirm != "yes":
            raise InputError("confirm the handover from the link's page")
        return _pdf(svc.handover_by_link(token, _client(request, "web")))

    # -- agencies ---------------------------------------------------------------------------
    @app.post(
        "/api/v1/messages",
        status_code=201,
        response_model=DepositAccepted,
        responses={422: {"model": DepositRefused}, 400: {"model": ErrorOut}},
        tags=["agency"],
    )
    def deposit(
        who: CallerDep,
        recipient: Annotated[str, Form(description="SCHEME:ID, e.g. SIREN:123456789")],
        title: Annotated[str, Form(max_length=300)],
        file: Annotated[UploadFile, File(description="The sealed PDF")],
        window_days: Annotated[int | None, Form(ge=1)] = None,
        retention_days: Annotated[int | None, Form(ge=1)] = None,
    ) -> DepositAccepted:
        """Deposit a sealed PDF for a recipient. Answered once the deposit is durable."""
        agency = svc.require_agency(who)
        data = file.file.read(settings.max_document_bytes + 1)
        accepted = svc.deposit(
            agency.id, RecipientId.parse(recipient), title, file.filename or "document.pdf",
            data, window_days=window_days, retention_days=retention_days,
        )  # fmt: skip
        m = accepted.message
        return DepositAccepted(
            message_id=m.id, evidence_id=accepted.evidence.record.evidence_id, sha256=m.sha256,
            size=m.size, deposited_at=m.deposited_at, available_until=m.available_until,
            retain_until=m.retain_until,
        )  # fmt: skip

    @app.get("/api/v1/messages/{message_id}", response_model=MessageOut, tags=["agency"])
    def message(message_id: str, who: CallerDep) -> MessageOut:
        """A message's state, its evidence events and (for the agency) its notices."""
        view = svc.message_view(who, message_id)
        return MessageOut.of(view, with_notifications=_is_agency(who))

    @app.post("/api/v1/messages/{message_id}/withdraw", response_model=MessageOut, tags=["agency"])
    def withdraw(message_id: str, who: CallerDep) -> MessageOut:
        """Revoke the message's link (410 from now on)."""
        svc.withdraw(svc.require_agency(who).id, message_id)
        return MessageOut.of(svc.message_view(who, message_id), with_notifications=True)

    @app.get(
        "/api/v1/messages/{message_id}/evidence", response_model=EvidenceBundle, tags=["evidence"]
    )
    def evidence(message_id: str, who: CallerDep) -> EvidenceBundle:
        """The message's sealed evidence with inclusion proofs and a signed checkpoint."""
        return svc.evidence_bundle(who, message_id)

    @app.get(
        "/api/v1/messages/{message_id}/proof",
        response_class=Response,
        responses={200: {"content": {"application/pdf": {}}}},
        tags=["evidence"],
    )
    def proof(message_id: str, who: CallerDep) -> Response:
        """A sealed, human-readable proof (PDF) with the evidence bundle embedded."""
        data = svc.proof_pdf(who, message_id)
        return Response(
            data,
            media_type="application/pdf",
            headers={"content-disposition": f'attachment; filename="proof-{message_id}.pdf"'},
        )

    # -- recipients' systems -------------------------------------------------------------------
    @app.post(
        "/api/v1/domicile", status_code=201, response_model=DomicileDeclared, tags=["recipient"]
    )
    def declare(body: DomicileDeclaration, who: CallerDep) -> DomicileDeclared:
        """Declare an e-mail address or webhook; a code is sent there to confirm it."""
        system = svc.require_recipient(who)
        declared = svc.domiciles.declare(
            system.recipient, Channel(body.channel), body.address, body.forward_to
        )
        return DomicileDeclared(
            domicile=DomicileOut.of(declared.domicile), webhook_secret=declared.webhook_secret
        )

    @app.post("/api/v1/domicile/confirm", response_model=DomicileOut, tags=["recipient"])
    def confirm(body: CodeIn, who: CallerDep) -> DomicileOut:
        """Confirm a declaration or a forwarding with the code sent to the address."""
        return DomicileOut.of(
            svc.domiciles.confirm(svc.require_recipient(who).recipient, body.code)
        )

    @app.put("/api/v1/domicile/forwarding", response_model=DomicileOut, tags=["recipient"])
    def forwarding(body: ForwardingRequest, who: CallerDep) -> DomicileOut:
        """Forward notices to another address of yours (confirmed by a code), or stop."""
        recipient = svc.require_recipient(who).recipient
        return DomicileOut.of(svc.domiciles.set_forwarding(recipient, body.address))

    @app.get("/api/v1/domicile", response_model=DomicileStatusOut, tags=["recipient"])
    def domicile(who: CallerDep) -> DomicileStatusOut:
        """The active domicile, pending declarations and the history of changes."""
        return DomicileStatusOut.of(svc.domiciles.view(svc.require_recipient(who).recipient))

    @app.get("/api/v1/inbox", response_model=list[InboxItem], tags=["recipient"])
    def inbox(who: CallerDep) -> list[InboxItem]:
        """Documents waiting for you (and those handed over, while still available)."""
        recipient = svc.require_recipient(who).recipient
        base = settings.public_url
        return [
            InboxItem(
                message_id=m.id,
                sender=m.agency_id,
                sender_name=svc.accounts.agency_name(m.agency_id),
                title=m.title,
                filename=m.filename,
                size=m.size,
                sha256=m.sha256,
                deposited_at=m.deposited_at,
                available_until=m.available_until,
                handed_over_at=m.handed_over_at,
                handover_url=f"{base}/api/v1/inbox/{m.id}/handover",
            )
            for m in svc.inbox(recipient)
        ]

    @app.post(
        "/api/v1/inbox/{message_id}/handover",
        response_class=Response,
        responses={200: {"content": {"application/pdf": {}}}},
        tags=["recipient"],
    )
    def handover(message_id: str, request: Request, who: CallerDep) -> Response:
        """Fetch a document (records ContentHandover the first time)."""
        recipient = svc.require_recipient(who).recipient
        return _pdf(svc.handover_to_system(recipient, message_id, _client(request, "api")))

    # -- public -----------------------------------------------------------------------------
    @app.get("/api/v1/log/checkpoint", response_model=SignedCheckpoint, tags=["evidence"])
    def checkpoint() -> SignedCheckpoint:
        """The latest signed checkpoint of the evidence log."""
        latest = svc.log.latest_checkpoint(svc.storage)
        return latest if latest is not None else svc.log.checkpoint(svc.storage, svc.clock())

    @app.get("/healthz", tags=["service"])
    def healthz() -> dict[str, str]:
        return {"status": "ok", "storage": svc.storage.name}

    @app.get("/robots.txt", response_class=PlainTextResponse, include_in_schema=False)
    def robots() -> str:
        return "User-agent: *\nDisallow: /\n"

    @app.get("/static/page.css", include_in_schema=False)
    def stylesheet() -> Response:
        return Response(STYLESHEET, media_type="text/css")

    return app


def _is_agency(who: Caller) -> bool:
    from sealdoc.delivery.accounts import Agency

    return isinstance(who, Agency)


def _client(request: Request, channel: str) -> ClientInfo:
    return ClientInfo(
        channel=channel,
        address=request.client.host if request.client else None,
        user_agent=request.headers.get("user-agent"),
    )


def _pdf(handover: Handover) -> Response:
    name = handover.message.filename
    ascii_name = name.encode("ascii", "replace").decode().replace('"', "_").replace("?", "_")
    return Response(
        handover.data,
        media_type="application/pdf",
        headers={
            "content-disposition": f'attachment; filename="{ascii_name}"; '
            f"filename*=UTF-8''{quote(name)}",
            "x-sealdoc-message-id": handover.message.id,
            "x-sealdoc-evidence-id": handover.evidence_id,
            "x-sealdoc-sha256": handover.message.sha256,
        },
    )


def _error_response(request: Request, exc: SealdocError) -> Response:
    status = _status(exc)
    if request.url.path.startswith("/l/"):
        return HTMLResponse(error_page(status, exc.message), status_code=status)
    if isinstance(exc, DepositRejected):
        body: dict[str, Any] = DepositRefused(
            message_id=exc.message_id, evidence_id=exc.evidence_id, reason=exc.reason
        ).model_dump()
    else:
        body = {"error": exc.kind, "message": exc.message}
    return JSONResponse(body, status_code=status)


def _status(exc: SealdocError) -> int:
    if isinstance(exc, UnknownResource):
        return 404
    if isinstance(exc, LinkGone):
        return 410
    if isinstance(exc, NotAllowed):
        return 403
    if isinstance(exc, DepositRejected):
        return 422
    if isinstance(exc, InputError):
        return 400
    if isinstance(exc, StorageError):
        return 503
    log.error("request failed: %s", exc)
    return 500


def _work(service: DeliveryService, interval: float, stop: threading.Event) -> None:
    while not stop.wait(interval):
        try:
            counts = service.run_due()
        except SealdocError as exc:  # storage down, key unavailable: logged, retried next time
            log.error("background work failed: %s", exc)
            continue
        except Exception:  # a bug must not stop notices and expiry for good: logged, retried
            log.exception("background work failed unexpectedly")
            continue
        if any(v for k, v in counts.items() if k != "checkpoint") or counts.get("checkpoint"):
            log.info("background work: %s", counts)
