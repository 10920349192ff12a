"""``sealdoc audit`` and ``sealdoc archive renew|manifest|check``.

Register in ``sealdoc/cli.py``::

    from sealdoc._internal.cli.audit import archive_group, audit_command
    cli.add_command(audit_command)      # sealdoc audit
    cli.add_command(archive_group)      # sealdoc archive renew|manifest|check
"""

from __future__ import annotations

import datetime as dt
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import click

from sealdoc._internal.cli.common import (
    key_options,
    load_signing_key,
    load_trust,
    parse_date,
    parse_datetime,
    trust_options,
)
from sealdoc._internal.files import write_atomic
from sealdoc.report import Indication

__all__ = ["archive_group", "audit_command"]

_EXIT = {Indication.PASSED: 0, Indication.FAILED: 1, Indication.INDETERMINATE: 3}


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(microsecond=0)


@contextmanager
def _progress(label: str, enabled: bool) -> Iterator[Callable[[int, int], None] | None]:
    """A progress bar on stderr (only on a terminal, unless forced)."""
    if not enabled:
        yield None
        return
    bar: Any = None
    shown = 0

    def update(done: int, total: int) -> None:
        nonlocal bar, shown
        if bar is None:
            bar = click.progressbar(length=total, label=label, file=sys.stderr)
            bar.__enter__()
        bar.update(done - shown)
        shown = done

    try:
        yield update
    finally:
        if bar is not None:
            bar.__exit__(None, None, None)


# --------------------------------------------------------------------------- sealdoc audit


@click.command("audit")
@click.argument("path", type=click.Path(exists=True, path_type=Path))
@trust_options
@click.option(
    "--report",
    "html_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the HTML report here (one self-contained page).",
)
@click.option(
    "--json",
    "json_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the full report as JSON here.",
)
@click.option(
    "--csv",
    "csv_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write one CSV row per document here.",
)
@click.option(
    "--jobs",
    type=click.IntRange(min=1),
    default=1,
    show_default=True,
    help="Worker processes.",
)
@click.option(
    "--progress/--no-progress",
    default=None,
    help="Show a progress bar on stderr (default: when stderr is a terminal).",
)
def audit_command(
    path: Path,
    html_path: Path | None,
    json_path: Path | None,
    csv_path: Path | None,
    jobs: int,
    progress: bool | None,
    **opts: Any,
) -> None:
    """Verify every document under PATH (sealed PDFs, 2D-Doc codes, scanned images).

    Per document: verdict, signer, seal time, whether validation data is embedded, the date
    before which its protection must be renewed, and algorithm findings. Prints a summary;
    writes the HTML, JSON and CSV reports asked for.

    Exit status (as for verify): 0 all PASSED, 1 any FAILED, 3 any INDETERMINATE (none failed),
    4 a document could not be read (none failed).
    """
    from sealdoc.audit.html import render_html
    from sealdoc.audit.render import render_csv, render_json, render_text
    from sealdoc.audit.runner import audit_archive

    trust, revocation, at = load_trust(opts)
    show = sys.stderr.isatty() if progress is None else progress
    with _progress("Auditing", show) as callback:
        report = audit_archive(
            path,
            trust=trust,
            at=at or _now(),
            revocation=revocation,
            jobs=jobs,
            progress=callback,
        )
    click.echo(render_text(report))
    outputs = [
        (html_path, render_html, "HTML report"),
        (json_path, render_json, "JSON report"),
        (csv_path, render_csv, "CSV report"),
    ]
    for target, render, name in outputs:
        if target is not None:
            write_atomic(target, render(report).encode("utf-8"))
            click.echo(f"{name}: {target}")
    raise click.exceptions.Exit(report.exit_status)


# --------------------------------------------------------------------------- sealdoc archive


@click.group("archive")
def archive_group() -> None:
    """Maintain an archive: renew time-stamps, build and check tamper-evident manifests."""


