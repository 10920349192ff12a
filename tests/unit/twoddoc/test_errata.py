"""The five known errata of the specification (README of the spec pack), each handled on purpose."""

from __future__ import annotations

import datetime as dt

import pytest
from tests.unit.twoddoc.codec_support import (
    GS,
    US,
    reference_code_bytes,
    reference_codes,
    spec_test_cert,
    throwaway_key,
)

from sealdoc.errors import FieldError
from sealdoc.report import CheckStatus
from sealdoc.twoddoc import TwoDDoc, check_fields, check_signature, identifier, sign
from sealdoc.twoddoc._base32 import b32decode_strict
from sealdoc.twoddoc.header import parse_binary_header


def _vector(doc_type: str, version: str = "V4") -> dict[str, object]:
    return next(
        v for v in reference_codes() if v["format"] == version and v["doc_type"][:2] == doc_type
    )


# Erratum 1 ---------------------------------------------------------------------------------------


def test_erratum1_fixed_length_field_is_not_followed_by_gs_in_the_signed_bytes() -> None:
    vector = _vector("12")
    doc = TwoDDoc.parse(reference_code_bytes(vector))
    assert b"962111201791MME" in doc.signed_data  # 96 is fixed (8): DI 91 follows directly
    assert doc.field("96").value == dt.date(2017, 11, 21)  # type: ignore[union-attr]
    assert doc.field("91").raw == "MME/BERTHIER/CORINNE"  # type: ignore[union-attr]
    assert check_signature(doc, spec_test_cert()).status is CheckStatus.PASSED


def test_erratum1_signed_data_as_printed_in_the_table_reads_the_same_but_fails_the_signature() -> (
    None
):
    # The §16 table prints "9621112017<GS>91": a GS after a fixed-length field is tolerated when
    # reading, but those are not the bytes that were signed.
    code = reference_code_bytes(_vector("12")).replace(b"962111201791", b"9621112017\x1d91")
    doc = TwoDDoc.parse(code)
    assert [(f.id, f.raw) for f in doc.fields] == [
        (f.id, f.raw) for f in TwoDDoc.parse(reference_code_bytes(_vector("12"))).fields
    ]
    check = check_signature(doc, spec_test_cert())
    assert check.status is CheckStatus.FAILED


# Erratum 2 ---------------------------------------------------------------------------------------

TABLE_MISMATCH = [v for v in reference_codes() if v.get("sig_hex_matches_table") is False]


def test_erratum2_four_reference_codes_print_a_hex_signature_that_differs_from_the_code() -> None:
    assert sorted(v["doc_type"][:2] for v in TABLE_MISMATCH) == ["04", "17", "C7", "C8"]


@pytest.mark.parametrize("vector", TABLE_MISMATCH, ids=[v["doc_type"][:2] for v in TABLE_MISMATCH])
def test_erratum2_the_base32_signature_in_the_code_is_the_one_that_verifies(
    vector: dict[str, object],
) -> None:
    doc = TwoDDoc.parse(reference_code_bytes(vector))
    assert doc.signature == b32decode_strict(str(vector["sig_b32"]))
    assert check_signature(doc, spec_test_cert()).status is CheckStatus.PASSED


# Erratum 3 ---------------------------------------------------------------------------------------

EORI_CODES = [_vector(t) for t in ("C2", "C3", "C4", "C5", "C6")]


@pytest.mark.parametrize("vector", EORI_CODES, ids=[v["doc_type"][:2] for v in EORI_CODES])
def test_erratum3_eori_of_17_characters_without_gs_is_not_mis_split(
    vector: dict[str, object],
) -> None:
    doc = TwoDDoc.parse(reference_code_bytes(vector))
    eori = {f.id: f.raw for f in doc.fields if f.id in ("DH", "DP", "DW")}
    assert eori
    assert all(len(value) == 17 and value.startswith("FR") for value in eori.values())
    assert doc.field("DY") is not None  # the field after the EORI is not swallowed
    assert any("not followed by <GS>" in note for note in doc.notes)
    assert check_fields(doc).status is CheckStatus.PASSED


