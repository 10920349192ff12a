"""``sealdoc`` commands of the delivery service (digital domicile).

* ``serve``: run the service (uvicorn); ``api-key``: a new API key and its hash for the settings;
* agencies: ``deliver FILE``, ``withdraw MESSAGE_ID``;
* recipients: ``domicile declare|confirm|forward|show``, ``inbox list|fetch``;
* both: ``evidence export|proof MESSAGE_ID``; anyone, offline: ``evidence verify``.

Client commands talk to the service at ``--url`` (or ``SEALDOC_DELIVERY_URL``) with the API key
read from the environment variable named by ``--api-key-env`` (default ``SEALDOC_API_KEY``):
secrets never go on the command line. Run standalone: ``python -m sealdoc._internal.cli.delivery``.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from sealdoc._internal.cli.common import parse_datetime
from sealdoc.errors import InputError

__all__ = [
    "api_key",
    "deliver",
    "domicile",
    "evidence",
    "inbox",
    "serve",
    "withdraw",
]

F = TypeVar("F", bound=Callable[..., Any])

EXIT_PASSED, EXIT_FAILED, EXIT_INDETERMINATE = 0, 1, 3


def client_options(func: F) -> F:
    options = [
        click.option(
            "--url",
            envvar="SEALDOC_DELIVERY_URL",
            required=True,
            help="Base URL of the delivery service (or SEALDOC_DELIVERY_URL).",
        ),
        click.option(
            "--api-key-env",
            default="SEALDOC_API_KEY",
            show_default=True,
            metavar="VAR",
            help="Environment variable holding your API key.",
        ),
        click.option("--json", "as_json", is_flag=True, help="Print the service's JSON answer."),
    ]
    for option in reversed(options):
        func = option(func)
    return func


def _client(opts: dict[str, Any]) -> Any:
    from sealdoc.delivery.client import DeliveryClient

    variable = opts.pop("api_key_env")
    key = os.environ.get(variable)
    if not key:
        raise InputError(f"set {variable} to your API key (sdk_...)")
    return DeliveryClient(opts.pop("url"), key)


def _show(data: Any, as_json: bool, human: Callable[[Any], str]) -> None:
    click.echo(json.dumps(data, indent=2, ensure_ascii=False) if as_json else human(data))


# --------------------------------------------------------------------------- service


@click.command("serve")
@click.option(
    "--config",
    envvar="SEALDOC_DELIVERY_CONFIG",
    required=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Settings file (TOML or JSON); SEALDOC_DELIVERY_* variables override it.",
)
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", type=click.IntRange(0, 65535), default=8080, show_default=True)
@click.option("--proxy-headers", is_flag=True, help="Trust X-Forwarded-For (behind a proxy).")
def serve(config: Path, host: str, port: int, proxy_headers: bool) -> None:
    """Run the delivery service (HTTP API, link pages, background notices and expiry)."""
    import uvicorn

    from sealdoc.delivery import DeliverySettings, create_app

    settings = DeliverySettings.from_file(config)
    app = create_app(settings)
    uvicorn.run(
        app, host=host, port=port, proxy_headers=proxy_headers, log_level="info", access_log=False
    )


@click.command("api-key")
def api_key() -> None:
    """Print a new API key (give it to the agency or recipient) and its SHA-256 (for the
    settings file's api_key_sha256)."""
    from sealdoc.delivery.tokens import hash_secret, new_api_key

    key = new_api_key()
    click.echo(f"api key:        {key}")
    click.echo(f"api_key_sha256: {hash_secret(key)}")


# --------------------------------------------------------------------------- agencies


@click.command("deliver")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--recipient", required=True, help="SCHEME:ID, e.g. SIREN:123456789.")
@click.option("--title", required=True, help="What the document is (shown on the link's page).")
@click.option("--window-days", type=click.IntRange(min=1), help="Retrieval window (days).")
@click.option("--retention-days", type=click.IntRange(min=1), help="Retention period (days).")
@client_options
def deliver(
    file: Path,
    recipient: str,
    title: str,
    window_days: int | None,
    retention_days: int | None,
    as_json: bool,
    **opts: Any,
) -> None:
    """Deposit a sealed PDF for a recipient (refused unless sealed with your certificate)."""
    with _client(opts) as client:
        result = client.deposit(
            file,
            recipient=recipient,
            title=title,
            window_days=window_days,
            retention_days=retention_days,
        )
    _show(
        result,
        as_json,
        lambda r: (
            f"{r['message_id']}: accepted (evidence {r['evidence_id']}), "
            f"available until {r['available_until']}"
        ),
    )


@click.command("withdraw")
@click.argument("message_id")
@client_options
def withdraw(message_id: str, as_json: bool, **opts: Any) -> None:
    """Withdraw a deposit: its link answers 410 from now on."""
    with _client(opts) as client:
        result = client.withdraw(message_id)
    _show(result, as_json, lambda r: f"{r['message_id']}: {r['state']}")


# --------------------------------------------------------------------------- recipients


@click.group("domicile")
def domicile() -> None:
    """Declare, confirm and show your digital domicile (recipients)."""


@domicile.command("declare")
@click.option("--email", help="Receive notices at this e-mail address.")
@click.option("--webhook", help="Receive notices as signed webhook events at this URL.")
@click.option("--forward-to", help="Also forward notices to this e-mail address.")
@client_options
def domicile_declare(
    email: str | None, webhook: str | None, forward_to: str | None, as_json: bool, **opts: Any
) -> None:
    """Declare an address; it becomes active once you confirm the code sent there."""
    if bool(email) == bool(webhook):
        raise click.UsageError("give either --email or --webhook")
    channel, address = ("email", email) if email else ("webhook", webhook)
    assert address is not None
    with _client(opts) as client:
        result = client.declare(channel, address, forward_to)

    def human(r: dict[str, Any]) -> str:
        d = r["domicile"]
        lines = [f"{d['domicile_id']}: {d['channel']} {d['address']} pending confirmation"]
        if r.get("webhook_secret"):
            lines.append(f"webhook signing secret (shown once): {r['webhook_secret']}")
        return "\n".join(lines)

    _show(result, as_json, human)


@domicile.command("confirm")
@click.argument("code")
@client_options
def domicile_confirm(code: str, as_json: bool, **opts: Any) -> None:
    """Confirm a declaration (or a forwarding) with the code received."""
    with _client(opts) as client:
        result = client.confirm(code)
    _show(result, as_json, lambda d: f"{d['domicile_id']}: {d['status']}")


@domicile.command("forward")
@click.argument("address", required=False)
@click.option("--stop", is_flag=True, help="Stop forwarding.")
@client_options
def domicile_forward(address: str | None, stop: bool, as_json: bool, **opts: Any) -> None:
    """Forward notices to another e-mail address of yours (confirmed by a code), or --stop."""
    if bool(address) == stop:
        raise click.UsageError("give an ADDRESS or --stop")
    with _client(opts) as client:
        result = client.forwarding(None if stop else address)
    _show(
        result,
        as_json,
        lambda d: (
            f"forwarding: {d['forward_to'] or '-'} (pending: {d['pending_forward_to'] or '-'})"
        ),
    )


@domicile.command("show")
@client_options
def domicile_show(as_json: bool, **opts: Any) -> None:
    """Your active domicile, pending declarations and the history of changes."""
    with _client(opts) as client:
        result = client.domicile()

    def human(r: dict[str, Any]) -> str:
        active = r["active"]
        lines = [f"recipient: {r['recipient']}"]
        if active:
            fwd = f", forwarding to {active['forward_to']}" if active["forward_to"] else ""
            lines.append(f"active: {active['channel']} {active['address']}{fwd}")
        else:
            lines.append("active: none")
        lines += [f"pending: {d['channel']} {d['address']}" for d in r["pending"]]
        lines += [f"  {c['at']}  {c['action']:<22} {c['detail']}" for c in r["history"]]
        return "\n".join(lines)

    _show(result, as_json, human)


@click.group("inbox")
def inbox() -> None:
    """Documents waiting for you (recipients' systems)."""


@inbox.command("list")
@client_options
def inbox_list(as_json: bool, **opts: Any) -> None:
    """List the documents you can fetch."""
    with _client(opts) as client:
        result = client.inbox()
    _show(
        result,
        as_json,
        lambda items: (
            "\n".join(
                f"{i['message_id']}  {i['sender_name']}: {i['title']} "
                f"(until {i['available_until']})"
                + ("  [handed over]" if i["handed_over_at"] else "")
                for i in items
            )
            or "no document waiting"
        ),
    )


@inbox.command("fetch")
@click.argument("message_id")
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False, path_type=Path))
@client_options
def inbox_fetch(message_id: str, output: Path, as_json: bool, **opts: Any) -> None:
    """Fetch a document (the first fetch is the handover, recorded as evidence)."""
    from sealdoc._internal.files import write_atomic

    with _client(opts) as client:
        data, headers = client.handover(message_id)
    write_atomic(output, data)
    info = {
        "message_id": message_id,
        "output": str(output),
        "sha256": headers.get("x-sealdoc-sha256"),
        "evidence_id": headers.get("x-sealdoc-evidence-id"),
    }
    _show(info, as_json, lambda i: f"{i['output']}: {i['sha256']} (evidence {i['evidence_id']})")


