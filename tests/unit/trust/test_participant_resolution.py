"""A participant certificate is found by (CA id, certificate id), and never by a fallback."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from tests.unit.trust.support import FIXTURES, FakeFetcher, cert, key

from sealdoc.report import SubIndication
from sealdoc.trust import TrustList, TrustMaterial
from sealdoc.twoddoc.participants import resolve_participant

STORE_URL = "http://certs.sealdoc.test/FR98/certstore.p7c"


def test_certificate_found_by_subject_among_random_file_names(
    scattered: Callable[..., Path], test_tsl: TrustList
) -> None:
    loaded = TrustMaterial.load(
        certs_dir=scattered(
            "participants/FR98_0001.pem", "participants/FR98_0002.pem", "participants/FR97_0001.pem"
        )
    )
    trust = TrustMaterial(trust_list=test_tsl, certificates=loaded.certificates)
    found = resolve_participant("FR98", "0002", trust=trust)
    assert found.certificate == cert("participants/FR98_0002.pem")
    assert found.source == "certificate directory"


def test_unknown_certificate_id_never_falls_back_to_the_only_certificate_of_the_ca(
    test_tsl: TrustList,
) -> None:
    trust = TrustMaterial(trust_list=test_tsl, certificates=(cert("participants/FR98_0001.pem"),))
    found = resolve_participant("FR98", "0009", trust=trust)
    assert found.certificate is None
    assert found.ca_known
    assert found.missing_sub_indication is SubIndication.NO_SIGNING_CERTIFICATE_FOUND


def test_same_certificate_id_under_another_ca_is_not_used(test_tsl: TrustList) -> None:
    trust = TrustMaterial(trust_list=test_tsl, certificates=(cert("participants/FR97_0001.pem"),))
    assert resolve_participant("FR98", "0001", trust=trust).certificate is None


def test_ca_certificate_is_never_taken_for_a_participant(test_tsl: TrustList) -> None:
    trust = TrustMaterial(trust_list=test_tsl, certificates=(cert("ca/FR98_ca.pem"),))
    assert resolve_participant("FR98", "FR98", trust=trust).certificate is None


def test_unknown_ca_id_is_reported_as_no_chain(test_tsl: TrustList) -> None:
    found = resolve_participant("FR42", "0001", trust=TrustMaterial(trust_list=test_tsl))
    assert found.certificate is None
    assert not found.ca_known
    assert found.missing_sub_indication is SubIndication.NO_CERTIFICATE_CHAIN_FOUND


def test_genuine_certificate_preferred_over_forged_one_with_same_names(
    test_tsl: TrustList,
) -> None:
    genuine = cert("participants/FR98_0001.pem")
    forged = cert("forged/FR98_0001_signed_by_attacker.pem")
    trust = TrustMaterial(trust_list=test_tsl, certificates=(forged, genuine))
    assert resolve_participant("FR98", "0001", trust=trust).certificate == genuine


def test_forged_certificate_alone_is_returned_for_the_chain_check_to_reject(
    test_tsl: TrustList,
) -> None:
    forged = cert("forged/FR98_0001_signed_by_attacker.pem")
    trust = TrustMaterial(trust_list=test_tsl, certificates=(forged,))
    assert resolve_participant("FR98", "0001", trust=trust).certificate == forged


def test_participant_certificate_given_as_anchor_is_found() -> None:
    test_cert = cert("real/FR00_0001_test_cert.pem")
    found = resolve_participant("FR00", "0001", trust=TrustMaterial(anchors=(test_cert,)))
    assert found.certificate == test_cert
    assert found.source == "trust anchor"
    assert found.ca_known


def test_anchor_for_another_certificate_id_is_not_used() -> None:
    test_cert = cert("real/FR00_0001_test_cert.pem")
    found = resolve_participant("FR00", "0002", trust=TrustMaterial(anchors=(test_cert,)))
    assert found.certificate is None
    assert found.missing_sub_indication is SubIndication.NO_SIGNING_CERTIFICATE_FOUND


def test_certificate_fetched_from_the_ca_store_listed_in_the_tsl(test_tsl: TrustList) -> None:
    store = (FIXTURES / "certstore" / "FR98_certstore.p7c").read_bytes()
    fetcher = FakeFetcher({STORE_URL: store})
    found = resolve_participant(
        "FR98", "0003", trust=TrustMaterial(trust_list=test_tsl, fetcher=fetcher)
    )
    assert found.certificate == cert("participants/FR98_0003.pem")
    assert found.source == STORE_URL
    assert fetcher.calls == [STORE_URL]


def test_fetched_store_without_the_id_does_not_fall_back(test_tsl: TrustList) -> None:
    store = (FIXTURES / "certstore" / "FR98_certstore.p7c").read_bytes()
    fetcher = FakeFetcher({STORE_URL: store})
    found = resolve_participant(
        "FR98", "0009", trust=TrustMaterial(trust_list=test_tsl, fetcher=fetcher)
    )
    assert found.certificate is None
    assert any("no certificate 0009" in note for note in found.notes)


def test_unreachable_store_is_noted(test_tsl: TrustList) -> None:
    fetcher = FakeFetcher()
    found = resolve_participant(
        "FR98", "0001", trust=TrustMaterial(trust_list=test_tsl, fetcher=fetcher)
    )
    assert found.certificate is None
    assert any("connection refused" in note for note in found.notes)


def test_store_is_not_fetched_when_the_certificate_is_in_the_directory(
    test_tsl: TrustList,
) -> None:
    fetcher = FakeFetcher()
    trust = TrustMaterial(
        trust_list=test_tsl, certificates=(cert("participants/FR98_0001.pem"),), fetcher=fetcher
    )
    assert resolve_participant("FR98", "0001", trust=trust).certificate is not None
    assert fetcher.calls == []


def test_without_fetcher_nothing_is_fetched(test_tsl: TrustList) -> None:
    found = resolve_participant("FR98", "0001", trust=TrustMaterial(trust_list=test_tsl))
    assert found.certificate is None
    assert found.notes == ()


def renewed(serial: int, not_before: str, not_after: str) -> x509.Certificate:
    """Another FR98 certificate with CN 0002, issued with the CA's fixture key."""
    old = cert("participants/FR98_0002.pem")
    return (
        x509.CertificateBuilder()
        .subject_name(old.subject)
        .issuer_name(old.issuer)
        .public_key(key("FR98_0002").public_key())
        .serial_number(serial)
        .not_valid_before(dt.datetime.fromisoformat(not_before).replace(tzinfo=dt.UTC))
        .not_valid_after(dt.datetime.fromisoformat(not_after).replace(tzinfo=dt.UTC))
        .sign(key("FR98"), hashes.SHA256())
    )


