"""``sealdoc audit``: summary, reports written (HTML, JSON, CSV), exit statuses."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

from click.testing import CliRunner
from tests.support.audit_pki import AUDIT_TIME, TRUST_FIXTURES, AuditServices, write_archive

from sealdoc._internal.cli.audit import audit_command
from sealdoc.audit.render import CSV_COLUMNS


def trust_args(services: AuditServices, tmp_path: Path) -> list[str]:
    root = services.write_root(tmp_path / "trust")
    return [
        "--trust-cert",
        str(root),
        "--trust-cert",
        str(TRUST_FIXTURES / "ca" / "FR98_ca.pem"),
        "--certs",
        str(TRUST_FIXTURES / "participants"),
        "--at",
        AUDIT_TIME.isoformat(),
    ]


def test_audit_writes_every_report_and_exits_zero(
    archive: Path, services: AuditServices, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    out.mkdir()
    result = CliRunner().invoke(
        audit_command,
        [
            str(archive),
            *trust_args(services, tmp_path),
            "--report",
            str(out / "audit.html"),
            "--json",
            str(out / "audit.json"),
            "--csv",
            str(out / "audit.csv"),
            "--jobs",
            "2",
        ],
    )
    assert result.exit_code == 0, result.output
    assert "Audited 6 document(s)" in result.output
    assert "6 PASSED" in result.output
    assert "2026-04-01  2026/mars/attestation-004.pdf" in result.output
    assert f"HTML report: {out / 'audit.html'}" in result.output

    data = json.loads((out / "audit.json").read_text())
    assert data["summary"]["by_verdict"]["PASSED"] == 6
    assert data["documents"][0]["report"]["checks"]

    rows = list(csv.reader(io.StringIO((out / "audit.csv").read_text())))
    assert tuple(rows[0]) == CSV_COLUMNS
    assert len(rows) == 7
    assert {r[2] for r in rows[1:]} == {"PASSED"}

    html = (out / "audit.html").read_text()
    assert html.startswith("<!DOCTYPE html>")
    assert "http://" not in html
    assert "https://" not in html


def test_audit_exit_status_is_one_when_a_document_failed(
    tmp_path: Path, sealed: dict[str, bytes], services: AuditServices
) -> None:
    root = write_archive(tmp_path / "a", sealed, {"ok.pdf": "lt-1", "sha1.pdf": "sha1"})
    result = CliRunner().invoke(audit_command, [str(root), *trust_args(services, tmp_path)])
    assert result.exit_code == 1, result.output
    assert "FAILED        sha1.pdf" in result.output


def test_audit_exit_status_is_four_for_an_unreadable_document(
    tmp_path: Path, sealed: dict[str, bytes], services: AuditServices
) -> None:
    root = write_archive(tmp_path / "a", sealed, {"ok.pdf": "lt-1"})
    (root / "broken.pdf").write_bytes(b"%PDF-1.7\n garbage")
    result = CliRunner().invoke(audit_command, [str(root), *trust_args(services, tmp_path)])
    assert result.exit_code == 4, result.output
    assert "UNREADABLE    broken.pdf" in result.output


def test_audit_exit_status_is_three_when_nothing_is_trusted(
    tmp_path: Path, sealed: dict[str, bytes]
) -> None:
    root = write_archive(tmp_path / "a", sealed, {"ok.pdf": "lt-1"})
    stranger = TRUST_FIXTURES / "ca" / "FR99_ca.pem"
    result = CliRunner().invoke(
        audit_command,
        [str(root), "--trust-cert", str(stranger), "--at", AUDIT_TIME.isoformat()],
    )
    assert result.exit_code == 3, result.output
