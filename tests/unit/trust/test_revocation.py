"""The revocation check: CRLs authenticated by the issuing CA, and the policy without one."""

from __future__ import annotations

import datetime as dt

import pytest
from cryptography import x509
from tests.unit.trust.support import AT, FIXTURES, FakeFetcher, cert, crl

from sealdoc.report import Check, CheckStatus, SubIndication
from sealdoc.trust import RevocationPolicy, TrustList, TrustMaterial, check_revocation
from sealdoc.twoddoc.participants import evaluate_participant

FR98_CA = cert("ca/FR98_ca.pem")
VALID = cert("participants/FR98_0001.pem")
REVOKED = cert("participants/FR98_0003.pem")  # revoked 2024-03-01, key compromise
CRL_URL = "http://crl.sealdoc.test/FR98.crl"


def revocation(
    participant: x509.Certificate,
    policy: RevocationPolicy,
    *,
    crls: tuple[x509.CertificateRevocationList, ...] = (),
    fetcher: FakeFetcher | None = None,
    signature_date: dt.date | None = dt.date(2024, 5, 1),
    issuers: tuple[x509.Certificate, ...] = (FR98_CA,),
) -> Check:
    return check_revocation(
        participant,
        issuers=issuers,
        signature_date=signature_date,
        at=AT,
        policy=policy,
        crls=crls,
        fetcher=fetcher,
    )


@pytest.mark.parametrize("policy", [RevocationPolicy.HARD_FAIL, RevocationPolicy.SOFT_FAIL])
def test_certificate_revoked_before_signature_date_fails(policy: RevocationPolicy) -> None:
    check = revocation(REVOKED, policy, crls=(crl("FR98.crl"),))
    assert check.status is CheckStatus.FAILED
    assert check.sub_indication is SubIndication.REVOKED
    assert "2024-03-01" in check.message
    assert "keyCompromise" in check.message


def test_certificate_revoked_after_signature_date_is_never_accepted() -> None:
    check = revocation(
        REVOKED,
        RevocationPolicy.SOFT_FAIL,
        crls=(crl("FR98.crl"),),
        signature_date=dt.date(2023, 1, 1),
    )
    assert check.status is CheckStatus.INDETERMINATE
    assert check.sub_indication is SubIndication.REVOKED_NO_POE


def test_certificate_revoked_on_the_signature_day_is_not_accepted() -> None:
    check = revocation(
        REVOKED,
        RevocationPolicy.HARD_FAIL,
        crls=(crl("FR98.crl"),),
        signature_date=dt.date(2024, 3, 1),
    )
    assert check.sub_indication is SubIndication.REVOKED_NO_POE


def test_certificate_not_on_current_crl_passes() -> None:
    check = revocation(VALID, RevocationPolicy.HARD_FAIL, crls=(crl("FR98.crl"),))
    assert check.status is CheckStatus.PASSED
    assert "not revoked" in check.message


def test_missing_crl_under_hard_fail_is_indeterminate_try_later() -> None:
    check = revocation(VALID, RevocationPolicy.HARD_FAIL)
    assert check.status is CheckStatus.INDETERMINATE
    assert check.sub_indication is SubIndication.TRY_LATER


def test_missing_crl_under_soft_fail_is_skipped_with_a_message() -> None:
    check = revocation(VALID, RevocationPolicy.SOFT_FAIL)
    assert check.status is CheckStatus.SKIPPED
    assert "unknown" in check.message
    assert "soft-fail" in check.message


def test_policy_off_skips_and_fetches_nothing() -> None:
    fetcher = FakeFetcher()
    check = revocation(REVOKED, RevocationPolicy.OFF, crls=(crl("FR98.crl"),), fetcher=fetcher)
    assert check.status is CheckStatus.SKIPPED
    assert fetcher.calls == []


def test_only_a_stale_crl_counts_as_missing() -> None:
    check = revocation(VALID, RevocationPolicy.HARD_FAIL, crls=(crl("FR98_stale.crl"),))
    assert check.sub_indication is SubIndication.TRY_LATER
    assert "expired on 2022-02-01" in check.message