def test_renewed_certificate_valid_on_signature_date_is_chosen(test_tsl: TrustList) -> None:
    expired = cert("participants/FR98_0002.pem")  # 2020-06-01 .. 2022-06-01
    renewal = renewed(0x980022, "2022-06-01", "2032-06-01")
    trust = TrustMaterial(trust_list=test_tsl, certificates=(expired, renewal))
    early = resolve_participant("FR98", "0002", trust=trust, signature_date=dt.date(2021, 5, 1))
    late = resolve_participant("FR98", "0002", trust=trust, signature_date=dt.date(2024, 5, 1))
    assert early.certificate == expired
    assert late.certificate == renewal


def test_two_equally_valid_certificates_with_one_id_are_refused(test_tsl: TrustList) -> None:
    first = renewed(0x980031, "2022-06-01", "2032-06-01")
    second = renewed(0x980032, "2022-06-01", "2032-06-01")
    trust = TrustMaterial(trust_list=test_tsl, certificates=(first, second))
    found = resolve_participant("FR98", "0002", trust=trust, signature_date=dt.date(2024, 5, 1))
    assert found.certificate is None
    assert any("several distinct certificates" in note for note in found.notes)
    assert found.missing_sub_indication is SubIndication.NO_SIGNING_CERTIFICATE_FOUND
