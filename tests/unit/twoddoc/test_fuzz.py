"""Fuzzing: whatever the input, TwoDDoc.parse raises ParseError or returns a document, and the
checks and conversions of a parsed document raise nothing."""

from __future__ import annotations

import contextlib

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tests.unit.twoddoc.codec_support import (
    reference_code_bytes,
    reference_codes,
    spec_test_cert,
)

from sealdoc.errors import ParseError
from sealdoc.twoddoc import TwoDDoc, assemble, check_fields, check_signature

FUZZ = settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
CODES = [reference_code_bytes(v) for v in reference_codes()]
C40_ALPHABET = list(b"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 /-,\x1d\x1e\x1f")


def _exercise(data: bytes | str) -> None:
    try:
        doc = TwoDDoc.parse(data)
    except ParseError:
        return
    check_fields(doc)
    check_signature(doc, spec_test_cert())
    doc.to_info().model_dump_json()
    with contextlib.suppress(ParseError):  # a parsed code need not make a valid document
        doc.document()


@FUZZ
@given(st.binary(max_size=400))
def test_arbitrary_bytes_raise_nothing_but_parse_error(data: bytes) -> None:
    _exercise(data)


@FUZZ
@given(st.text(max_size=300))
def test_arbitrary_text_raises_nothing_but_parse_error(data: str) -> None:
    _exercise(data)


@FUZZ
@given(
    st.sampled_from([b"DC01", b"DC02", b"DC03", b"DC04", b"\xdc\x04", b"E", b"\xee"]),
    st.binary(max_size=300) | st.lists(st.sampled_from(C40_ALPHABET), max_size=300).map(bytes),
)
def test_plausible_prefixes_with_random_tails_raise_nothing_but_parse_error(
    prefix: bytes, tail: bytes
) -> None:
    _exercise(prefix + tail)


@FUZZ
@given(
    st.sampled_from(CODES),
    st.lists(
        st.tuples(
            st.sampled_from(["replace", "insert", "delete"]),
            st.integers(0, 10_000),
            st.integers(0, 255),
        ),
        min_size=1,
        max_size=6,
    ),
)
def test_mutated_reference_codes_raise_nothing_but_parse_error(
    code: bytes, edits: list[tuple[str, int, int]]
) -> None:
    data = bytearray(code)
    for action, position, byte in edits:
        index = position % (len(data) + 1)
        if action == "insert" or not data:
            data.insert(index, byte)
        elif action == "replace":
            data[index % len(data)] = byte
        else:
            del data[index % len(data)]
    _exercise(bytes(data))


@FUZZ
@given(st.sampled_from(CODES), st.integers(0, 10_000), st.integers(1, 40))
def test_truncated_reference_codes_raise_nothing_but_parse_error(
    code: bytes, start: int, length: int
) -> None:
    index = start % len(code)
    _exercise(code[:index])
    _exercise(code[index : index + length])


@FUZZ
@given(st.lists(st.binary(max_size=40), max_size=5))
def test_assembling_arbitrary_segments_raises_nothing_but_parse_error(
    segments: list[bytes],
) -> None:
    with contextlib.suppress(ParseError):  # the segments are random: assembling may fail
        _exercise(assemble([b"E" + s for s in segments]))
