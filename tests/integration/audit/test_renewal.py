"""``archive renew``: end to end against the local TSA, then offline validation after the original
time-stamp certificate expired; crash safety and resumption."""

from __future__ import annotations

import datetime as dt
import io
import json
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner
from pyhanko.pdf_utils.reader import PdfFileReader
from tests.support.audit_pki import AuditServices, write_archive

from sealdoc._internal.cli.audit import archive_group
from sealdoc.audit.renew import RenewalOutcome, RenewalReport, renew_archive, renew_pdf
from sealdoc.audit.runner import audit_archive
from sealdoc.audit.scan import JOURNAL_NAME
from sealdoc.errors import SealingError
from sealdoc.pades import verify_pdf
from sealdoc.report import Indication
from sealdoc.trust import TrustMaterial

#: After the expiring TSA's certificate (2026-04-01), while the renewal's data is still fresh.
OFFLINE_CHECK = dt.datetime(2026, 5, 1, tzinfo=dt.UTC)
BEFORE = dt.date(2027, 1, 1)
LAYOUT = {
    "a-lt.pdf": "expiring",
    "b-t.pdf": "expiring-B-T",
    "c-lta.pdf": "expiring-B-LTA",
    "d-long.pdf": "lt-1",
    "e-sha1.pdf": "sha1",
}
DUE = ["a-lt.pdf", "b-t.pdf", "c-lta.pdf"]


class Interrupted(Exception):
    pass


def doc_timestamps(data: bytes) -> int:
    return len(PdfFileReader(io.BytesIO(data)).embedded_timestamp_signatures)


@pytest.fixture
def fonds(tmp_path: Path, sealed: dict[str, bytes]) -> Path:
    return write_archive(tmp_path / "fonds", sealed, LAYOUT)


def renew(
    root: Path,
    trust: TrustMaterial,
    services: AuditServices,
    at: dt.datetime,
    after_each: Callable[[RenewalOutcome], None] | None = None,
) -> RenewalReport:
    return renew_archive(
        root,
        trust=trust,
        at=at,
        tsa_url=services.tsa_url("tsa-renewal"),
        before=BEFORE,
        after_each=after_each,
    )


def test_renewal_appends_and_the_archive_validates_offline_after_the_old_tsa_expired(
    fonds: Path,
    sealed: dict[str, bytes],
    trust: TrustMaterial,
    services: AuditServices,
    later: dt.datetime,
) -> None:
    report = renew(fonds, trust, services, later)
    actions = {o.path: o.action for o in report.outcomes}
    assert actions == {
        "a-lt.pdf": "renewed",
        "b-t.pdf": "renewed",
        "c-lta.pdf": "renewed",
        "d-long.pdf": "up-to-date",
        "e-sha1.pdf": "skipped",
    }
    assert report.exit_status == 3  # the SHA-1 document was not renewed
    for name in DUE:
        original, renewed = sealed[LAYOUT[name]], (fonds / name).read_bytes()
        assert renewed.startswith(original)  # an incremental update: original bytes untouched
        assert doc_timestamps(renewed) == doc_timestamps(original) + 1
    assert (fonds / "d-long.pdf").read_bytes() == sealed["lt-1"]

    # offline (no fetcher), after the expiring TSA's certificate ran out
    for name in DUE:
        renewed_report = verify_pdf(fonds / name, trust=[services.root], at=OFFLINE_CHECK)
        assert renewed_report.indication is Indication.PASSED, (name, renewed_report.checks)
        assert renewed_report.signatures[0].level == "B-LTA"
        original_report = verify_pdf(sealed[LAYOUT[name]], trust=[services.root], at=OFFLINE_CHECK)
        assert original_report.indication is not Indication.PASSED

    audit = audit_archive(fonds, trust=trust, at=OFFLINE_CHECK)
    docs = {d.path: d for d in audit.documents}
    for name in DUE:
        assert docs[name].verdict is Indication.PASSED
        assert docs[name].level == "B-LTA"
        assert docs[name].renew_before == dt.date(2030, 12, 31)  # the new TSA's RSA-2048 key


