"""The ``sealdoc`` command line: parses arguments, calls the public API, prints, sets exit codes.

Nothing here is needed by a library user. Errors are mapped to exit codes in one place
(:func:`main`); a :class:`~sealdoc.errors.SealdocError` is printed as one line, never a traceback.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any, NoReturn

import click

from sealdoc._internal.cli.audit import archive_group, audit_command
from sealdoc._internal.cli.common import load_trust, trust_options
from sealdoc._internal.cli.delivery import (
    api_key,
    deliver,
    domicile,
    evidence,
    inbox,
    serve,
    withdraw,
)
from sealdoc._internal.cli.issue import issue
from sealdoc._internal.cli.seal import seal_command
from sealdoc._internal.cli.twoddoc import twoddoc_group
from sealdoc._internal.render import error_json, render_report, report_json
from sealdoc.errors import SealdocError
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
@click.option("-v", "--verbose", is_flag=True, help="Log what the libraries underneath report.")
def cli(verbose: bool) -> None:
    """Issue and verify trusted administrative documents (PAdES seals and 2D-Doc codes)."""
    _configure_logging(verbose)


def _configure_logging(verbose: bool) -> None:
    """Quiet by default: what pyHanko logs (with tracebacks) is already in the reports."""
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("sealdoc: %(name)s: %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(logging.INFO if verbose else logging.WARNING)
    for noisy in ("pyhanko", "pyhanko_certvalidator", "fontTools", "PIL"):
        logging.getLogger(noisy).setLevel(logging.INFO if verbose else logging.CRITICAL)


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


for command in (
    twoddoc_group,
    seal_command,
    issue,
    audit_command,
    archive_group,
    serve,
    api_key,
    deliver,
    withdraw,
    domicile,
    inbox,
    evidence,
):
    cli.add_command(command)


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
