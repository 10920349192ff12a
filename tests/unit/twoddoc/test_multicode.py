"""2D-Docs spread over several DataMatrix symbols (§3.8)."""

from __future__ import annotations

import random

import pytest
from tests.unit.twoddoc.codec_support import (
    reference_code_bytes,
    reference_codes,
    spec_test_cert,
)

from sealdoc.errors import EncodingError, ParseError
from sealdoc.report import CheckStatus
from sealdoc.twoddoc import TwoDDoc, assemble, check_signature
from sealdoc.twoddoc.multicode import parse_segment, split

CODE = reference_code_bytes(reference_codes()[0])  # v04 type 12


@pytest.mark.parametrize("binary", [False, True], ids=["c40-envelope", "binary-envelope"])
@pytest.mark.parametrize("count", [2, 3, 16])
def test_segments_assembled_in_any_order_give_back_the_code(count: int, binary: bool) -> None:
    segments = split(CODE, count, "X7Z", binary=binary)
    random.Random(count).shuffle(segments)
    joined = assemble(segments)
    assert joined == CODE
    assert check_signature(TwoDDoc.parse(joined), spec_test_cert()).status is CheckStatus.PASSED


def test_c40_envelope_is_e_set_position_and_count_minus_one() -> None:
    segments = split(CODE, 3, "ABC")
    assert [s[:6] for s in segments] == [b"EABC02", b"EABC12", b"EABC22"]
    segment = parse_segment(segments[1])
    assert segment is not None
    assert (segment.index, segment.count) == (1, 3)


def test_binary_envelope_is_ee_set_id_and_position_with_17_minus_count() -> None:
    segments = split(CODE, 3, "FRA", binary=True)
    assert segments[2][:4] == bytes.fromhex("EE7BA7") + bytes([2 << 4 | 14])


def test_c40_and_binary_envelopes_of_one_set_mix() -> None:
    c40 = split(CODE, 2, "FRA")
    binary = split(CODE, 2, "FRA", binary=True)
    assert assemble([c40[0], binary[1]]) == CODE


def test_one_segment_alone_is_refused_by_parse_with_a_hint() -> None:
    with pytest.raises(ParseError, match=r"segment 1 of a 2-symbol 2D-Doc.*assemble"):
        TwoDDoc.parse(split(CODE, 2)[0])


def test_missing_segment_is_named() -> None:
    segments = split(CODE, 4)
    with pytest.raises(ParseError, match="missing 3"):
        assemble([segments[0], segments[1], segments[3]])


def test_segments_of_different_sets_are_refused() -> None:
    with pytest.raises(ParseError, match="different multi-code sets"):
        assemble([split(CODE, 2, "AAA")[0], split(CODE, 2, "BBB")[1]])


def test_repeated_position_is_refused() -> None:
    first = split(CODE, 2)[0]
    with pytest.raises(ParseError):
        assemble([first, first])


@pytest.mark.parametrize("segment", [b"DC04", b"EAB", b"EABC0G", b"EABC10", b"\xee\x00", b""])
def test_malformed_or_missing_envelope_is_refused(segment: bytes) -> None:
    with pytest.raises(ParseError):
        assemble([segment, split(CODE, 2)[1]])


def test_split_refuses_impossible_sets() -> None:
    with pytest.raises(EncodingError):
        split(CODE, 17)
    with pytest.raises(EncodingError):
        split(CODE, 2, "ab")
