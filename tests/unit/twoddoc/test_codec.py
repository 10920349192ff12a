"""Parsing: headers of every version, message rules, signature, annex, binary and mixed codes."""

from __future__ import annotations

import datetime as dt

import pytest
from tests.unit.twoddoc.codec_support import GS, RS, US, throwaway_key

from sealdoc.errors import ParseError
from sealdoc.report import CheckStatus
from sealdoc.twoddoc import TwoDDoc, check_fields, check_signature
from sealdoc.twoddoc._base32 import b32decode_strict, b32encode_nopad
from sealdoc.twoddoc.binary import encode_blocks, encode_signature_block
from sealdoc.twoddoc.header import Header, encode_binary_header

KEY = throwaway_key("P-256")
V4 = "DC04FR0000011A5E1A5E0001FR"  # type 00, issued and signed 2018-06-25
V3 = "DC03FR0000011A5E1A5E0001"
V2 = "DC02FR0000011A5E1A5E00"
ADDRESS = f"10MME/SPECIMEN/NATACHA{GS}20{GS}21{GS}227 PLACE DES SPECIMENS{GS}23{GS}2457000"
ADDRESS += f"25METZ{GS}26FR"


def signed(text: str) -> str:
    """``text`` followed by <US> and its Base32 signature with the test key."""
    return text + US + b32encode_nopad(KEY.sign_ecdsa_raw(text.encode("ascii")))


# headers -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("header", "length", "perimeter", "country"),
    [(V2, 22, None, None), (V3, 24, "01", None), (V4, 26, "01", "FR")],
)
def test_header_length_depends_on_the_version(
    header: str, length: int, perimeter: str | None, country: str | None
) -> None:
    assert len(header) == length
    doc = TwoDDoc.parse(signed(header + ADDRESS))
    assert doc.header.ca_id == "FR00"
    assert doc.header.cert_id == "0001"
    assert doc.header.issue_date == doc.header.signature_date == dt.date(2018, 6, 25)
    assert (doc.header.perimeter, doc.header.country) == (perimeter, country)
    assert doc.field("10").raw == "MME/SPECIMEN/NATACHA"  # type: ignore[union-attr]
    assert check_fields(doc).status is CheckStatus.PASSED


@pytest.mark.parametrize(
    ("code", "message"),
    [
        ("DX04FR00", "start with 'DC'"),
        ("DC05FR0000011A5E1A5E0001FR", "unsupported 2D-Doc version 05"),
        ("DC0AFR0000011A5E1A5E0001FR", "is not two digits"),
        ("DC04FR0000011A5E1A5E0001", "truncated header"),
        ("DC04fr0000011A5E1A5E0001FR", "not in [A-Z0-9]"),
        ("DC04FR0000011A5G1A5E0001FR", "issue date"),
        ("", "empty input"),
    ],
)
def test_malformed_header_raises_parse_error(code: str, message: str) -> None:
    with pytest.raises(ParseError, match=message.replace("[", r"\[").replace("]", r"\]")):
        TwoDDoc.parse(code)


def test_code_given_as_str_or_bytes_reads_the_same() -> None:
    code = signed(V4 + ADDRESS)
    assert TwoDDoc.parse(code) == TwoDDoc.parse(code.encode("ascii"))


def test_character_outside_latin1_raises_parse_error() -> None:
    with pytest.raises(ParseError, match="not Latin-1"):
        TwoDDoc.parse(V4 + "10\u20ac")


# message rules -----------------------------------------------------------------------------------


def test_fixed_length_fields_need_no_separator() -> None:
    doc = TwoDDoc.parse(signed(V4 + "2457000" + "26FR" + "10MME/X"))
    assert [(f.id, f.raw) for f in doc.fields] == [("24", "57000"), ("26", "FR"), ("10", "MME/X")]


def test_variable_field_ends_with_gs_and_the_last_one_needs_none() -> None:
    doc = TwoDDoc.parse(signed(V4 + f"10MME/X{GS}22RUE{GS}25METZ"))
    assert [(f.id, f.raw) for f in doc.fields] == [("10", "MME/X"), ("22", "RUE"), ("25", "METZ")]


def test_trailing_gs_after_the_last_field_is_accepted_and_signed() -> None:
    code = signed(V4 + f"10MME/X{GS}25METZ{GS}")
    doc = TwoDDoc.parse(code)
    assert doc.field("25").raw == "METZ"  # type: ignore[union-attr]
    assert doc.signed_data.endswith(b"METZ\x1d")
    assert check_signature(doc, KEY.public_key).status is CheckStatus.PASSED


def test_variable_field_at_its_maximum_length_needs_no_separator() -> None:
    street = "1 " + "A" * 36  # DI 22 holds at most 38 characters
    doc = TwoDDoc.parse(signed(V4 + f"22{street}2457000"))
    assert [(f.id, f.raw) for f in doc.fields] == [("22", street), ("24", "57000")]