def test_revocation_on_a_stale_crl_still_counts() -> None:
    """A CRL past its next update still proves a revocation it lists."""
    stale_listing = x509.load_der_x509_crl((FIXTURES / "crl" / "FR98.crl").read_bytes())
    later = dt.datetime(2036, 1, 1, tzinfo=dt.UTC)
    check = check_revocation(
        REVOKED,
        issuers=(FR98_CA,),
        signature_date=dt.date(2025, 1, 1),
        at=later,
        policy=RevocationPolicy.SOFT_FAIL,
        crls=(stale_listing,),
    )
    assert check.sub_indication is SubIndication.REVOKED


def test_crl_not_signed_by_the_ca_is_ignored() -> None:
    check = revocation(
        REVOKED, RevocationPolicy.HARD_FAIL, crls=(crl("FR98_signed_by_attacker.crl"),)
    )
    assert check.sub_indication is SubIndication.TRY_LATER
    assert "does not verify" in check.message


def test_attacker_crl_does_not_hide_a_genuine_revocation() -> None:
    check = revocation(
        REVOKED,
        RevocationPolicy.HARD_FAIL,
        crls=(crl("FR98_signed_by_attacker.crl"), crl("FR98.crl")),
    )
    assert check.sub_indication is SubIndication.REVOKED


def test_crl_of_another_ca_is_not_used() -> None:
    check = revocation(VALID, RevocationPolicy.HARD_FAIL, crls=(crl("FR97.crl"),))
    assert check.sub_indication is SubIndication.TRY_LATER


def test_crl_fetched_from_the_distribution_point() -> None:
    fetcher = FakeFetcher({CRL_URL: (FIXTURES / "crl" / "FR98.crl").read_bytes()})
    check = revocation(REVOKED, RevocationPolicy.HARD_FAIL, fetcher=fetcher)
    assert check.sub_indication is SubIndication.REVOKED
    assert fetcher.calls == [CRL_URL]


def test_distribution_point_not_fetched_when_a_current_crl_is_at_hand() -> None:
    fetcher = FakeFetcher()
    check = revocation(VALID, RevocationPolicy.HARD_FAIL, crls=(crl("FR98.crl"),), fetcher=fetcher)
    assert check.status is CheckStatus.PASSED
    assert fetcher.calls == []


def test_stale_local_crl_is_refreshed_through_the_fetcher() -> None:
    fetcher = FakeFetcher({CRL_URL: (FIXTURES / "crl" / "FR98.crl").read_bytes()})
    check = revocation(
        VALID, RevocationPolicy.HARD_FAIL, crls=(crl("FR98_stale.crl"),), fetcher=fetcher
    )
    assert check.status is CheckStatus.PASSED
    assert fetcher.calls == [CRL_URL]


@pytest.mark.parametrize(
    ("policy", "status"),
    [
        (RevocationPolicy.HARD_FAIL, CheckStatus.INDETERMINATE),
        (RevocationPolicy.SOFT_FAIL, CheckStatus.SKIPPED),
    ],
)
def test_unreachable_distribution_point_follows_the_policy(
    policy: RevocationPolicy, status: CheckStatus
) -> None:
    fetcher = FakeFetcher()
    check = revocation(VALID, policy, fetcher=fetcher)
    assert check.status is status
    assert "connection refused" in check.message


def test_garbage_from_the_distribution_point_follows_the_policy() -> None:
    fetcher = FakeFetcher({CRL_URL: b"<html>oops</html>"})
    check = revocation(VALID, RevocationPolicy.HARD_FAIL, fetcher=fetcher)
    assert check.sub_indication is SubIndication.TRY_LATER
    assert "not a CRL" in check.message


def test_unknown_issuer_certificate_cannot_authenticate_a_crl() -> None:
    check = revocation(VALID, RevocationPolicy.HARD_FAIL, crls=(crl("FR98.crl"),), issuers=())
    assert check.sub_indication is SubIndication.TRY_LATER
    assert "issuing CA's certificate is not known" in check.message


def test_evaluation_uses_directory_crls_and_tsl_ca(test_tsl: TrustList) -> None:
    trust = TrustMaterial(trust_list=test_tsl, crls=(crl("FR98.crl"),))
    checks = evaluate_participant(
        REVOKED,
        ca_id="FR98",
        signature_date=dt.date(2024, 5, 1),
        at=AT,
        trust=trust,
        revocation=RevocationPolicy.HARD_FAIL,
    )
    assert checks[0].status is CheckStatus.PASSED
    assert checks[2].sub_indication is SubIndication.REVOKED
