"""check_signature and check_fields: every outcome and sub-indication."""

from __future__ import annotations

import dataclasses

import pytest
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from tests.unit.twoddoc.codec_support import (
    GS,
    US,
    reference_code_bytes,
    reference_codes,
    spec_test_cert,
    throwaway_key,
)

from sealdoc.report import CheckStatus, SubIndication
from sealdoc.twoddoc import TwoDDoc, check_fields, check_signature
from sealdoc.twoddoc._base32 import b32encode_nopad

REFERENCE = TwoDDoc.parse(reference_code_bytes(reference_codes()[0]))
KEY = throwaway_key("P-256")


def _signed(text: str) -> TwoDDoc:
    return TwoDDoc.parse(text + US + b32encode_nopad(KEY.sign_ecdsa_raw(text.encode("ascii"))))


def test_signature_passes_with_the_certificate_or_its_public_key() -> None:
    assert check_signature(REFERENCE, spec_test_cert()).status is CheckStatus.PASSED
    check = check_signature(REFERENCE, spec_test_cert().public_key())
    assert check.status is CheckStatus.PASSED
    assert check.id == "signature"
    assert "secp256r1/SHA256" in check.message


def test_signature_by_another_key_fails_with_sig_crypto_failure() -> None:
    check = check_signature(REFERENCE, KEY.public_key)
    assert check.status is CheckStatus.FAILED
    assert check.sub_indication is SubIndication.SIG_CRYPTO_FAILURE


def test_altered_signed_data_fails_with_sig_crypto_failure() -> None:
    altered = dataclasses.replace(
        REFERENCE, signed_data=REFERENCE.signed_data.replace(b"TEST", b"TESU")
    )
    check = check_signature(altered, spec_test_cert())
    assert check.sub_indication is SubIndication.SIG_CRYPTO_FAILURE


@pytest.mark.parametrize("signature", [None, b"", bytes(63), bytes(96)])
def test_missing_or_wrong_length_signature_fails_with_format_failure(
    signature: bytes | None,
) -> None:
    doc = dataclasses.replace(REFERENCE, signature=signature)
    check = check_signature(doc, spec_test_cert())
    assert check.status is CheckStatus.FAILED
    assert check.sub_indication is SubIndication.FORMAT_FAILURE


def test_zero_signature_of_the_right_length_fails_the_signature() -> None:
    doc = dataclasses.replace(REFERENCE, signature=bytes(64))
    assert check_signature(doc, spec_test_cert()).sub_indication is SubIndication.SIG_CRYPTO_FAILURE


def test_p384_key_expects_a_96_byte_signature() -> None:
    check = check_signature(REFERENCE, throwaway_key("P-384").public_key)
    assert check.sub_indication is SubIndication.FORMAT_FAILURE
    assert "96" in check.message


def test_rsa_key_or_other_curve_fails_with_crypto_constraints_failure() -> None:
    rsa_key = rsa.generate_private_key(public_exponent=65537, key_size=2048).public_key()
    k1 = ec.generate_private_key(ec.SECP256K1()).public_key()
    for key in (rsa_key, k1, "not a key"):
        check = check_signature(REFERENCE, key)
        assert check.status is CheckStatus.FAILED
        assert check.sub_indication is SubIndication.CRYPTO_CONSTRAINTS_FAILURE


def test_fields_check_lists_every_problem() -> None:
    # type 02 without 24 (mandatory), with 18 (forbidden), a bad 25, a repeated 26, an unknown DI
    doc = _signed(
        f"DC04FR0000011A5E1A5E0201FR10MME/X{GS}22RUE{GS}25METZ 2{GS}26FR26FR18INV1{GS}ZZ?{GS}"
    )
    check = check_fields(doc)
    assert check.id == "fields"
    assert check.status is CheckStatus.FAILED
    assert check.sub_indication is SubIndication.FORMAT_FAILURE
    for expected in (
        "mandatory field 24",
        "field 18: not allowed in document type 02",
        "field 25 (Localité",
        "field 26: appears more than once",
        "field ZZ: unknown data identifier",
    ):
        assert expected in check.message


def test_fields_check_reports_issue_date_contrary_to_the_type() -> None:
    doc = _signed(
        "DC04FR0000011A5E1A5E0301FR30M/X" + f"{GS}31FR7630002005500000157845Z02{GS}32CRLYFRPP"
    )
    check = check_fields(doc)
    assert "has no issue date" in check.message
    doc = _signed(
        "DC04FR000001FFFF1A5E0201FR10MME/X" + f"{GS}22RUE{GS}2457000" + "25METZ" + f"{GS}26FR"
    )
    assert "requires an issue date" in check_fields(doc).message


def test_fields_check_reports_an_unknown_document_type() -> None:
    check = check_fields(_signed("DC04FR0000011A5E1A5EZZ01FR10MME"))
    assert check.status is CheckStatus.FAILED
    assert "document type ZZ is not defined" in check.message


def test_fields_check_reports_a_truncated_fixed_length_field() -> None:
    doc = _signed("DC04FR0000011A5E1A5E0201FR10MME/X" + f"{GS}22RUE{GS}24570\x1e25METZ{GS}26FR")
    assert "fixed-length field may not be truncated" in check_fields(doc).message


def test_fields_check_mentions_allowances_made_when_reading() -> None:
    vector = next(v for v in reference_codes() if v["doc_type"].startswith("C2"))
    check = check_fields(TwoDDoc.parse(reference_code_bytes(vector)))
    assert check.status is CheckStatus.PASSED
    assert "read with allowances" in check.message
    assert "DI DW" in check.message


def test_fields_check_checks_the_annex_too() -> None:
    text = "DC04FR0000011A5E1A5E0201FR10MME/X" + f"{GS}22RUE{GS}2457000" + f"25METZ{GS}26FR"
    code = text + US + b32encode_nopad(KEY.sign_ecdsa_raw(text.encode())) + GS + "2412"
    check = check_fields(TwoDDoc.parse(code))
    assert "annex field 24" in check.message