def test_rs_marks_a_truncated_field_even_the_last_one() -> None:
    doc = TwoDDoc.parse(signed(V4 + f"22145 AVENUE DES SPEC{RS}25MARSE{RS}"))
    assert [(f.id, f.raw, f.truncated) for f in doc.fields] == [
        ("22", "145 AVENUE DES SPEC", True),
        ("25", "MARSE", True),
    ]
    assert doc.to_info().fields[1].truncated


def test_empty_variable_fields_are_read() -> None:
    doc = TwoDDoc.parse(signed(V4 + f"20{GS}21{GS}25METZ"))
    assert [(f.id, f.raw) for f in doc.fields] == [("20", ""), ("21", ""), ("25", "METZ")]


def test_unknown_data_identifier_is_read_as_written_and_flagged_by_check_fields() -> None:
    doc = TwoDDoc.parse(signed(V4 + f"ZZWHATEVER{GS}25METZ"))
    assert doc.field("ZZ").name is None  # type: ignore[union-attr]
    assert doc.field("25").raw == "METZ"  # type: ignore[union-attr]
    check = check_fields(doc)
    assert check.status is CheckStatus.FAILED
    assert "ZZ: unknown data identifier" in check.message


@pytest.mark.parametrize("message", ["1", f"10MME{GS}{GS}", "?!", f"25METZ{GS}a"])
def test_message_that_cannot_be_split_raises_parse_error(message: str) -> None:
    with pytest.raises(ParseError):
        TwoDDoc.parse(signed(V4 + message))


def test_typed_values_keep_the_raw_text() -> None:
    text = V4 + f"10MME/X{GS}2401000"
    doc = TwoDDoc.parse(signed(text.replace("0001FR", "0601FR") + f"50123{GS}"))
    assert doc.field("24").raw == "01000"
    assert doc.field("24").value == "01000"


def test_url_field_0c_is_decoded_from_base32() -> None:
    url = b32encode_nopad(b"huissier-justice.fr/1896547853AB")
    doc = TwoDDoc.parse(signed(V4 + f"0C{url}{GS}25METZ"))
    assert doc.field("0C").value == "huissier-justice.fr/1896547853AB"  # type: ignore[union-attr]


# signature ---------------------------------------------------------------------------------------


def test_signed_bytes_run_from_dc_up_to_not_including_us() -> None:
    text = V4 + ADDRESS
    doc = TwoDDoc.parse(signed(text))
    assert doc.signed_data == text.encode("ascii")
    assert len(doc.signature or b"") == 64


def test_code_without_signature_parses_and_fails_the_signature_check() -> None:
    doc = TwoDDoc.parse(V4 + ADDRESS)
    assert doc.signature is None
    check = check_signature(doc, KEY.public_key)
    assert check.status is CheckStatus.FAILED
    assert check.sub_indication == "FORMAT_FAILURE"


@pytest.mark.parametrize("tail", ["AB=", "ab", "A", "ABC", f"AB{US}CD", "AB\n"])
def test_malformed_base32_signature_raises_parse_error(tail: str) -> None:
    with pytest.raises(ParseError):
        TwoDDoc.parse(V4 + ADDRESS + US + tail)


def test_base32_signature_with_non_zero_padding_bits_is_refused() -> None:
    code = signed(V4 + ADDRESS)
    last = code[-1]
    # a P-256 signature is 103 Base32 characters: the last one carries 2 bits and 3 unused bits
    other = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"["ABCDEFGHIJKLMNOPQRSTUVWXYZ234567".index(last) | 1]
    with pytest.raises(ParseError, match="unused bits"):
        TwoDDoc.parse(code[:-1] + other)


def test_base32_decoding_is_strict_and_round_trips() -> None:
    for size in range(0, 20):
        data = bytes(range(size))
        assert b32decode_strict(b32encode_nopad(data)) == data


def test_v01_signature_is_the_last_64_raw_bytes() -> None:
    text = "DC01FR0000011A5E1A5E00" + ADDRESS
    signature = KEY.sign_ecdsa_raw(text.encode("ascii"))
    doc = TwoDDoc.parse(text.encode("ascii") + signature)
    assert doc.header.version == 1
    assert doc.signature == signature
    assert check_signature(doc, KEY.public_key).status is CheckStatus.PASSED


def test_v01_code_shorter_than_its_signature_raises_parse_error() -> None:
    with pytest.raises(ParseError, match="64-byte signature"):
        TwoDDoc.parse("DC01FR0000011A5E1A5E0026FR")


# annex -------------------------------------------------------------------------------------------


def test_v04_annex_follows_the_signature_after_gs_and_is_not_signed() -> None:
    code = signed(V4 + ADDRESS) + GS + f"01SERIAL42{GS}0400APP"
    doc = TwoDDoc.parse(code)
    assert [(f.id, f.raw) for f in doc.annex] == [("01", "SERIAL42"), ("04", "00APP")]
    assert check_signature(doc, KEY.public_key).status is CheckStatus.PASSED
    changed = TwoDDoc.parse(code.replace("SERIAL42", "SERIAL43"))
    assert check_signature(changed, KEY.public_key).status is CheckStatus.PASSED  # unsigned
    assert [f.id for f in doc.to_info().annex] == ["01", "04"]