def test_erratum3_a_following_field_that_also_reads_as_a_valid_di_does_not_win() -> None:
    # C4: "DWFR345678901234567DY032": cutting after 19 characters would leave "03" (a §7.0 DI)
    # with value "2" -- a complete reading, but without the mandatory DY.
    doc = TwoDDoc.parse(reference_code_bytes(_vector("C4")))
    assert doc.field("DW").raw == "FR345678901234567"  # type: ignore[union-attr]
    assert doc.field("DY").value == 32  # type: ignore[union-attr]
    assert doc.field("03") is None


def test_erratum3_a_conformant_reading_always_wins_over_an_unterminated_one() -> None:
    key = throwaway_key("P-256")
    code = sign(
        "C2",
        {
            "D6": "12345678",
            "D7": dt.date(2020, 12, 4),
            "D8": 3,
            "DB": "MORIN",
            "DC": "JEAN",
            "DD": dt.date(1985, 12, 25),
            "DT": "IMPORT LTD",
            "DU": "123456789",
            "DV": "12345678900001",
            "DW": "FR345678901234567",
            "DY": 9,
        },
        key,
        ca_id="FR00",
        cert_id="0001",
        issue_date=dt.date(2020, 12, 4),
        signature_date=dt.date(2020, 12, 4),
    )
    assert f"DWFR345678901234567{GS}DY009{US}" in code  # sealdoc writes the GS
    doc = TwoDDoc.parse(code)
    assert doc.notes == ()
    assert doc.field("DW").raw == "FR345678901234567"  # type: ignore[union-attr]


# Erratum 4 ---------------------------------------------------------------------------------------

SPEC_BINARY_HEADER = bytes.fromhex("DC037BAF7B9D59C064CF2E91EA2F7C4AAA0001")


def test_erratum4_binary_header_example_is_read_as_written() -> None:
    header = parse_binary_header(SPEC_BINARY_HEADER)
    assert header.encoding == "binary"
    assert header.version == 3  # the text says 04
    assert header.country == "FRI"  # 7BAF; France (FRA) would be 7BA7
    assert header.ca_id == "FR0A"
    assert header.cert_id == "ABC12"  # the text says ACB12; the bytes say ABC12
    assert header.issue_date == dt.date(2010, 3, 5)
    assert header.signature_date == dt.date(2010, 3, 11)
    assert header.doc_type == "AA"
    assert header.perimeter == "0001"


def test_erratum4_fra_is_7ba7_in_c40() -> None:
    header = parse_binary_header(bytes.fromhex("DC047BA77B9D59C064CF2E91EA2F7C4AAA0001"))
    assert (header.version, header.country) == (4, "FRA")


def test_erratum4_check_fields_reports_a_binary_header_that_is_not_version_04() -> None:
    code = SPEC_BINARY_HEADER + bytes.fromhex("0A045A94B3DE") + b"\xff\x40" + bytes(64)
    doc = TwoDDoc.parse(code)
    assert doc.fields[0].id == "0A"
    assert doc.fields[0].value == bytes.fromhex("5A94B3DE")
    check = check_fields(doc)
    assert check.status is CheckStatus.FAILED
    assert "version 04" in check.message


# Erratum 5 ---------------------------------------------------------------------------------------


def test_erratum5_di_25_town_holds_letters_although_typed_numeric() -> None:
    entry = identifier("25")
    assert entry is not None
    assert entry.type == "alphabetic"
    assert entry.corrections
    assert "Numérique" in entry.corrections[0]
    doc = TwoDDoc.parse(reference_code_bytes(_vector("00", "V3")))
    assert doc.field("25").value == "METZ"  # type: ignore[union-attr]
    assert check_fields(doc).status is CheckStatus.PASSED


def test_erratum5_sign_accepts_a_town_name_and_refuses_digits_in_di_25() -> None:
    fields = {
        "10": "MME/SPECIMEN/NATACHA",
        "22": "145 AVENUE DES SPECIMENS",
        "24": "75000",
        "25": "PARIS",
        "26": "FR",
    }
    key = throwaway_key("P-256")
    dates = {"issue_date": dt.date(2024, 1, 2), "signature_date": dt.date(2024, 1, 2)}
    code = sign("02", fields, key, ca_id="FR00", cert_id="0001", **dates)
    assert TwoDDoc.parse(code).field("25").raw == "PARIS"  # type: ignore[union-attr]
    with pytest.raises(FieldError) as excinfo:
        sign("02", {**fields, "25": "75000"}, key, ca_id="FR00", cert_id="0001", **dates)
    assert excinfo.value.field_id == "25"