# --------------------------------------------------------------------------- evidence


@click.group("evidence")
def evidence() -> None:
    """Export, prove and verify the evidence of a delivery."""


@evidence.command("export")
@click.argument("message_id")
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False, path_type=Path))
@client_options
def evidence_export(message_id: str, output: Path, as_json: bool, **opts: Any) -> None:
    """Save a message's evidence bundle (JSON) for offline verification."""
    from sealdoc._internal.files import write_atomic

    with _client(opts) as client:
        bundle = client.evidence(message_id)
    write_atomic(output, bundle.model_dump_json(indent=1).encode("utf-8"))
    _show(
        {"output": str(output), "records": len(bundle.entries)},
        as_json,
        lambda r: f"{r['output']}: {r['records']} records",
    )


@evidence.command("proof")
@click.argument("message_id")
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False, path_type=Path))
@client_options
def evidence_proof(message_id: str, output: Path, as_json: bool, **opts: Any) -> None:
    """Save the sealed, human-readable proof (PDF) of a delivery, for a court."""
    from sealdoc._internal.files import write_atomic

    with _client(opts) as client:
        data = client.proof(message_id)
    write_atomic(output, data)
    _show({"output": str(output), "size": len(data)}, as_json, lambda r: f"{r['output']}")


@evidence.command("verify")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--trust-cert",
    "trust_certs",
    multiple=True,
    required=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="The delivery service's root certificate (PEM/DER). Repeatable.",
)
@click.option(
    "--document",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Also check that this file is the document deposited.",
)
@click.option(
    "--at",
    callback=lambda _c, _p, v: parse_datetime(v) if v else None,
    help="Verify as of this ISO 8601 date-time (default: now).",
)
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
def evidence_verify(
    path: Path,
    trust_certs: tuple[Path, ...],
    document: Path | None,
    at: dt.datetime | None,
    as_json: bool,
) -> None:
    """Verify offline an evidence bundle (JSON) or the bundle inside a proof PDF.

    Exit status: 0 PASSED, 1 FAILED, 3 INDETERMINATE.
    """
    from sealdoc._internal.render import render_report, report_json
    from sealdoc.delivery import bundle_from_proof, parse_bundle, verify_bundle
    from sealdoc.delivery.deposit_check import load_certificates
    from sealdoc.report import Indication

    data = path.read_bytes()
    bundle = bundle_from_proof(data) if data.startswith(b"%PDF") else parse_bundle(data)
    report = verify_bundle(
        bundle,
        trust_anchors=load_certificates(list(trust_certs)),
        at=at or dt.datetime.now(dt.UTC),
        document=document.read_bytes() if document else None,
        name=str(path),
    )
    if as_json:
        click.echo(report_json(report))
    else:
        click.echo(render_report(report))
        for sealed in bundle.records():
            r = sealed.record
            reason = f"  ({r.reason})" if r.reason else ""
            click.echo(f"    {r.event_time.isoformat()}  {r.event.value}{reason}")
    status = {Indication.PASSED: EXIT_PASSED, Indication.FAILED: EXIT_FAILED}
    raise click.exceptions.Exit(status.get(report.indication, EXIT_INDETERMINATE))