def test_renewing_again_changes_nothing(
    fonds: Path, trust: TrustMaterial, services: AuditServices, later: dt.datetime
) -> None:
    renew(fonds, trust, services, later)
    before = {p.name: p.read_bytes() for p in fonds.glob("*.pdf")}
    again = renew(fonds, trust, services, later)
    assert {o.action for o in again.outcomes} == {"up-to-date", "skipped"}
    assert {p.name: p.read_bytes() for p in fonds.glob("*.pdf")} == before
    assert again.resumed is False


def test_interrupted_renewal_resumes_without_renewing_twice(
    fonds: Path,
    sealed: dict[str, bytes],
    trust: TrustMaterial,
    services: AuditServices,
    later: dt.datetime,
) -> None:
    def crash(outcome: RenewalOutcome) -> None:
        if outcome.action == "renewed":
            raise Interrupted

    with pytest.raises(Interrupted):
        renew(fonds, trust, services, later, after_each=crash)
    assert (fonds / "a-lt.pdf").read_bytes() != sealed["expiring"]  # the first one was renewed
    assert (fonds / "b-t.pdf").read_bytes() == sealed["expiring-B-T"]  # the others not yet

    resumed = renew(fonds, trust, services, later)
    assert resumed.resumed is True
    assert {o.path for o in resumed.outcomes if o.action == "renewed"} == set(DUE)
    for name in DUE:
        renewed = (fonds / name).read_bytes()
        assert doc_timestamps(renewed) == doc_timestamps(sealed[LAYOUT[name]]) + 1
    events = [json.loads(line)["event"] for line in (fonds / JOURNAL_NAME).read_text().splitlines()]
    assert events.count("run") == 1
    assert events[-1] == "finished"


def test_renewal_landed_just_before_a_crash_is_recognised(
    fonds: Path,
    sealed: dict[str, bytes],
    trust: TrustMaterial,
    services: AuditServices,
    later: dt.datetime,
) -> None:
    # the file was replaced, but the crash came before the journal said "done"
    original = sealed["expiring"]
    renewed = renew_pdf(original, trust=trust, at=later, tsa_url=services.tsa_url("tsa-renewal"))
    (fonds / "a-lt.pdf").write_bytes(renewed)
    import hashlib

    journal = fonds / JOURNAL_NAME
    journal.write_text(
        json.dumps({"event": "run", "at": later.isoformat()})
        + "\n"
        + json.dumps(
            {
                "event": "started",
                "path": "a-lt.pdf",
                "size": len(original),
                "sha256": hashlib.sha256(original).hexdigest(),
            }
        )
        + "\n"
        + '{"event": "done", "path": "a-l'  # a line cut by the crash
    )
    report = renew(fonds, trust, services, later)
    actions = {o.path: o.action for o in report.outcomes}
    assert actions["a-lt.pdf"] == "recovered"
    assert (fonds / "a-lt.pdf").read_bytes() == renewed  # not renewed a second time


def test_unreachable_tsa_fails_and_leaves_documents_untouched(
    fonds: Path, sealed: dict[str, bytes], trust: TrustMaterial, later: dt.datetime
) -> None:
    report = renew_archive(
        fonds, trust=trust, at=later, tsa_url="http://127.0.0.1:9/tsa", before=BEFORE
    )
    assert report.count("failed") == 3
    assert report.exit_status == 1
    for name, doc in LAYOUT.items():
        assert (fonds / name).read_bytes() == sealed[doc]


def test_renew_pdf_refuses_without_a_tsa(sealed: dict[str, bytes], trust: TrustMaterial) -> None:
    with pytest.raises(SealingError, match="time-stamping authority"):
        renew_pdf(sealed["expiring"], trust=trust, at=dt.datetime(2026, 3, 20, tzinfo=dt.UTC))


def test_archive_renew_command(
    tmp_path: Path, sealed: dict[str, bytes], services: AuditServices, later: dt.datetime
) -> None:
    root = write_archive(tmp_path / "cli", sealed, {"a.pdf": "expiring", "b.pdf": "lt-1"})
    anchor = services.write_root(tmp_path / "trust")
    result = CliRunner().invoke(
        archive_group,
        [
            "renew",
            str(root),
            "--tsa",
            services.tsa_url("tsa-renewal"),
            "--before",
            BEFORE.isoformat(),
            "--trust-cert",
            str(anchor),
            "--at",
            later.isoformat(),
        ],
    )
    assert result.exit_code == 0, result.output
    assert "renewed    a.pdf" in result.output
    assert "Renewed 1, up to date 1, not renewed 0, failed 0" in result.output
