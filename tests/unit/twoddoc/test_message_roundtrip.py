"""What ``sign`` relies on instead of parsing its own code again: every message that passes its
field checks splits back into exactly the fields written, without allowances, for every document
type (and for an annex, read without type rules). Also: the bound on the search over readings."""

from __future__ import annotations

import contextlib
import time

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sealdoc.errors import ParseError
from sealdoc.twoddoc import TwoDDoc
from sealdoc.twoddoc.dictionary import DataIdentifier, all_identifiers, value_problems
from sealdoc.twoddoc.doctypes import DOC_TYPES as DOC_TYPE_TABLE
from sealdoc.twoddoc.doctypes import FieldRules, rules_for
from sealdoc.twoddoc.message import MAX_SEARCH_STEPS, encode_message, split_message

SETTINGS = settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
DOC_TYPES = sorted(
    code for perimeter, code in DOC_TYPE_TABLE if perimeter == "01" and rules_for(code) is not None
)

Block = tuple[DataIdentifier, str, bool]


@st.composite
def _block(draw: st.DrawFn, entry: DataIdentifier) -> Block:
    """A value ``sign`` accepts for ``entry`` (shortest, longest and truncated ones included)."""
    longest = entry.max if entry.max is not None else entry.min + 30
    truncated = not entry.fixed and entry.kind != "url" and draw(st.booleans())
    shortest = 0 if truncated else entry.min
    size = draw(st.sampled_from([shortest, longest]) | st.integers(shortest, longest))
    text = draw(st.text(alphabet=sorted(entry.charset), min_size=size, max_size=size))
    return entry, text, truncated


@st.composite
def _message(draw: st.DrawFn) -> tuple[FieldRules | None, list[Block]]:
    code = draw(st.sampled_from([None, *DOC_TYPES]))
    rules = rules_for(code) if code is not None else None
    entries = [e for e in all_identifiers() if rules is None or rules.allows(e.id)]
    chosen = draw(st.lists(st.sampled_from(entries), max_size=10, unique_by=lambda e: e.id))
    blocks = [draw(_block(entry)) for entry in chosen]
    # only what sign() accepts: the length/character rules, checked as sign() checks them
    blocks = [b for b in blocks if not value_problems(b[0], b[1], truncated=b[2])]
    return rules, blocks


@SETTINGS
@given(_message())
def test_every_message_sign_accepts_splits_back_into_the_fields_written(
    message: tuple[FieldRules | None, list[Block]],
) -> None:
    rules, blocks = message
    split = split_message(encode_message(blocks), rules)
    assert [(f.id, f.raw, f.truncated) for f in split.fields] == [
        (entry.id, value, truncated) for entry, value, truncated in blocks
    ]
    assert split.notes == ()
    assert not any(f.unterminated for f in split.fields)


def _timed_parse(code: bytes) -> float:
    start = time.perf_counter()
    with contextlib.suppress(ParseError):
        TwoDDoc.parse(code)
    return time.perf_counter() - start


def test_a_crafted_message_with_countless_readings_is_parsed_in_bounded_time() -> None:
    # Every position starts a valid DI and no value ends with <GS>: without a bound, the search
    # over early ends visits every position with dozens of candidates, at each level.
    header = "DC04FR000001FFFF25550101FR"
    code = (header + "10ABC22DEF" * 3200 + "!").encode("ascii")[: 32 * 1024]
    assert _timed_parse(code) < 2.0


def test_a_message_beyond_the_search_budget_says_its_readings_were_not_all_searched() -> None:
    # "10" (at most 38 characters) followed by values that never fit: only early ends could read
    # it, and there are more of them than the budget allows.
    text = "10" + "22ABCDEFGH" * (MAX_SEARCH_STEPS // 4) + "\x1d"
    split = split_message(text, rules_for("01"))
    assert any("not searched" in note for note in split.notes)


def test_a_mixed_code_shares_one_search_budget_between_the_switches_it_tries() -> None:
    header = "DC04FR000001FFFF25550101FR"
    code = (header + "10ABC22DEF" * 3000).encode("ascii") + b"\xff\x40" + bytes(64)
    assert _timed_parse(code) < 2.0
