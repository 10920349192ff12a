"""certificate_chain and validity_at_signing of a participant certificate, at the signature date."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from cryptography import x509
from tests.unit.trust.support import AT, FIXTURES, TSL_DIR, cert

from sealdoc.errors import TrustError
from sealdoc.report import Check, CheckStatus, SubIndication
from sealdoc.trust import (
    RevocationPolicy,
    TrustList,
    TrustListSignatureError,
    TrustMaterial,
    load_trust_list,
)
from sealdoc.twoddoc.participants import evaluate_participant

SIGNED_2024 = dt.date(2024, 5, 1)


def checks(
    participant: x509.Certificate,
    ca_id: str,
    trust: TrustMaterial,
    signature_date: dt.date | None = SIGNED_2024,
    at: dt.datetime = AT,
) -> dict[str, Check]:
    result = evaluate_participant(
        participant,
        ca_id=ca_id,
        signature_date=signature_date,
        at=at,
        trust=trust,
        revocation=RevocationPolicy.OFF,
    )
    assert [c.id for c in result] == ["certificate_chain", "validity_at_signing", "revocation"]
    return {c.id: c for c in result}


def test_certificate_of_granted_ca_in_tsl_chains(test_tsl: TrustList) -> None:
    chain = checks(cert("participants/FR98_0001.pem"), "FR98", TrustMaterial(trust_list=test_tsl))
    assert chain["certificate_chain"].status is CheckStatus.PASSED
    assert "granted" in chain["certificate_chain"].message


def test_certificate_of_ca_withdrawn_before_signature_date_is_not_trusted(
    test_tsl: TrustList,
) -> None:
    chain = checks(cert("participants/FR97_0001.pem"), "FR97", TrustMaterial(trust_list=test_tsl))
    assert chain["certificate_chain"].status is CheckStatus.INDETERMINATE
    assert chain["certificate_chain"].sub_indication is SubIndication.NO_CERTIFICATE_CHAIN_FOUND
    assert "revoked" in chain["certificate_chain"].message


def test_certificate_of_ca_withdrawn_after_signature_date_is_trusted(test_tsl: TrustList) -> None:
    chain = checks(
        cert("participants/FR97_0001.pem"),
        "FR97",
        TrustMaterial(trust_list=test_tsl),
        signature_date=dt.date(2022, 12, 31),
    )
    assert chain["certificate_chain"].status is CheckStatus.PASSED


def test_ca_listed_only_after_the_signature_date_is_not_trusted(test_tsl: TrustList) -> None:
    chain = checks(
        cert("participants/FR98_0002.pem"),
        "FR98",
        TrustMaterial(trust_list=test_tsl),
        signature_date=dt.date(2019, 12, 31),
    )
    assert chain["certificate_chain"].sub_indication is SubIndication.NO_CERTIFICATE_CHAIN_FOUND
    assert "not yet listed" in chain["certificate_chain"].message


def test_stale_tsl_cannot_vouch_for_a_later_signature_date(tsl_signer: x509.Certificate) -> None:
    stale = load_trust_list(
        (TSL_DIR / "tsl_test_stale_seq3_2022.xml").read_bytes(), signers=[tsl_signer]
    )
    chain = checks(cert("participants/FR98_0001.pem"), "FR98", TrustMaterial(trust_list=stale))
    assert chain["certificate_chain"].status is CheckStatus.INDETERMINATE
    assert chain["certificate_chain"].sub_indication is SubIndication.TRY_LATER
    assert "load a current list" in chain["certificate_chain"].message


def test_stale_tsl_still_vouches_for_signatures_before_its_next_update(
    tsl_signer: x509.Certificate,
) -> None:
    stale = load_trust_list(
        (TSL_DIR / "tsl_test_stale_seq3_2022.xml").read_bytes(), signers=[tsl_signer]
    )
    chain = checks(
        cert("participants/FR98_0001.pem"),
        "FR98",
        TrustMaterial(trust_list=stale),
        signature_date=dt.date(2022, 3, 1),
    )
    assert chain["certificate_chain"].status is CheckStatus.PASSED


def test_forged_certificate_naming_a_listed_ca_fails_the_chain(test_tsl: TrustList) -> None:
    chain = checks(
        cert("forged/FR98_0001_signed_by_attacker.pem"), "FR98", TrustMaterial(trust_list=test_tsl)
    )
    assert chain["certificate_chain"].status is CheckStatus.FAILED
    assert chain["certificate_chain"].sub_indication is (
        SubIndication.CERTIFICATE_CHAIN_GENERAL_FAILURE
    )


def test_certificate_of_ca_missing_from_tsl_is_indeterminate(test_tsl: TrustList) -> None:
    chain = checks(cert("participants/FR99_0001.pem"), "FR99", TrustMaterial(trust_list=test_tsl))
    assert chain["certificate_chain"].status is CheckStatus.INDETERMINATE
    assert chain["certificate_chain"].sub_indication is SubIndication.NO_CERTIFICATE_CHAIN_FOUND
    assert "FR99" in chain["certificate_chain"].message


def test_certificate_issued_by_ca_anchor_chains_without_tsl() -> None:
    trust = TrustMaterial(anchors=(cert("ca/FR99_ca.pem"),))
    chain = checks(cert("participants/FR99_0001.pem"), "FR99", trust)
    assert chain["certificate_chain"].status is CheckStatus.PASSED
    assert "trust anchor" in chain["certificate_chain"].message


def test_ca_anchor_for_another_ca_id_does_not_vouch() -> None:
    trust = TrustMaterial(anchors=(cert("ca/FR99_ca.pem"),))
    chain = checks(cert("participants/FR99_0001.pem"), "FR98", trust)
    assert chain["certificate_chain"].status is CheckStatus.INDETERMINATE


def test_participant_certificate_given_as_anchor_is_trusted_itself() -> None:
    """How the spec's reference codes verify: FR00/0001, whose CA certificate is unpublished."""
    test_cert = cert("real/FR00_0001_test_cert.pem")
    chain = checks(
        test_cert, "FR00", TrustMaterial(anchors=(test_cert,)), signature_date=dt.date(2013, 3, 1)
    )
    assert chain["certificate_chain"].status is CheckStatus.PASSED
    assert chain["validity_at_signing"].status is CheckStatus.PASSED


