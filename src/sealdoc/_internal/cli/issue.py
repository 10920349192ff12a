"""``sealdoc issue``: seal a batch of documents from an issuer profile and a manifest."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click

from sealdoc.issuance import BatchSummary, issue_batch, load_profile
from sealdoc.issuance.progress import BarProgress, LineProgress, Progress, format_duration

__all__ = ["EXIT_ALL_SEALED", "EXIT_NOT_ALL_SEALED", "issue", "render_summary"]

EXIT_ALL_SEALED = 0
#: Some rows were not sealed (see the summary and the ledger); also for a batch that could
#: not start (then a one-line error instead of a summary).
EXIT_NOT_ALL_SEALED = 1
_SHOWN_FAILURES = 20


def _default_jobs() -> int:
    return max(1, min(os.cpu_count() or 1, 8))


@click.command("issue")
@click.option(
    "--profile",
    required=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Issuer profile (TOML): seal key, level, TSA, 2D-Doc settings.",
)
@click.option(
    "--manifest",
    required=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Documents to seal: JSON Lines (.jsonl) or CSV (.csv), one document per row.",
)
@click.option(
    "--out",
    "out_dir",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Output folder: <id>.pdf per document and the ledger (ledger.sqlite).",
)
@click.option(
    "--jobs",
    type=click.IntRange(1, 256),
    default=_default_jobs,
    show_default="CPUs, at most 8",
    help="Worker processes (1: seal in this process).",
)
def issue(profile: Path, manifest: Path, out_dir: Path, jobs: int) -> None:
    """Seal every document of MANIFEST into OUT, exactly once.

    Rerunning the same command resumes an interrupted batch and does nothing for a finished
    one. Exit status: 0 every row is sealed, 1 some rows are not (listed in the summary and
    in OUT/ledger.sqlite) or the batch could not start.
    """
    loaded = load_profile(profile)
    progress: Progress = (
        BarProgress(sys.stderr) if sys.stderr.isatty() else LineProgress(sys.stderr)
    )
    summary = issue_batch(loaded, manifest, out_dir, jobs=jobs, progress=progress)
    click.echo(render_summary(summary, manifest=manifest, jobs=jobs))
    raise click.exceptions.Exit(EXIT_ALL_SEALED if summary.all_sealed else EXIT_NOT_ALL_SEALED)


def render_summary(summary: BatchSummary, *, manifest: Path, jobs: int) -> str:
    """The end-of-batch summary, as the command prints it."""
    if summary.nothing_to_do:
        return (
            f"Nothing to do: all {summary.already} documents of {manifest.name} were already "
            f"sealed (ledger {summary.ledger})."
        )
    workers = "in-process" if jobs == 1 else f"{jobs} workers"
    lines = [
        f"Batch {manifest.name} -> {summary.out_dir} ({summary.level}, {workers})",
        f"  sealed now      {summary.sealed:>8}",
        f"  recovered       {summary.recovered:>8}   (sealed before an interruption, adopted)",
        f"  already sealed  {summary.already:>8}",
        f"  failed          {summary.failed:>8}",
        f"  {summary.rows} rows in {format_duration(summary.elapsed_s)} "
        f"({summary.elapsed_s:.1f} s), {summary.rate:.0f} documents/s",
    ]
    if summary.failures:
        lines.append("Not sealed (line: id: reason):")
        for failure in summary.failures[:_SHOWN_FAILURES]:
            lines.append(f"  line {failure.line}: {failure.id or '-'}: {failure.reason}")
        if summary.failed > _SHOWN_FAILURES:
            lines.append(f"  ... and {summary.failed - _SHOWN_FAILURES} more in the ledger")
    lines.append(f"Ledger: {summary.ledger}")
    if summary.all_sealed:
        lines.append("All documents of the manifest are sealed.")
    else:
        lines.append(
            "Not every document is sealed: fix the rows above and run the same command again."
        )
    return "\n".join(lines)