def test_annex_before_version_04_raises_parse_error() -> None:
    with pytest.raises(ParseError, match="annexes exist from version 04"):
        TwoDDoc.parse(signed(V3 + ADDRESS) + GS + "01X")


# binary and mixed codes --------------------------------------------------------------------------

BINARY_HEADER = Header(
    version=4,
    ca_id="FR0A",
    cert_id="ABC12",
    issue_date=dt.date(2010, 3, 5),
    signature_date=dt.date(2010, 3, 11),
    doc_type="07",
    perimeter="0001",
    country="FRA",
    encoding="binary",
)


def _binary_code(blocks: list[tuple[int, bytes]], annex: list[tuple[int, bytes]] = ()) -> bytes:  # type: ignore[assignment]
    signed_part = encode_binary_header(BINARY_HEADER) + encode_blocks(blocks)
    return (
        signed_part + encode_signature_block(KEY.sign_ecdsa_raw(signed_part)) + encode_blocks(annex)
    )


def test_binary_code_reads_header_blocks_signature_and_annex() -> None:
    long = bytes(range(256)) * 8  # 2048 bytes: 3-byte length
    code = _binary_code(
        [(0x0A, bytes.fromhex("5A94B3DE")), (0xAF, b""), (0xCC, long)], [(0x01, b"x")]
    )
    doc = TwoDDoc.parse(code)
    assert doc.header == BINARY_HEADER
    assert [(f.id, f.value) for f in doc.fields] == [
        ("0A", bytes.fromhex("5A94B3DE")),
        ("AF", b""),
        ("CC", long),
    ]
    assert [f.id for f in doc.annex] == ["01"]
    assert check_signature(doc, KEY.public_key).status is CheckStatus.PASSED
    check = check_fields(doc)  # the binary perimeter publishes no identifiers
    assert check.status is CheckStatus.SKIPPED
    assert "4 binary field(s) not checked" in check.message  # 3 signed, 1 in the annex
    assert doc.to_info().fields[0].value == "5A94B3DE"


def test_binary_header_round_trips() -> None:
    from sealdoc.twoddoc.header import parse_binary_header

    assert parse_binary_header(encode_binary_header(BINARY_HEADER)) == BINARY_HEADER


@pytest.mark.parametrize(
    "code",
    [
        bytes.fromhex("DC04"),
        encode_binary_header(BINARY_HEADER) + b"\x0a",
        encode_binary_header(BINARY_HEADER) + b"\x0a\x05ab",
        encode_binary_header(BINARY_HEADER) + b"\xff\x40" + bytes(10),
        encode_binary_header(BINARY_HEADER) + b"\xff\x00\xff\x00",
    ],
)
def test_truncated_binary_code_raises_parse_error(code: bytes) -> None:
    with pytest.raises(ParseError):
        TwoDDoc.parse(code)


def test_mixed_code_switches_from_c40_to_binary_after_a_complete_field() -> None:
    c40 = (V4 + f"10MME/X{GS}2457000").encode("ascii")
    photo = bytes([0x80, 0x00, 0xFF, 0x1F]) * 5
    signed_part = c40 + encode_blocks([(0x41, photo)])  # DI byte 0x41 looks like "A"
    code = signed_part + encode_signature_block(KEY.sign_ecdsa_raw(signed_part))
    doc = TwoDDoc.parse(code)
    assert [f.id for f in doc.fields] == ["10", "24", "41"]
    assert doc.fields[2].encoding == "binary"
    assert doc.fields[2].value == photo
    assert doc.signed_data == signed_part
    assert check_signature(doc, KEY.public_key).status is CheckStatus.PASSED


def test_mixed_code_whose_binary_length_byte_is_0x1f_is_not_taken_for_a_c40_signature() -> None:
    c40 = (V4 + f"10MME/X{GS}2457000").encode("ascii")
    signed_part = c40 + encode_blocks([(0x41, bytes(range(0x80, 0x9F)))])  # length 0x1F = <US>
    code = signed_part + encode_signature_block(KEY.sign_ecdsa_raw(signed_part))
    doc = TwoDDoc.parse(code)
    assert [f.id for f in doc.fields] == ["10", "24", "41"]
    assert check_signature(doc, KEY.public_key).status is CheckStatus.PASSED
    check = check_fields(doc)
    assert "1 binary field(s) not checked" in check.message
    assert "field 41" not in check.message  # binary DI 0x41 is not C40 DI 41


def test_mixed_code_with_unreadable_binary_part_raises_parse_error() -> None:
    with pytest.raises(ParseError, match="binary"):
        TwoDDoc.parse((V4 + "10MME").encode("ascii") + b"\x80\x10abc")


def test_input_larger_than_any_2d_doc_is_refused() -> None:
    with pytest.raises(ParseError, match="more than a 2D-Doc holds"):
        TwoDDoc.parse(V4 + "01" + "A" * 70000)