def test_anchor_used_for_another_ca_id_is_not_trusted() -> None:
    test_cert = cert("real/FR00_0001_test_cert.pem")
    chain = checks(test_cert, "FR01", TrustMaterial(anchors=(test_cert,)))
    assert chain["certificate_chain"].sub_indication is SubIndication.NO_CERTIFICATE_CHAIN_FOUND


def test_validity_judged_at_signature_date_not_today() -> None:
    """The spec test certificate expired in 2015; a code signed in 2014 is still valid in 2026."""
    test_cert = cert("real/FR00_0001_test_cert.pem")
    assert test_cert.not_valid_after_utc < AT
    chain = checks(
        test_cert, "FR00", TrustMaterial(anchors=(test_cert,)), signature_date=dt.date(2014, 6, 1)
    )
    assert chain["validity_at_signing"].status is CheckStatus.PASSED


def test_signature_date_after_expiry_fails_expired(test_tsl: TrustList) -> None:
    chain = checks(cert("participants/FR98_0002.pem"), "FR98", TrustMaterial(trust_list=test_tsl))
    assert chain["validity_at_signing"].status is CheckStatus.FAILED
    assert chain["validity_at_signing"].sub_indication is SubIndication.EXPIRED


def test_expired_certificate_passes_for_code_signed_while_valid(test_tsl: TrustList) -> None:
    chain = checks(
        cert("participants/FR98_0002.pem"),
        "FR98",
        TrustMaterial(trust_list=test_tsl),
        signature_date=dt.date(2021, 5, 1),
    )
    assert chain["validity_at_signing"].status is CheckStatus.PASSED
    assert chain["certificate_chain"].status is CheckStatus.PASSED


