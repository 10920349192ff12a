"""``sealdoc seal``: a PAdES seal on one PDF, optionally with a 2D-Doc stamped on the page."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import click

from sealdoc._internal.cli.common import key_options, load_signing_key, parse_datetime
from sealdoc.errors import InputError

__all__ = ["seal_command"]

LEVELS = ("B-B", "B-T", "B-LT", "B-LTA")


@click.command("seal")
@click.argument("input_pdf", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "-o",
    "--output",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="Sealed PDF to write (replaced atomically, never half-written).",
)
@key_options
@click.option(
    "--level",
    type=click.Choice(LEVELS),
    default="B-B",
    show_default=True,
    help="PAdES baseline level.",
)
@click.option(
    "--tsa", "tsa_url", metavar="URL", help="RFC 3161 time-stamping service (B-T and up)."
)
@click.option(
    "--trust-root",
    "trust_roots",
    multiple=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Anchor for the seal-time certificate checks (default: the key's chain root). "
    "From B-LT up it must also cover the TSA. Repeatable.",
)
@click.option(
    "--no-revocation-check",
    is_flag=True,
    help="Do not check the certificate's revocation status before sealing.",
)
@click.option("--2ddoc-type", "twoddoc_type", help="Stamp a 2D-Doc of this document type.")
@click.option(
    "--2ddoc-fields",
    "twoddoc_fields",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="JSON fields of the 2D-Doc (as for `sealdoc 2ddoc sign --fields`).",
)
@click.option(
    "--2ddoc-ca-id", "twoddoc_ca_id", help="CA id (default: the certificate's issuer CN)."
)
@click.option(
    "--2ddoc-cert-id",
    "twoddoc_cert_id",
    help="Certificate id (default: the certificate's subject CN).",
)
@click.option(
    "--2ddoc-key",
    "twoddoc_key",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Key for the 2D-Doc signature if not the seal's (with --2ddoc-cert).",
)
@click.option(
    "--2ddoc-cert", "twoddoc_cert", type=click.Path(exists=True, dir_okay=False, path_type=Path)
)
@click.option(
    "--stamp-page",
    type=click.IntRange(min=1),
    default=1,
    show_default=True,
    help="Page of the stamp (1 = first).",
)
@click.option(
    "--stamp-x",
    type=float,
    default=36.0,
    show_default=True,
    help="Stamp position from the page's left edge, in points.",
)
@click.option(
    "--stamp-y",
    type=float,
    default=36.0,
    show_default=True,
    help="Stamp position from the page's bottom edge, in points.",
)
@click.option(
    "--stamp-width", type=float, help="Stamp width in points (default: its natural size)."
)
@click.option(
    "--at",
    callback=lambda _c, _p, v: parse_datetime(v) if v else None,
    help="Signing time (ISO 8601; default: now). For tests and replays.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
def seal_command(
    input_pdf: Path,
    output: Path,
    level: str,
    tsa_url: str | None,
    trust_roots: tuple[Path, ...],
    no_revocation_check: bool,
    twoddoc_type: str | None,
    twoddoc_fields: Path | None,
    twoddoc_ca_id: str | None,
    twoddoc_cert_id: str | None,
    twoddoc_key: Path | None,
    twoddoc_cert: Path | None,
    stamp_page: int,
    stamp_x: float,
    stamp_y: float,
    stamp_width: float | None,
    at: dt.datetime | None,
    as_json: bool,
    **opts: Any,
) -> None:
    """Seal INPUT_PDF with a PAdES electronic seal (B-B, B-T, B-LT or B-LTA)."""
    from sealdoc.keys import load_key
    from sealdoc.pades import StampSpec, seal
    from sealdoc.trust import load_certificate_file

    if (twoddoc_type is None) != (twoddoc_fields is None):
        raise click.UsageError("--2ddoc-type and --2ddoc-fields go together")
    if (twoddoc_key is None) != (twoddoc_cert is None):
        raise click.UsageError("--2ddoc-key and --2ddoc-cert go together")
    if level != "B-B" and not tsa_url:
        raise click.UsageError(f"level {level} needs a time-stamping service: give --tsa URL")
    roots = [cert for path in trust_roots for cert in load_certificate_file(path)]
    with load_signing_key(opts) as key:
        stamp = None
        if twoddoc_type is not None and twoddoc_fields is not None:
            code_key = load_key(key=twoddoc_key, cert=twoddoc_cert) if twoddoc_key else key
            try:
                code = _sign_code(
                    twoddoc_type, twoddoc_fields, code_key, twoddoc_ca_id, twoddoc_cert_id, at
                )
            finally:
                if code_key is not key:
                    code_key.close()
            stamp = StampSpec(
                code=code, page=stamp_page - 1, x=stamp_x, y=stamp_y, width=stamp_width
            )
        result = seal(
            input_pdf,
            output,
            key,
            level=level,
            tsa_url=tsa_url,
            stamp=stamp,
            trust_roots=roots,
            check_revocation=not no_revocation_check,
            at=at,
        )
    if as_json:
        click.echo(
            json.dumps(
                {
                    "output": str(result.output),
                    "level": str(result.level),
                    "signer": result.signer,
                    "signed_at": result.signed_at.isoformat(),
                    "size": result.size,
                    "sha256": result.sha256,
                    "twoddoc_embedded": result.twoddoc_embedded,
                }
            )
        )
    else:
        stamped = " with a 2D-Doc stamp" if result.twoddoc_embedded else ""
        click.echo(f"sealed {result.output} at {result.level}{stamped}")
        click.echo(f"  signer: {result.signer}")
        click.echo(f"  sha256: {result.sha256}")


def _sign_code(
    doc_type: str,
    fields_file: Path,
    key: Any,
    ca_id: str | None,
    cert_id: str | None,
    at: dt.datetime | None,
) -> str:
    from sealdoc._internal.cli.twoddoc import certificate_ids, read_fields
    from sealdoc.twoddoc import doc_type as lookup
    from sealdoc.twoddoc import sign

    fields = read_fields(fields_file)
    default_ca, default_cert = certificate_ids(key.certificate)
    today = (at or dt.datetime.now(dt.UTC)).date()
    known = lookup(doc_type)
    if known is None:
        raise InputError(f"unknown 2D-Doc document type {doc_type!r}")
    return sign(
        doc_type,
        fields,
        key,
        ca_id=ca_id or default_ca,
        cert_id=cert_id or default_cert,
        issue_date=today if known.issue_date_required else None,
        signature_date=today,
    )
