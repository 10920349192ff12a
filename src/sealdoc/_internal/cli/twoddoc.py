"""``sealdoc 2ddoc``: sign, render and scan 2D-Doc codes."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import click
from cryptography import x509
from cryptography.x509.oid import NameOID

from sealdoc._internal.cli.common import key_options, load_signing_key, parse_date
from sealdoc.errors import InputError

__all__ = ["certificate_ids", "read_fields", "twoddoc_group"]


@click.group("2ddoc")
def twoddoc_group() -> None:
    """Sign, render and scan 2D-Doc codes."""


@twoddoc_group.command("sign")
@click.option("--type", "doc_type", required=True, help="Document type code (e.g. 01, 04, B0).")
@click.option(
    "--fields",
    "fields_file",
    required=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help='JSON object of data identifier to value, e.g. {"10": "MME DUPONT"}.',
)
@key_options
@click.option("--ca-id", help="Certification authority id (default: the certificate's issuer CN).")
@click.option("--cert-id", help="Certificate id (default: the certificate's subject CN).")
@click.option(
    "--issue-date",
    callback=lambda _c, _p, v: parse_date(v) if v else None,
    help="Document issue date (YYYY-MM-DD, default: today).",
)
@click.option(
    "--signature-date",
    callback=lambda _c, _p, v: parse_date(v) if v else None,
    help="Signature date (YYYY-MM-DD, default: today).",
)
@click.option("--version", "code_version", type=click.IntRange(2, 4), default=4, show_default=True)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the code here (raw bytes, control characters included). Default: stdout.",
)
@click.option("--png", type=click.Path(dir_okay=False, path_type=Path), help="Render a PNG.")
@click.option("--svg", type=click.Path(dir_okay=False, path_type=Path), help="Render an SVG.")
def twoddoc_sign(
    doc_type: str,
    fields_file: Path,
    ca_id: str | None,
    cert_id: str | None,
    issue_date: dt.date | None,
    signature_date: dt.date | None,
    code_version: int,
    output: Path | None,
    png: Path | None,
    svg: Path | None,
    **opts: Any,
) -> None:
    """Sign a 2D-Doc code with a key from a file, a PKCS#12 file or a PKCS#11 token."""
    from sealdoc import twoddoc
    from sealdoc._internal.files import write_atomic
    from sealdoc.twoddoc import datamatrix

    fields = read_fields(fields_file)
    today = dt.datetime.now(dt.UTC).date()
    with load_signing_key(opts) as key:
        default_ca, default_cert = certificate_ids(key.certificate)
        code = twoddoc.sign(
            doc_type,
            fields,
            key,
            ca_id=ca_id or default_ca,
            cert_id=cert_id or default_cert,
            issue_date=issue_date or _default_issue_date(doc_type, today),
            signature_date=signature_date or today,
            version=code_version,
        )
    if output is not None:
        write_atomic(output, code.encode("latin-1"))
    else:
        click.echo(code.encode("unicode_escape").decode("ascii"))
    if png is not None:
        write_atomic(png, datamatrix.render_png(code))
    if svg is not None:
        write_atomic(svg, datamatrix.render_svg(code).encode("utf-8"))


def _default_issue_date(doc_type: str, today: dt.date) -> dt.date | None:
    """Today for the types whose header carries an issue date (§6), none for the others."""
    from sealdoc.twoddoc import doc_type as lookup

    known = lookup(doc_type)
    return today if known is None or known.issue_date_required else None


def read_fields(path: Path) -> dict[str, object]:
    """2D-Doc fields from a JSON file: an object of data identifier to value (ISO dates ok)."""
    from sealdoc.twoddoc.jsonfields import fields_from_json

    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InputError(f"{path}: not a readable JSON file ({exc})") from exc
    if not isinstance(data, dict):
        raise InputError(f'{path}: expected a JSON object such as {{"10": "MME DUPONT"}}')
    return fields_from_json(data)


def certificate_ids(certificate: x509.Certificate) -> tuple[str, str]:
    """(CA id, certificate id) of a participant certificate: its issuer CN and subject CN."""

    def cn(name: x509.Name, what: str, flag: str) -> str:
        values = name.get_attributes_for_oid(NameOID.COMMON_NAME)
        if not values:
            raise InputError(f"the certificate's {what} has no CN: give {flag}")
        return str(values[0].value)

    return (
        cn(certificate.issuer, "issuer", "--ca-id"),
        cn(certificate.subject, "subject", "--cert-id"),
    )


@twoddoc_group.command("render")
@click.argument("code_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--png", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--svg", type=click.Path(dir_okay=False, path_type=Path))
def twoddoc_render(code_file: Path, png: Path | None, svg: Path | None) -> None:
    """Render a raw code (text file) as a DataMatrix PNG and/or SVG."""
    from sealdoc._internal.files import write_atomic
    from sealdoc._internal.inputs import InputKind, load_input
    from sealdoc.twoddoc import datamatrix

    loaded = load_input(code_file)
    if loaded.kind is not InputKind.CODE:
        raise InputError(f"{code_file}: not a 2D-Doc code")
    if png is None and svg is None:
        raise click.UsageError("give --png and/or --svg")
    code = loaded.data.decode("latin-1")
    if png is not None:
        write_atomic(png, datamatrix.render_png(code))
    if svg is not None:
        write_atomic(svg, datamatrix.render_svg(code).encode("utf-8"))


@twoddoc_group.command("scan")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def twoddoc_scan(path: Path) -> None:
    """Print the 2D-Doc codes found in an image or a PDF (control characters escaped)."""
    from sealdoc._internal.inputs import InputKind, load_input
    from sealdoc.twoddoc import datamatrix

    loaded = load_input(path)
    if loaded.kind is InputKind.PDF:
        codes = datamatrix.scan_pdf(path)
    elif loaded.kind is InputKind.IMAGE:
        codes = datamatrix.scan_image(loaded.data)
    else:
        codes = [loaded.data.decode("latin-1")]
    if not codes:
        raise InputError(f"{path}: no 2D-Doc code found")
    for code in codes:
        click.echo(code.encode("unicode_escape").decode("ascii"))
