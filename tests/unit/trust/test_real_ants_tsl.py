"""The real ANTS trust list (sequence 13, 2018-12-17).

Its signature (RSA-SHA256, XAdES, by an ANTS agent's certificate valid 2017-06-06 to 2020-06-06)
verifies cryptographically over the list as ANTS signed it. The copy in the spec pack has its
``ServiceTypeIdentifier`` changed in five places after signing, so it must be refused.
"""

from __future__ import annotations

import datetime as dt

import pytest
from cryptography import x509
from cryptography.x509.oid import NameOID
from tests.unit.trust.support import AT, REAL_DIR, cert

from sealdoc.trust import ServiceStatus, TrustList, TrustListSignatureError, load_trust_list

AS_SIGNED = (REAL_DIR / "ants_tsl_seq13_2018-12-17_as_signed.xml").read_bytes()
PACK_COPY = (
    REAL_DIR / "ants_tsl_seq13_2018-12-17_spec_pack_copy_service_type_edited.xml"
).read_bytes()


@pytest.fixture(scope="module")
def ants_signer() -> x509.Certificate:
    return cert("real/ants_tsl_seq13_signer_2017.pem")


@pytest.fixture(scope="module")
def ants_tsl(ants_signer: x509.Certificate) -> TrustList:
    return load_trust_list(AS_SIGNED, signers=[ants_signer], source="ants-2018.xml")


def test_real_tsl_signature_verifies_although_signer_expired_before_today(
    ants_tsl: TrustList, ants_signer: x509.Certificate
) -> None:
    assert ants_signer.not_valid_after_utc < AT  # expired in 2020
    assert ants_tsl.signer == ants_signer
    assert ants_tsl.issued_at == dt.datetime(2018, 12, 17, 12, tzinfo=dt.UTC)


def test_real_tsl_as_copied_in_spec_pack_fails_its_digest(ants_signer: x509.Certificate) -> None:
    with pytest.raises(TrustListSignatureError, match="Digest mismatch"):
        load_trust_list(PACK_COPY, signers=[ants_signer])


def test_real_tsl_is_refused_when_another_signer_is_pinned() -> None:
    with pytest.raises(TrustListSignatureError, match="neither a pinned TSL signer"):
        load_trust_list(AS_SIGNED, signers=[cert("tsl/tsl_signer.pem")])


def test_real_tsl_lists_ca_ids_from_trade_names(ants_tsl: TrustList) -> None:
    assert ants_tsl.ca_ids == ("FR01", "FR02", "FR03", "FR04")
    assert ants_tsl.problems == ()
    assert ants_tsl.sequence_number == 13
    assert ants_tsl.next_update == dt.datetime(2019, 6, 17, 12, tzinfo=dt.UTC)


@pytest.mark.parametrize("ca_id", ["FR01", "FR02", "FR03", "FR04"])
def test_real_tsl_ca_certificate_common_name_is_the_ca_id(ants_tsl: TrustList, ca_id: str) -> None:
    (service,) = ants_tsl.services_for(ca_id)
    (ca_cert,) = service.certificates
    (cn,) = ca_cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
    assert cn.value == ca_id


def test_real_tsl_gives_certificate_store_uri_per_ca(ants_tsl: TrustList) -> None:
    assert ants_tsl.certificate_store_uris("FR01") == (
        "http://cert.pki-2ddoc.ariadnext.fr/pki-2ddoc.der",
    )
    assert ants_tsl.certificate_store_uris("FR02") == (
        "http://pki-2ddoc.sunnystamp.com/certs/pki_fr02_rfc4387_certstore_file.der",
    )
    assert ants_tsl.certificate_store_uris("FR99") == ()


def test_real_tsl_fr02_was_granted_then_withdrawn_in_2018(ants_tsl: TrustList) -> None:
    (service,) = ants_tsl.services_for("FR02")
    before = service.status_at(dt.datetime(2017, 1, 1, tzinfo=dt.UTC))
    after = service.status_at(dt.datetime(2018, 6, 1, tzinfo=dt.UTC))
    assert before is not None
    assert before.status is ServiceStatus.GRANTED
    assert after is not None
    assert after.status is ServiceStatus.WITHDRAWN
    assert after.status_uri == "http://uri.etsi.org/TrstSvc/Svcstatus/revoked"
    assert service.status_at(dt.datetime(2014, 1, 1, tzinfo=dt.UTC)) is None


def test_real_tsl_fr01_granted_from_status_starting_time(ants_tsl: TrustList) -> None:
    (service,) = ants_tsl.services_for("FR01")
    assert service.current.status is ServiceStatus.GRANTED
    assert service.current.start == dt.datetime(2013, 6, 30, 22, tzinfo=dt.UTC)
    assert service.granted_throughout(
        dt.datetime(2013, 7, 1, tzinfo=dt.UTC), dt.datetime(2013, 7, 2, tzinfo=dt.UTC)
    )
    assert not service.granted_throughout(
        dt.datetime(2013, 6, 30, tzinfo=dt.UTC), dt.datetime(2013, 7, 1, tzinfo=dt.UTC)
    )
