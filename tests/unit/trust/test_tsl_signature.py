"""A trust list is used only if its XML signature verifies against a pinned signer."""

from __future__ import annotations

import re

import pytest
from cryptography import x509
from tests.unit.trust.support import TSL_DIR, cert, key, sign_xml

from sealdoc.errors import TrustError
from sealdoc.trust import TrustListSignatureError, load_trust_list

GOOD = (TSL_DIR / "tsl_test.xml").read_bytes()
UNSIGNED = (TSL_DIR / "tsl_test_unsigned.xml").read_bytes()


def load(data: bytes, *pins: x509.Certificate) -> object:
    return load_trust_list(data, signers=list(pins), source="list.xml")


def test_signed_list_verifies_against_pinned_signer_certificate(
    tsl_signer: x509.Certificate,
) -> None:
    trust_list = load_trust_list(GOOD, signers=[tsl_signer])
    assert trust_list.signer == tsl_signer
    assert trust_list.sequence_number == 7


def test_signed_list_verifies_against_pinned_ca_of_the_signer() -> None:
    trust_list = load_trust_list(GOOD, signers=[cert("tsl/tsl_signer_root.pem")])
    assert trust_list.signer == cert("tsl/tsl_signer.pem")


def test_status_edited_after_signing_is_refused(tsl_signer: x509.Certificate) -> None:
    tampered = (TSL_DIR / "tsl_test_fr97_status_edited_after_signing.xml").read_bytes()
    with pytest.raises(TrustListSignatureError, match="does not verify"):
        load(tampered, tsl_signer)


@pytest.mark.parametrize("target", [b"FR98", b"2020-01-01T00:00:00Z", b"inaccord", b"MII"])
def test_one_changed_byte_in_signed_content_is_refused(
    target: bytes, tsl_signer: x509.Certificate
) -> None:
    position = GOOD.index(target)
    changed = GOOD[:position] + bytes([GOOD[position] ^ 0x01]) + GOOD[position + 1 :]
    with pytest.raises(TrustError):
        load(changed, tsl_signer)


def test_changed_signature_value_is_refused(tsl_signer: x509.Certificate) -> None:
    match = re.search(rb"<ds:SignatureValue>(.)", GOOD)
    assert match is not None
    position = match.start(1)
    flipped = b"A" if GOOD[position : position + 1] != b"A" else b"B"
    changed = GOOD[:position] + flipped + GOOD[position + 1 :]
    with pytest.raises(TrustListSignatureError):
        load(changed, tsl_signer)


def test_list_signed_by_another_key_is_refused(tsl_signer: x509.Certificate) -> None:
    impostor = (TSL_DIR / "tsl_test_signed_by_impostor.xml").read_bytes()
    with pytest.raises(TrustListSignatureError, match="neither a pinned TSL signer"):
        load(impostor, tsl_signer)


def test_impostor_with_same_subject_name_is_not_accepted_by_pinned_ca() -> None:
    impostor = (TSL_DIR / "tsl_test_signed_by_impostor.xml").read_bytes()
    with pytest.raises(TrustListSignatureError):
        load(impostor, cert("tsl/tsl_signer_root.pem"))


def test_impostor_signature_with_genuine_certificate_in_keyinfo_is_refused(
    tsl_signer: x509.Certificate,
) -> None:
    """Signed with another key while KeyInfo names the pinned certificate."""
    forged = sign_xml(UNSIGNED, key("tsl-impostor"), tsl_signer)
    with pytest.raises(TrustListSignatureError, match="does not verify"):
        load(forged, tsl_signer)


def test_unsigned_list_is_refused(tsl_signer: x509.Certificate) -> None:
    with pytest.raises(TrustListSignatureError, match="not signed"):
        load(UNSIGNED, tsl_signer)


def test_list_without_pinned_signer_is_refused() -> None:
    with pytest.raises(TrustListSignatureError, match="no TSL signer is pinned"):
        load(GOOD)


def test_pinning_a_participant_certificate_does_not_trust_the_list() -> None:
    with pytest.raises(TrustListSignatureError):
        load(GOOD, cert("participants/FR98_0001.pem"))


def test_second_signature_is_refused(tsl_signer: x509.Certificate) -> None:
    signature = GOOD[GOOD.index(b"<ds:Signature") : GOOD.index(b"</ds:Signature>") + 15]
    doubled = GOOD.replace(
        b"</tsl:TrustServiceStatusList>", signature + b"</tsl:TrustServiceStatusList>"
    )
    with pytest.raises(TrustListSignatureError, match="exactly one signature"):
        load(doubled, tsl_signer)


def test_unknown_transform_is_refused_before_any_crypto(tsl_signer: x509.Certificate) -> None:
    xslt = b'<ds:Transform Algorithm="http://www.w3.org/TR/1999/REC-xslt-19991116"/>'
    changed = GOOD.replace(b"<ds:Transforms>", b"<ds:Transforms>" + xslt, 1)
    with pytest.raises(TrustListSignatureError, match="transform"):
        load(changed, tsl_signer)


def test_xpath_transform_other_than_excluding_the_signature_is_refused(
    tsl_signer: x509.Certificate,
) -> None:
    xpath = (
        b'<ds:Transform Algorithm="http://www.w3.org/TR/1999/REC-xpath-19991116">'
        b"<ds:XPath>self::text()</ds:XPath></ds:Transform>"
    )
    changed = GOOD.replace(b"<ds:Transforms>", b"<ds:Transforms>" + xpath, 1)
    with pytest.raises(TrustListSignatureError, match="XPath"):
        load(changed, tsl_signer)


def test_reference_to_part_of_the_list_only_is_refused(tsl_signer: x509.Certificate) -> None:
    changed = GOOD.replace(b'<ds:Reference URI="">', b'<ds:Reference URI="#part">', 1)
    with pytest.raises(TrustListSignatureError, match="whole list"):
        load(changed, tsl_signer)


def test_signer_not_valid_on_the_list_issue_date_is_refused(
    tsl_signer: x509.Certificate,
) -> None:
    """The signer certificate is valid 2021-2031; a list claiming issue in 2019 is refused."""
    backdated = UNSIGNED.replace(
        b"2025-01-01T00:00:00Z</tsl:ListIssueDateTime>",
        b"2019-01-01T00:00:00Z</tsl:ListIssueDateTime>",
    )
    assert backdated != UNSIGNED
    signed = sign_xml(backdated, key("tsl-signer"), tsl_signer)
    with pytest.raises(TrustListSignatureError, match="not valid on the list's issue date"):
        load(signed, tsl_signer)


def test_signed_document_that_is_not_a_trust_list_is_refused(
    tsl_signer: x509.Certificate,
) -> None:
    signed = sign_xml(b"<note><to>you</to></note>", key("tsl-signer"), tsl_signer)
    with pytest.raises(TrustError, match="not an ETSI trust service list"):
        load(signed, tsl_signer)


def test_signature_error_is_a_trust_error() -> None:
    assert issubclass(TrustListSignatureError, TrustError)
