"""The codewords and symbols sealdoc builds are the ones the 2D-Doc spec (§10) and ISO 16022 say."""

from __future__ import annotations

import pytest

from sealdoc.errors import EncodingError, SealdocError
from sealdoc.twoddoc import datamatrix
from sealdoc.twoddoc._dm import ecc200, encodation

C40_LATCH, UNLATCH, BASE256_LATCH, PAD, FNC1 = 230, 254, 231, 129, 232


def _data_part(symbol: datamatrix.Symbol) -> bytes:
    return symbol.data_codewords


def test_spec_c40_example_2d_doc_gives_the_bytes_of_section_10_3_2() -> None:
    # Spec §10.3.2: "2D-DOC" -> E6 28 2A 4D C5 FE 44 (last character in ASCII after leaving C40).
    encoded = encodation.encode_codewords(b"2D-DOC")
    assert encoded.codewords == bytes.fromhex("E6282A4DC5FE44")
    assert not encoded.ends_in_c40


def test_two_leftover_c40_values_are_padded_with_shift1_as_section_10_3_2_says() -> None:
    # "AB": values 14 15 + Shift1 pad 0 -> 1600*14 + 40*15 + 0 + 1 = 23001 = 0x59D9.
    encoded = encodation.encode_codewords(b"AB")
    assert encoded.codewords == bytes([C40_LATCH, 0x59, 0xD9])
    assert encoded.ends_in_c40


def test_control_characters_are_c40_shift1_values_never_fnc1() -> None:
    # Spec table 3: <GS> <RS> <US> are Shift1 (0) followed by 29, 30, 31.
    assert encodation.c40_values(b"\x1d\x1e\x1f") == [0, 29, 0, 30, 0, 31]


