"""Audit reports as JSON, CSV and a human-readable text summary (HTML: :mod:`.html`)."""

from __future__ import annotations

import csv
import io

from sealdoc.audit.models import AuditReport, DocumentAudit

__all__ = ["CSV_COLUMNS", "render_csv", "render_json", "render_text"]

CSV_COLUMNS = (
    "path",
    "format",
    "verdict",
    "sub_indication",
    "signer",
    "seal_time",
    "seal_time_source",
    "level",
    "ltv",
    "renew_before",
    "findings",
    "problems",
    "sha256",
    "size",
    "error",
)


def render_json(report: AuditReport) -> str:
    return report.model_dump_json(indent=2) + "\n"


def _cell(value: object) -> str:
    """A CSV cell a spreadsheet will not evaluate (no leading ``=``, ``+``, ``-``, ``@``)."""
    text = "" if value is None else str(value)
    if text[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + text
    return text


def _row(doc: DocumentAudit) -> list[str]:
    values: dict[str, object] = {
        "path": doc.path,
        "format": doc.format,
        "verdict": doc.verdict_label,
        "sub_indication": doc.sub_indication.value if doc.sub_indication else None,
        "signer": doc.signer,
        "seal_time": doc.seal_time.isoformat() if doc.seal_time else None,
        "seal_time_source": doc.seal_time_source,
        "level": doc.level,
        "ltv": "yes" if doc.ltv else "no",
        "renew_before": doc.renew_before.isoformat() if doc.renew_before else None,
        "findings": ";".join(f.code for f in doc.findings),
        "problems": " | ".join(doc.problems),
        "sha256": doc.sha256,
        "size": doc.size,
        "error": doc.error,
    }
    return [_cell(values[column]) for column in CSV_COLUMNS]


def render_csv(report: AuditReport) -> str:
    """One row per document, columns :data:`CSV_COLUMNS` (RFC 4180, UTF-8)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for doc in report.documents:
        writer.writerow(_row(doc))
    return buffer.getvalue()


def render_text(report: AuditReport, *, limit: int = 10) -> str:
    """The summary a terminal shows: counts, documents to look at, documents to renew first."""
    summary = report.summary
    counts = ", ".join(f"{n} {verdict}" for verdict, n in summary.by_verdict.items() if n)
    lines = [
        f"Audited {summary.documents} document(s) under {report.root} at "
        f"{report.at.isoformat()} in {report.elapsed_s:.1f} s ({report.jobs} job(s)): "
        f"{counts or 'none'}",
        f"Policy: {report.policy}; revocation: {report.revocation}",
    ]
    if summary.skipped:
        lines.append(f"Skipped {summary.skipped} file(s) that are not documents.")
    troubled = [d for d in report.documents if d.verdict_label != "PASSED"]
    if troubled:
        lines.append("Not PASSED:")
        for doc in troubled[:limit]:
            why = doc.error or (doc.problems[0] if doc.problems else "")
            lines.append(f"  {doc.verdict_label:<13} {doc.path}: {why}")
        if len(troubled) > limit:
            lines.append(f"  ... and {len(troubled) - limit} more (see the full report)")
    if summary.renew_first:
        lines.append("Renew first:")
        for item in summary.renew_first[:limit]:
            lines.append(f"  {item.renew_before.isoformat()}  {item.path}")
    if summary.findings:
        lines.append(
            "Findings: " + ", ".join(f"{code} x{n}" for code, n in summary.findings.items())
        )
    return "\n".join(lines)
