"""The ``sealdoc`` command line: parses arguments, calls the public API, prints, sets exit codes.

Nothing here is needed by a library user. Errors are mapped to exit codes in one place
(:func:`main`); a :class:`~sealdoc.errors.SealdocError` is printed as one line, never a traceback.
"""

from __future__ import annotations

import datetime as dt
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any, NoReturn

import click

from sealdoc._internal.cli.common import (
    key_options,
    load_signing_key,
    load_trust,
    parse_date,
    trust_options,
)
from sealdoc._internal.render import error_json, render_report, report_json
from sealdoc.errors import InputError, SealdocError
from sealdoc.report import Indication, VerificationReport

# Exit statuses of `sealdoc verify` (a public contract, see README).
EXIT_PASSED = 0
EXIT_FAILED = 1
EXIT_USAGE = 2
EXIT_INDETERMINATE = 3
EXIT_UNREADABLE = 4


# --------------------------------------------------------------------------- commands


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="sealdoc")
def cli() -> None:
    """Issue and verify trusted administrative documents (PAdES seals and 2D-Doc codes)."""


@cli.command()
@click.argument("paths", nargs=-1, required=True)
@click.option("--json", "as_json", is_flag=True, help="One JSON report per input, one per line.")
@click.option(
    "--max-bytes",
    type=click.IntRange(min=1),
    default=256 * 1024 * 1024,
    show_default=True,
    help="Refuse inputs larger than this.",
)
@trust_options
def verify(paths: Sequence[str], as_json: bool, max_bytes: int, **opts: Any) -> None:
    """Verify 2D-Doc codes (text files), scanned images and sealed PDFs.

    Exit status: 0 all PASSED, 1 any FAILED, 3 any INDETERMINATE (none failed), 4 an input could
    not be read (none failed), 2 usage error.
    """
    from sealdoc.verification import verify as verify_one

    trust, policy, at = load_trust(opts)
    outcomes: list[Indication | None] = []
    for path in paths:
        try:
            report: VerificationReport = verify_one(
                Path(path), trust=trust, at=at, revocation=policy, max_bytes=max_bytes
            )
        except SealdocError as exc:
            outcomes.append(None)
            if as_json:
                click.echo(error_json(path, exc))
            else:
                click.echo(f"{path}: cannot be read: {exc}")
            continue
        outcomes.append(report.indication)
        click.echo(report_json(report) if as_json else render_report(report))
    raise click.exceptions.Exit(_verify_exit_status(outcomes))


def _verify_exit_status(outcomes: Sequence[Indication | None]) -> int:
    if Indication.FAILED in outcomes:
        return EXIT_FAILED
    if None in outcomes:
        return EXIT_UNREADABLE
    if Indication.INDETERMINATE in outcomes:
        return EXIT_INDETERMINATE
    return EXIT_PASSED


@cli.group("2ddoc")
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

    from sealdoc.twoddoc.jsonfields import fields_from_json

    fields = fields_from_json(_read_fields(fields_file))
    today = dt.datetime.now(dt.UTC).date()
    with load_signing_key(opts) as key:
        code = twoddoc.sign(
            doc_type,
            fields,
            key,
            ca_id=ca_id or _cn(key.certificate.issuer, "issuer", "--ca-id"),
            cert_id=cert_id or _cn(key.certificate.subject, "subject", "--cert-id"),
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


def _read_fields(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InputError(f"{path}: not a readable JSON file ({exc})") from exc
    if not isinstance(data, dict):
        raise InputError(f'{path}: expected a JSON object such as {{"10": "MME DUPONT"}}')
    return data


def _cn(name: Any, what: str, flag: str) -> str:
    from cryptography.x509.oid import NameOID

    values = name.get_attributes_for_oid(NameOID.COMMON_NAME)
    if not values:
        raise InputError(f"the certificate's {what} has no CN: give {flag}")
    return str(values[0].value)


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


# --------------------------------------------------------------------------- entry point


def main(argv: Sequence[str] | None = None) -> NoReturn:
    """Run the CLI; a SealdocError becomes one line on stderr and exit status 1."""
    try:
        status = cli.main(
            args=list(argv) if argv is not None else None,
            prog_name="sealdoc",
            standalone_mode=False,
        )
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except click.exceptions.Abort:
        click.echo("sealdoc: aborted", err=True)
        sys.exit(130)
    except SealdocError as exc:
        click.echo(f"sealdoc: error: {exc}", err=True)
        sys.exit(EXIT_FAILED)
    sys.exit(status if isinstance(status, int) else 0)
