"""The `sealdoc verify` contract: inputs, --json lines, exit statuses, errors without traceback."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from .conftest import ROOT, Sealdoc

FIELDS = {"10": "MME/SPECIMEN/CORINNE", "22": "12 RUE DE LA PAIX", "24": "75002", "26": "FR"}


@pytest.fixture
def signed_code(sealdoc: Sealdoc, tmp_path: Path, fr98_signing: list[str]) -> Path:
    fields = tmp_path / "fields.json"
    fields.write_text(json.dumps(FIELDS))
    out = tmp_path / "code.txt"
    done = sealdoc(
        "2ddoc",
        "sign",
        "--type",
        "01",
        "--fields",
        fields,
        *fr98_signing,
        "--signature-date",
        "2026-03-01",
        "-o",
        out,
        "--png",
        tmp_path / "code.png",
    )
    assert done.returncode == 0, done.stderr
    return out


def test_genuine_code_passes_with_exit_status_0(
    sealdoc: Sealdoc, signed_code: Path, fr98_trust: list[str]
) -> None:
    done = sealdoc("verify", signed_code, *fr98_trust)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "PASSED" in done.stdout


def test_json_prints_one_report_per_input_one_per_line(
    sealdoc: Sealdoc, signed_code: Path, tmp_path: Path, fr98_trust: list[str]
) -> None:
    done = sealdoc("verify", signed_code, tmp_path / "code.png", "--json", *fr98_trust)
    lines = done.stdout.strip().splitlines()
    assert len(lines) == 2
    reports = [json.loads(line) for line in lines]
    assert [r["indication"] for r in reports] == ["PASSED", "PASSED"]
    assert {c["id"] for c in reports[0]["checks"]} >= {
        "signature",
        "certificate_chain",
        "validity_at_signing",
        "revocation",
        "fields",
    }
    fields = {f["id"]: f for f in reports[0]["twoddoc"]["fields"]}
    assert fields["24"]["raw"] == "75002"
    assert fields["24"]["name"].startswith("Code postal")
    assert reports[0]["twoddoc"]["header"]["ca_id"] == "FR98"


def test_altered_code_fails_with_exit_status_1(
    sealdoc: Sealdoc, signed_code: Path, tmp_path: Path, fr98_trust: list[str]
) -> None:
    forged = tmp_path / "forged.txt"
    forged.write_bytes(signed_code.read_bytes().replace(b"75002", b"75003"))
    done = sealdoc("verify", forged, "--json", *fr98_trust)
    assert done.returncode == 1
    report = json.loads(done.stdout)
    assert report["indication"] == "FAILED"
    assert report["sub_indication"] == "SIG_CRYPTO_FAILURE"


def test_code_from_an_untrusted_authority_is_indeterminate_exit_3(
    sealdoc: Sealdoc, signed_code: Path
) -> None:
    done = sealdoc("verify", signed_code, "--json", "--at", "2026-03-02T12:00:00Z")
    assert done.returncode == 3
    assert json.loads(done.stdout)["indication"] == "INDETERMINATE"


def test_unreadable_input_prints_a_typed_error_and_exit_4(
    sealdoc: Sealdoc, signed_code: Path, tmp_path: Path, fr98_trust: list[str]
) -> None:
    truncated = tmp_path / "truncated.txt"
    truncated.write_bytes(signed_code.read_bytes()[:20])
    garbage = tmp_path / "garbage.bin"
    garbage.write_bytes(b"\x00\x01 not a document")
    done = sealdoc(
        "verify", signed_code, truncated, garbage, tmp_path / "missing.pdf", "--json", *fr98_trust
    )
    assert done.returncode == 4
    lines = [json.loads(line) for line in done.stdout.strip().splitlines()]
    assert lines[0]["indication"] == "PASSED"
    for line in lines[1:]:
        assert set(line) == {"input", "error"}
        assert set(line["error"]) == {"type", "message"}
        assert line["error"]["message"]
    assert lines[1]["error"]["type"] == "ParseError"
    assert "Traceback" not in done.stderr


def test_failure_outranks_unreadable_input(
    sealdoc: Sealdoc, signed_code: Path, tmp_path: Path, fr98_trust: list[str]
) -> None:
    forged = tmp_path / "forged.txt"
    forged.write_bytes(signed_code.read_bytes().replace(b"75002", b"75003"))
    done = sealdoc("verify", forged, tmp_path / "missing.txt", *fr98_trust)
    assert done.returncode == 1


def test_usage_error_exits_2(sealdoc: Sealdoc) -> None:
    assert sealdoc("verify").returncode == 2
    assert sealdoc("verify", "x", "--revocation", "sometimes").returncode == 2
    assert sealdoc("verify", "x", "--at", "yesterday").returncode == 2


def test_human_output_lists_every_check_without_traceback(
    sealdoc: Sealdoc, signed_code: Path, fr98_trust: list[str]
) -> None:
    done = sealdoc("verify", signed_code, *fr98_trust)
    for check in ("signature", "certificate_chain", "validity_at_signing", "revocation", "fields"):
        assert check in done.stdout


def test_bad_key_password_is_one_line_error(sealdoc: Sealdoc, tmp_path: Path) -> None:
    fields = tmp_path / "f.json"
    fields.write_text(json.dumps(FIELDS))
    trust = ROOT / "fixtures" / "trust"
    done = sealdoc(
        "2ddoc",
        "sign",
        "--type",
        "01",
        "--fields",
        fields,
        "--key",
        trust / "keys" / "FR98_0001.key.pem",
        "--cert",
        trust / "participants" / "FR98_0002.pem",
    )
    assert done.returncode == 1
    assert done.stderr.startswith("sealdoc: error:")
    assert "does not match" in done.stderr
    assert "Traceback" not in done.stderr


def test_field_breaking_its_rules_is_refused_naming_the_field(
    sealdoc: Sealdoc, tmp_path: Path, fr98_signing: list[str]
) -> None:
    fields = tmp_path / "f.json"
    fields.write_text(json.dumps({**FIELDS, "24": "75\u001d002"}))
    done = sealdoc("2ddoc", "sign", "--type", "01", "--fields", fields, *fr98_signing)
    assert done.returncode == 1
    assert "field 24" in done.stderr
