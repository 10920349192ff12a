"""Plain-text rendering of reports and errors for the command line."""

from __future__ import annotations

import json
from typing import Any

from sealdoc.errors import SealdocError
from sealdoc.report import Check, CheckStatus, SignatureReport, VerificationReport

__all__ = ["error_json", "render_report", "report_json"]

_MARK = {
    CheckStatus.PASSED: "ok  ",
    CheckStatus.FAILED: "FAIL",
    CheckStatus.INDETERMINATE: "??  ",
    CheckStatus.SKIPPED: "--  ",
}


def _checks(checks: list[Check], indent: str) -> list[str]:
    width = max((len(c.id) for c in checks), default=0)
    return [f"{indent}[{_MARK[c.status]}] {c.id:<{width}}  {c.message}" for c in checks]


def _outcome(indication: str, sub: str | None) -> str:
    return indication if sub is None else f"{indication} ({sub})"


def _signature(sig: SignatureReport, indent: str) -> list[str]:
    who = f" by {sig.signer}" if sig.signer else ""
    when = f" at {sig.signing_time.isoformat()}" if sig.signing_time else ""
    name = f" {sig.field_name}" if sig.field_name else ""
    head = f"{indent}{sig.type}{name}{who}{when}: {_outcome(sig.indication, sig.sub_indication)}"
    return [head, *_checks(sig.checks, indent + "  ")]


def render_report(report: VerificationReport, indent: str = "") -> str:
    """A summary a person can read: outcome first, then every check."""
    lines = [
        f"{indent}{report.input or '<input>'}: {_outcome(report.indication, report.sub_indication)}"
    ]
    if report.signer:
        lines.append(f"{indent}  signer: {report.signer}")
    if report.twoddoc is not None:
        header = report.twoddoc.header
        kind = (
            f"{header.doc_type} {header.doc_type_name}" if header.doc_type_name else header.doc_type
        )
        lines.append(
            f"{indent}  2D-Doc v{header.version:02d} {header.ca_id}/{header.cert_id}, type {kind}, "
            f"signed {header.signature_date or 'no date'}"
        )
        for field in report.twoddoc.fields:
            lines.append(f"{indent}    {field.id} {field.name}: {field.raw}")
    lines.extend(_checks(report.checks, indent + "  "))
    for sig in report.signatures:
        lines.extend(_signature(sig, indent + "  "))
    for code in report.embedded_codes:
        lines.append(render_report(code, indent + "  "))
    return "\n".join(lines)


def report_json(report: VerificationReport) -> str:
    """One report as a single JSON line."""
    return report.model_dump_json()


def error_json(name: str, error: SealdocError) -> str:
    """An input that could not be read, as a single JSON line."""
    payload: dict[str, Any] = {
        "input": name,
        "error": {"type": type(error).__name__, "message": str(error)},
    }
    return json.dumps(payload, ensure_ascii=False)
