import datetime as dt

import pytest

from sealdoc.errors import SealdocError, VerificationFailed
from sealdoc.report import (
    Check,
    CheckStatus,
    Indication,
    SubIndication,
    VerificationReport,
    conclude,
)

AT = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)


def _report(*checks: Check) -> VerificationReport:
    return VerificationReport.from_checks(checks, format="2d-doc", verified_at=AT)


def test_all_checks_passed_gives_passed() -> None:
    report = _report(Check.passed("signature", "ok"), Check.skipped("revocation", "off"))
    assert report.indication is Indication.PASSED
    assert report.sub_indication is None
    assert report.raise_for_status() is report


def test_one_failure_among_passes_fails_with_its_sub_indication() -> None:
    report = _report(
        Check.passed("certificate_chain", "ok"),
        Check.failed("signature", "bad", SubIndication.SIG_CRYPTO_FAILURE),
        Check.indeterminate("revocation", "no CRL", SubIndication.TRY_LATER),
    )
    assert report.indication is Indication.FAILED
    assert report.sub_indication is SubIndication.SIG_CRYPTO_FAILURE
    # every check is kept, not only the first failure
    assert [c.id for c in report.checks] == ["certificate_chain", "signature", "revocation"]


def test_indeterminate_without_failure_is_indeterminate() -> None:
    report = _report(
        Check.passed("signature", "ok"),
        Check.indeterminate(
            "certificate_chain", "unknown CA", SubIndication.NO_CERTIFICATE_CHAIN_FOUND
        ),
    )
    assert report.indication is Indication.INDETERMINATE
    assert report.sub_indication is SubIndication.NO_CERTIFICATE_CHAIN_FOUND


@pytest.mark.parametrize(
    "checks", [(), (Check.skipped("signature", "not run"),)], ids=["no-checks", "all-skipped"]
)
def test_nothing_verified_never_passes(checks: tuple[Check, ...]) -> None:
    assert conclude(checks)[0] is Indication.INDETERMINATE


def test_raise_for_status_raises_a_sealdoc_error_naming_the_failed_check() -> None:
    report = _report(Check.failed("fields", "field 10 missing", SubIndication.FORMAT_FAILURE))
    with pytest.raises(VerificationFailed, match="fields: field 10 missing") as info:
        report.raise_for_status()
    assert isinstance(info.value, SealdocError)
    assert info.value.indication == "FAILED"


def test_report_is_frozen_and_round_trips_through_json() -> None:
    report = _report(Check.passed("signature", "ok"))
    with pytest.raises(ValueError, match="frozen"):
        report.indication = Indication.FAILED  # type: ignore[misc]
    again = VerificationReport.model_validate_json(report.model_dump_json())
    assert again == report
    assert again.check("signature").status is CheckStatus.PASSED