def test_signature_date_before_validity_fails_not_yet_valid(test_tsl: TrustList) -> None:
    chain = checks(
        cert("participants/FR98_0001.pem"),
        "FR98",
        TrustMaterial(trust_list=test_tsl),
        signature_date=dt.date(2020, 12, 30),
    )
    assert chain["validity_at_signing"].sub_indication is SubIndication.NOT_YET_VALID


@pytest.mark.parametrize("day", [dt.date(2021, 1, 1), dt.date(2030, 12, 31), dt.date(2031, 1, 1)])
def test_signature_on_a_boundary_day_of_validity_passes(test_tsl: TrustList, day: dt.date) -> None:
    """The certificate is valid 2021-01-01T00:00Z to 2031-01-01T00:00Z."""
    chain = checks(
        cert("participants/FR98_0001.pem"),
        "FR98",
        TrustMaterial(trust_list=test_tsl),
        signature_date=day,
        at=dt.datetime(2031, 6, 1, tzinfo=dt.UTC),
    )
    assert chain["validity_at_signing"].status is CheckStatus.PASSED


def test_signature_date_in_the_future_fails(test_tsl: TrustList) -> None:
    chain = checks(
        cert("participants/FR98_0001.pem"),
        "FR98",
        TrustMaterial(trust_list=test_tsl),
        signature_date=dt.date(2026, 3, 10),
    )
    assert chain["validity_at_signing"].status is CheckStatus.FAILED


def test_code_without_signature_date_is_judged_at_verification_time(test_tsl: TrustList) -> None:
    trust = TrustMaterial(trust_list=test_tsl)
    valid = checks(cert("participants/FR98_0001.pem"), "FR98", trust, signature_date=None)
    expired = checks(cert("participants/FR98_0002.pem"), "FR98", trust, signature_date=None)
    assert valid["validity_at_signing"].status is CheckStatus.PASSED
    assert expired["validity_at_signing"].sub_indication is SubIndication.OUT_OF_BOUNDS_NO_POE


def test_naive_verification_time_is_taken_as_utc(test_tsl: TrustList) -> None:
    chain = checks(
        cert("participants/FR98_0001.pem"),
        "FR98",
        TrustMaterial(trust_list=test_tsl),
        at=dt.datetime(2026, 3, 2, 10, 0),
    )
    assert chain["validity_at_signing"].status is CheckStatus.PASSED


def test_material_loaded_from_files_like_the_cli() -> None:
    trust = TrustMaterial.load(
        trust_certs=[FIXTURES / "real" / "FR00_0001_test_cert.pem"],
        tsl=TSL_DIR / "tsl_test.xml",
        tsl_signers=[TSL_DIR / "tsl_signer.pem"],
        certs_dir=FIXTURES / "participants",
    )
    assert trust.trust_list is not None
    assert trust.fetcher is None
    assert len(trust.anchors) == 1
    assert len(trust.certificates) == 5
    assert any("FR95" in note for note in trust.notes)


def test_material_with_tsl_but_no_pinned_signer_is_refused() -> None:
    with pytest.raises(TrustListSignatureError, match="--tsl-signer"):
        TrustMaterial.load(tsl=TSL_DIR / "tsl_test.xml")


def test_material_with_signer_but_no_tsl_is_refused() -> None:
    with pytest.raises(TrustError, match="without a trust list"):
        TrustMaterial.load(tsl_signers=[TSL_DIR / "tsl_signer.pem"])


def test_material_with_missing_anchor_file_is_refused(tmp_path: Path) -> None:
    with pytest.raises(TrustError, match="no such file"):
        TrustMaterial.load(trust_certs=[tmp_path / "absent.pem"])