@archive_group.command("renew")
@click.argument("path", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--tsa", "tsa_url", required=True, help="URL of the time-stamping authority.")
@click.option(
    "--before",
    callback=lambda _c, _p, v: parse_date(v) if v else None,
    help="Renew documents whose protection ends before this date (YYYY-MM-DD; "
    "default: one year from now).",
)
@trust_options
@click.option("--json", "as_json", is_flag=True, help="Print the outcome as JSON.")
def archive_renew(
    path: Path, tsa_url: str, before: dt.date | None, as_json: bool, **opts: Any
) -> None:
    """Add fresh validation data and a document time-stamp (PAdES B-LTA) to every PDF under
    PATH whose protection ends before --before, as incremental updates.

    Crash-safe and resumable: run the same command again after an interruption. Documents that
    do not verify (FAILED, INDETERMINATE) are not renewed. Exit status: 0 done, 1 a renewal
    failed, 3 some documents due were not renewed.
    """
    from sealdoc.audit.renew import renew_archive

    trust, revocation, at = load_trust(opts)

    def show(outcome: Any) -> None:
        if not as_json:
            click.echo(f"{outcome.action:<10} {outcome.path}: {outcome.detail}")

    report = renew_archive(
        path,
        trust=trust,
        at=at or _now(),
        tsa_url=tsa_url,
        before=before,
        revocation=revocation,
        after_each=show,
    )
    if as_json:
        click.echo(report.model_dump_json(indent=2))
    else:
        if report.resumed:
            click.echo("Resumed an interrupted renewal.")
        click.echo(
            f"Renewed {report.count('renewed') + report.count('recovered')}, up to date "
            f"{report.count('up-to-date')}, not renewed {report.count('skipped')}, failed "
            f"{report.count('failed')} (protection needed until {report.before.isoformat()})."
        )
    raise click.exceptions.Exit(report.exit_status)


@archive_group.command("manifest")
@click.argument("path", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option(
    "-o",
    "--output",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the manifest here (JSON).",
)
@click.option(
    "--previous",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Extend this earlier manifest (keeps its entries as a prefix, so growth is provable). "
    "Default: the existing file at --output, if any.",
)
@click.option("--origin", help="Name of the archive (default: the directory's name).")
@click.option("--tsa", "tsa_url", help="Time-stamp the signed tree head with this TSA.")
@click.option(
    "--at",
    callback=lambda _c, _p, v: parse_datetime(v) if v else None,
    help="Record time (ISO 8601; default: now).",
)
@key_options
def archive_manifest(
    path: Path,
    output: Path,
    previous: Path | None,
    origin: str | None,
    tsa_url: str | None,
    at: dt.datetime | None,
    **opts: Any,
) -> None:
    """Build a tamper-evident manifest of PATH: an RFC 6962 Merkle tree over (relative path,
    SHA-256) of every file, with a tree head signed by the key given (and time-stamped with
    --tsa). Without a key the manifest is unsigned (checks of it are INDETERMINATE)."""
    from sealdoc.audit.manifest import build_manifest, load_manifest

    if previous is None and output.is_file():
        previous = output
    earlier = load_manifest(previous) if previous is not None else None
    name = origin or (earlier.origin if earlier else path.resolve().name)
    moment = at or _now()
    has_key = any(
        opts.get(k)
        for k in ("key", "cert", "pkcs12", "pkcs11_module", "pkcs11_token", "pkcs11_key")
    )
    if has_key:
        with load_signing_key(opts) as key:
            manifest = build_manifest(
                path,
                origin=name,
                at=moment,
                key=key,
                tsa_url=tsa_url,
                previous=earlier,
                exclude=[output],
            )
    else:
        if tsa_url:
            raise click.UsageError("--tsa time-stamps the signed tree head: give a key too")
        manifest = build_manifest(path, origin=name, at=moment, previous=earlier, exclude=[output])
    write_atomic(output, manifest.to_json())
    grown = f", extending {previous} ({earlier.tree_size} entries)" if earlier else ""
    signed = "signed" if manifest.checkpoint else "UNSIGNED"
    stamped = (
        " and time-stamped" if manifest.checkpoint and manifest.checkpoint.rfc3161_token else ""
    )
    click.echo(
        f"{output}: {manifest.tree_size} entries, root {manifest.root_hash}, "
        f"{signed}{stamped}{grown}"
    )


@archive_group.command("check")
@click.argument("path", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option(
    "--manifest",
    "manifest_path",
    required=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="The manifest to check the archive against.",
)
@click.option(
    "--since",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="An earlier manifest: prove the archive only grew since (consistency proof).",
)
@click.option(
    "--trust-cert",
    "trust_certs",
    multiple=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Certificate trusted to sign manifests (and TSAs). Repeatable.",
)
@click.option(
    "--at",
    callback=lambda _c, _p, v: parse_datetime(v) if v else None,
    help="Check as of this ISO 8601 date-time (default: now).",
)
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
def archive_check(
    path: Path,
    manifest_path: Path,
    since: Path | None,
    trust_certs: tuple[Path, ...],
    at: dt.datetime | None,
    as_json: bool,
) -> None:
    """Report each file of PATH modified, added, removed or renamed since the manifest, and
    verify the manifest's signed tree head. Exit status: 0 intact, 1 any change or a broken
    manifest, 3 intact but the signature could not be verified (unsigned, no --trust-cert)."""
    from sealdoc.audit.manifest import check_archive, load_manifest
    from sealdoc.trust import load_certificate_file

    manifest = load_manifest(manifest_path)
    earlier = load_manifest(since) if since is not None else None
    anchors = [cert for p in trust_certs for cert in load_certificate_file(p)]
    exclude = [manifest_path] + ([since] if since else [])
    result = check_archive(
        path, manifest, at=at or _now(), trust_anchors=anchors, since=earlier, exclude=exclude
    )
    if as_json:
        click.echo(result.model_dump_json(indent=2))
    else:
        click.echo(_render_check(result))
    raise click.exceptions.Exit(_EXIT[result.indication])


def _render_check(result: Any) -> str:
    lines = [
        f"{result.indication.value}: {result.files_checked} file(s) checked against "
        f"{result.origin} ({result.manifest_size} entries): {result.unchanged} unchanged, "
        f"{len(result.changes)} change(s)"
    ]
    lines.extend(f"  {c.line}: {c.detail}" for c in result.changes)
    lines.extend(f"  manifest: {p}" for p in result.manifest_problems)
    cp = result.checkpoint
    if cp.valid:
        when = f", time-stamped {cp.timestamped_at.isoformat()}" if cp.timestamped_at else ""
        lines.append(f"  signed tree head: valid, by {cp.signer}{when}")
    else:
        lines.extend(f"  signed tree head: {p}" for p in cp.problems)
    growth = result.since
    if growth is not None:
        if growth.only_grew:
            lines.append(
                f"  since the earlier manifest ({growth.old_size} entries): only grew, "
                f"{len(growth.added)} file(s) added (consistency proof verified)"
            )
        else:
            lines.append(f"  since the earlier manifest ({growth.old_size} entries): NOT only grew")
            lines.extend(f"    removed or replaced: {p}" for p in growth.removed)
            lines.extend(f"    {p}" for p in growth.problems)
    lines.extend(f"  skipped: {s}" for s in result.skipped)
    return "\n".join(lines)
