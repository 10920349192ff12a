"""check_participant, as verify.py calls it; and the signature check when nothing is found."""

from __future__ import annotations

import datetime as dt

from tests.unit.trust.support import AT, cert, crl

from sealdoc.report import CheckStatus, SubIndication, VerificationReport
from sealdoc.trust import RevocationPolicy, TrustList, TrustMaterial
from sealdoc.twoddoc.participants import check_participant


def test_found_certificate_is_evaluated_with_all_three_checks(test_tsl: TrustList) -> None:
    trust = TrustMaterial(
        trust_list=test_tsl,
        certificates=(cert("participants/FR98_0001.pem"),),
        crls=(crl("FR98.crl"),),
    )
    result = check_participant(
        "FR98",
        "0001",
        signature_date=dt.date(2024, 5, 1),
        at=AT,
        trust=trust,
        revocation=RevocationPolicy.HARD_FAIL,
    )
    assert result.certificate == cert("participants/FR98_0001.pem")
    assert [c.status for c in result.checks] == [CheckStatus.PASSED] * 3


def test_unknown_certificate_reports_no_signing_certificate(test_tsl: TrustList) -> None:
    trust = TrustMaterial(trust_list=test_tsl, certificates=(cert("participants/FR98_0001.pem"),))
    result = check_participant(
        "FR98",
        "0002",
        signature_date=dt.date(2024, 5, 1),
        at=AT,
        trust=trust,
        revocation=RevocationPolicy.HARD_FAIL,
    )
    assert result.certificate is None
    signature = result.signature_unavailable()
    report = VerificationReport.from_checks(
        [signature, *result.checks], format="2d-doc", verified_at=AT
    )
    assert report.indication.value == "INDETERMINATE"
    assert report.sub_indication is SubIndication.NO_SIGNING_CERTIFICATE_FOUND
    assert [c.status for c in result.checks[1:]] == [CheckStatus.SKIPPED] * 2


def test_unknown_ca_reports_no_certificate_chain(test_tsl: TrustList) -> None:
    result = check_participant(
        "FR42",
        "0001",
        signature_date=dt.date(2024, 5, 1),
        at=AT,
        trust=TrustMaterial(trust_list=test_tsl),
        revocation=RevocationPolicy.HARD_FAIL,
    )
    assert result.signature_unavailable().sub_indication is SubIndication.NO_CERTIFICATE_CHAIN_FOUND
    assert result.checks[0].sub_indication is SubIndication.NO_CERTIFICATE_CHAIN_FOUND
    assert "FR42" in result.checks[0].message


def test_nothing_trusted_at_all_reports_no_certificate_chain() -> None:
    result = check_participant(
        "FR00",
        "0001",
        signature_date=dt.date(2013, 3, 1),
        at=AT,
        trust=TrustMaterial(),
        revocation=RevocationPolicy.SOFT_FAIL,
    )
    assert result.certificate is None
    assert result.signature_unavailable().sub_indication is SubIndication.NO_CERTIFICATE_CHAIN_FOUND


def test_spec_test_certificate_as_anchor_under_soft_fail_has_no_failure() -> None:
    test_cert = cert("real/FR00_0001_test_cert.pem")
    result = check_participant(
        "FR00",
        "0001",
        signature_date=dt.date(2013, 3, 1),
        at=AT,
        trust=TrustMaterial(anchors=(test_cert,)),
        revocation=RevocationPolicy.SOFT_FAIL,
    )
    statuses = [c.status for c in result.checks]
    assert statuses == [CheckStatus.PASSED, CheckStatus.PASSED, CheckStatus.SKIPPED]


def test_spec_test_certificate_as_anchor_under_hard_fail_is_indeterminate() -> None:
    """No CA certificate for FR00 exists, so no CRL can be authenticated."""
    test_cert = cert("real/FR00_0001_test_cert.pem")
    result = check_participant(
        "FR00",
        "0001",
        signature_date=dt.date(2013, 3, 1),
        at=AT,
        trust=TrustMaterial(anchors=(test_cert,)),
        revocation=RevocationPolicy.HARD_FAIL,
    )
    assert result.checks[2].sub_indication is SubIndication.TRY_LATER