def test_header_message_and_signature_form_one_c40_run(sample_code: str) -> None:
    # Spec §10.7.1: latch to C40, then everything in C40 triplets (no FNC1, no ASCII).
    data = datamatrix.encode(sample_code).data_codewords
    values = encodation.c40_values(sample_code.encode("latin-1"))
    triplets = len(values) // 3
    assert data[0] == C40_LATCH
    unpacked = []
    for i in range(triplets):
        v = (data[1 + 2 * i] << 8 | data[2 + 2 * i]) - 1
        unpacked += [v // 1600, v // 40 % 40, v % 40]
    assert unpacked == values[: 3 * triplets]


def test_section_14_invoice_fills_a_44x44_symbol_with_a_final_unlatch() -> None:
    # Spec §14: 213 C40 values -> 1 latch + 142 bytes = 143 of the 144 codewords of a 44x44
    # symbol; the last one is the unlatch 254. The signature is replaced by 103 Base32 letters.
    message = (
        "DC02FR011204103D103E0126FR247500110M/MONTPARNASSE/GILLES\x1d"
        "22352 AVENUE DES CHAMPS ELYSEES\x1d25PARIS\x1d1898\x1e\x1f" + "A" * 103
    )
    assert len(encodation.c40_values(message.encode())) == 213
    symbol = datamatrix.encode(message)
    assert symbol.size == 44
    assert len(symbol.data_codewords) == 144
    assert symbol.data_codewords[0] == C40_LATCH
    assert symbol.data_codewords[-1] == UNLATCH


def test_padding_follows_the_253_state_algorithm_of_section_10_6() -> None:
    # "DC" = C40 17 16 + Shift1 pad: 1600*17 + 40*16 + 0 + 1 = 27841 = 0x6CC1; then, in a
    # 16x16 symbol (12 data codewords): unlatch, a plain pad, 7 randomised pads.
    data = datamatrix.encode("DC", size=16).data_codewords
    assert data[:5] == bytes([C40_LATCH, 0x6C, 0xC1, UNLATCH, PAD])
    for position in range(6, 13):  # 1-based positions of the randomised pads
        expected = PAD + (149 * position) % 253 + 1
        assert data[position - 1] == (expected if expected <= 254 else expected - 254)


def test_v01_code_puts_its_raw_signature_in_base256_after_the_c40_part() -> None:
    # Spec §10.7.2: C40 header and message, unlatch, Base256 latch, length, signature.
    signed = b"DC01FR000001125E125C0026FR245700010MLLE/SAMPLE/ANGELA\x1d25METZ"
    signature = bytes(range(64))
    symbol = datamatrix.encode(signed + signature)
    data = symbol.data_codewords
    assert data[0] == C40_LATCH
    latch = data.index(BASE256_LATCH)
    assert latch == 1 + 2 * len(encodation.c40_values(signed)) // 3 + 1  # C40 part, unlatch
    assert data[latch - 1] == UNLATCH
    length_position = latch + 2  # 1-based position of the length codeword
    assert (data[latch + 1] - (149 * length_position) % 255 - 1) % 256 == 64


def test_binary_header_code_is_base256_from_the_first_byte() -> None:
    code = bytes([0xDC, 0x04]) + bytes(range(40))
    assert datamatrix.encode(code).data_codewords[0] == BASE256_LATCH


def test_mixed_code_switches_to_binary_where_asked() -> None:
    # Spec §3.7: C40 then 0xFE 0xE7 (or 0xE7 if already back in ASCII) then binary.
    code = b"DC04FR000001FFFF1FB60401FR10M/X\x1d" + bytes([1, 2, 3, 250])
    split = code.index(b"\x1d") + 1
    data = datamatrix.encode(code, binary_from=split).data_codewords
    assert data[0] == C40_LATCH
    assert BASE256_LATCH in data
    assert FNC1 not in data[: data.index(BASE256_LATCH)]


def test_iso_16022_annex_example_123456_gets_its_published_error_correction() -> None:
    size = ecc200.symbol_size(10)
    assert list(ecc200.add_error_correction(bytes([142, 164, 186]), size)) == [
        142, 164, 186, 114, 25, 5, 88, 102,
    ]  # fmt: skip


def test_only_square_sizes_are_produced() -> None:
    for length in (1, 10, 50, 200, 600, 1200, 2200):
        symbol = datamatrix.encode("A" * length)
        assert len(symbol.modules) == symbol.size
        assert all(len(row) == symbol.size for row in symbol.modules)


def test_finder_pattern_is_solid_left_and_bottom_alternating_top_and_right(
    sample_code: str,
) -> None:
    modules = datamatrix.encode(sample_code).modules
    n = len(modules)
    assert all(modules[y][0] for y in range(n))
    assert all(modules[n - 1][x] for x in range(n))
    assert [modules[0][x] for x in range(n)] == [x % 2 == 0 for x in range(n)]
    assert [modules[y][n - 1] for y in range(n)] == [y % 2 == 1 for y in range(n)]


def test_size_argument_asks_for_a_larger_symbol() -> None:
    assert datamatrix.encode("DC04", size=44).size == 44


def test_size_that_is_not_an_ecc200_square_raises_encoding_error() -> None:
    with pytest.raises(EncodingError, match="not a square ECC 200 size"):
        datamatrix.encode("DC04", size=45)


def test_code_too_long_for_144x144_raises_encoding_error_suggesting_multicode() -> None:
    with pytest.raises(EncodingError, match="multi-code"):
        datamatrix.encode("A" * 3000)


def test_character_beyond_latin1_raises_encoding_error() -> None:
    with pytest.raises(EncodingError, match="code points 0-255"):
        datamatrix.encode("DC04 €")


def test_empty_code_raises_encoding_error() -> None:
    with pytest.raises(EncodingError, match="empty"):
        datamatrix.encode("")


def test_wrong_code_type_raises_encoding_error() -> None:
    with pytest.raises(EncodingError, match="str or bytes"):
        datamatrix.encode(42)  # type: ignore[arg-type]


def test_binary_from_outside_the_code_raises_encoding_error() -> None:
    with pytest.raises(SealdocError, match="binary_from"):
        datamatrix.encode("DC04", binary_from=9)
