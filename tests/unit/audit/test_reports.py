"""Audit report rendering: CSV that spreadsheets do not execute, HTML that escapes everything,
the text summary, and the exit status."""

from __future__ import annotations

import csv
import datetime as dt
import io

from sealdoc.audit.html import render_html
from sealdoc.audit.models import AuditReport, DocumentAudit, summarise
from sealdoc.audit.protection import Finding
from sealdoc.audit.render import render_csv, render_json, render_text
from sealdoc.report import Indication

AT = dt.datetime(2026, 3, 2, 10, 0, tzinfo=dt.UTC)


def doc(path: str, verdict: Indication | None, **kw: object) -> DocumentAudit:
    values: dict[str, object] = {
        "path": path,
        "format": "pdf",
        "sha256": "00" * 32,
        "size": 10,
        "verdict": verdict,
    }
    values.update(kw)
    return DocumentAudit.model_validate(values)


def report(*docs: DocumentAudit) -> AuditReport:
    return AuditReport(
        root="/archive",
        at=AT,
        policy="test",
        revocation="soft-fail",
        documents=list(docs),
        summary=summarise(list(docs), 0),
        elapsed_s=0.1,
        jobs=1,
    )


def test_exit_status_follows_verify() -> None:
    assert report(doc("a", Indication.PASSED)).exit_status == 0
    assert report(doc("a", Indication.PASSED), doc("b", Indication.INDETERMINATE)).exit_status == 3
    assert report(doc("a", Indication.INDETERMINATE), doc("b", None)).exit_status == 4
    assert report(doc("a", None), doc("b", Indication.FAILED)).exit_status == 1


def test_summary_lists_renewals_earliest_first_without_failed_documents() -> None:
    summary = report(
        doc("late", Indication.PASSED, renew_before=dt.date(2030, 1, 1)),
        doc("soon", Indication.PASSED, renew_before=dt.date(2026, 4, 1)),
        doc("broken", Indication.FAILED, renew_before=dt.date(2026, 3, 10)),
    ).summary
    assert [r.path for r in summary.renew_first] == ["soon", "late"]
    assert summary.by_verdict == {"PASSED": 2, "FAILED": 1, "INDETERMINATE": 0, "UNREADABLE": 0}


def test_csv_cells_cannot_become_spreadsheet_formulas() -> None:
    hostile = doc('=HYPERLINK("http://x")', Indication.PASSED, signer="@SUM(A1)")
    rows = list(csv.reader(io.StringIO(render_csv(report(hostile)))))
    assert rows[1][0] == '\'=HYPERLINK("http://x")'
    assert rows[1][4] == "'@SUM(A1)"


def test_html_escapes_every_value_from_the_archive() -> None:
    hostile = doc(
        "<script>alert(1)</script>.pdf",
        Indication.FAILED,
        signer="<b>x</b>",
        findings=[Finding(severity="error", code="x", message="<img src=y>")],
    )
    page = render_html(report(hostile))
    assert "<script>alert(1)" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;.pdf" in page
    assert "<img src=y>" not in page
    assert "<b>x</b>" not in page


def test_html_loads_nothing_from_outside() -> None:
    page = render_html(report(doc("a.pdf", Indication.PASSED)))
    assert "default-src 'none'" in page
    for marker in ("http://", "https://", "<link", " src="):
        assert marker not in page


def test_text_summary_names_documents_to_look_at() -> None:
    text = render_text(
        report(
            doc("ok.pdf", Indication.PASSED, renew_before=dt.date(2026, 4, 1)),
            doc("bad.pdf", None, error="cannot be read"),
        )
    )
    assert "1 PASSED, 1 UNREADABLE" in text
    assert "UNREADABLE    bad.pdf: cannot be read" in text
    assert "2026-04-01  ok.pdf" in text


def test_json_round_trips() -> None:
    original = report(doc("a.pdf", Indication.PASSED))
    assert AuditReport.model_validate_json(render_json(original)) == original
