"""Property tests: every valid field set of a typed document type signs, reads back identically
and verifies, on every curve; and no one-character change of a signed code verifies."""

from __future__ import annotations

import datetime as dt
import string
from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tests.unit.twoddoc.codec_support import throwaway_key

from sealdoc.errors import ParseError
from sealdoc.report import CheckStatus
from sealdoc.twoddoc import (
    DataIdentifier,
    TwoDDoc,
    check_fields,
    check_signature,
    doc_type,
    identifier,
    rules_for,
    sign,
)
from sealdoc.twoddoc.dates import EPOCH, MAX_HEX_DATE
from sealdoc.twoddoc.dictionary import encode_value
from sealdoc.twoddoc.models import _MODELS

TYPED = sorted(_MODELS)
CURVES = ["P-256", "P-384", "P-521"]
SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _text(entry: DataIdentifier) -> st.SearchStrategy[str]:
    longest = entry.max if entry.max is not None else entry.min + 40
    return st.text(alphabet=sorted(entry.charset), min_size=entry.min, max_size=longest)


def _digits(size: int) -> st.SearchStrategy[str]:
    return st.text(alphabet=string.digits, min_size=size, max_size=size)


@st.composite
def _decimal(draw: st.DrawFn, entry: DataIdentifier) -> str:
    longest = entry.max if entry.max is not None else 12
    shortest = max(entry.min, 1)
    size = draw(st.integers(shortest, longest))
    sign = "-" if "-" in entry.charset and size >= 2 and draw(st.booleans()) else ""
    room = size - len(sign)
    if room >= 3 and draw(st.booleans()):
        decimals = draw(st.integers(1, min(2, room - 2)))
        whole = room - decimals - 1
        return sign + draw(_digits(whole)) + "," + draw(_digits(decimals))
    return sign + draw(_digits(room))


def _value(entry: DataIdentifier) -> st.SearchStrategy[object]:
    """A valid value of ``entry``: its text or (where one exists) a typed value."""
    kind = entry.kind
    if kind == "text":
        return _text(entry)
    if kind == "integer":
        if entry.fixed:
            return _digits(entry.min) | st.integers(0, 10**entry.min - 1)
        return st.integers(0, 10 ** (entry.max or 9) - 1)
    if kind == "decimal":
        return _decimal(entry)
    if kind == "bool":
        return st.booleans() | st.sampled_from(["0", "1"])
    if kind == "date":
        days = st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2099, 12, 31))
        if entry.date_tolerance == "partial":
            return days | st.sampled_from(["00071973", "00001980"])
        return days
    if kind == "datetime":
        moments = st.datetimes(min_value=dt.datetime(1950, 1, 1), max_value=dt.datetime(2099, 1, 1))
        return moments.map(lambda m: m.replace(second=0, microsecond=0))
    if kind == "date_hex":
        return st.dates(min_value=EPOCH, max_value=MAX_HEX_DATE)
    if kind == "time":
        return st.times().map(lambda t: t.replace(microsecond=0))
    if kind == "time_hhmm":
        return st.times().map(lambda t: t.replace(second=0, microsecond=0))
    if kind == "hex_int":
        return st.integers(0, 16**entry.min - 1)
    if kind == "base36_int":
        return st.integers(0, 35)
    if kind == "url":
        return st.text(min_size=1, max_size=60).map(lambda s: "https://example.org/" + s)
    raise AssertionError(kind)


@st.composite
def documents(draw: st.DrawFn) -> tuple[str, dict[str, object]]:
    """A document type with a typed model and a valid field set for it, in random order."""
    code = draw(st.sampled_from(TYPED))
    rules = rules_for(code)
    assert rules is not None
    chosen = set(rules.mandatory)
    for groups in rules.one_of:
        chosen |= draw(st.sampled_from(groups))
    optional = sorted(rules.optional - rules.forbidden)
    chosen |= set(draw(st.lists(st.sampled_from(optional), unique=True))) if optional else set()
    order = draw(st.permutations(sorted(chosen)))
    fields: dict[str, object] = {}
    for di in order:
        entry = identifier(di)
        assert entry is not None
        fields[di] = draw(_value(entry))
    return code, fields


def _sign(code: str, fields: dict[str, object], curve: str, version: int) -> str:
    entry = doc_type(code)
    assert entry is not None
    issue = dt.date(2024, 2, 29) if entry.issue_date_required else None
    return sign(
        code,
        fields,
        throwaway_key(curve),
        ca_id="FR00",
        cert_id="0001",
        issue_date=issue,
        signature_date=dt.date(2024, 3, 1),
        version=version,
    )


@SETTINGS
@given(documents(), st.sampled_from(CURVES), st.sampled_from([2, 3, 4]))
def test_valid_fields_sign_read_back_identically_and_verify(
    document: tuple[str, dict[str, object]], curve: str, version: int
) -> None:
    code, fields = document
    signed = _sign(code, fields, curve, version)
    doc = TwoDDoc.parse(signed)
    expected = []
    for di, value in fields.items():
        entry = identifier(di)
        assert entry is not None
        expected.append((di, encode_value(entry, value)))
    assert [(f.id, f.raw) for f in doc.fields] == expected
    for field, (di, value) in zip(doc.fields, fields.items(), strict=True):
        if not isinstance(value, str) and not isinstance(value, Decimal | float):
            assert field.value == value, di
    assert doc.notes == ()
    assert check_signature(doc, throwaway_key(curve).public_key).status is CheckStatus.PASSED
    check = check_fields(doc)
    assert check.status is CheckStatus.PASSED, check.message
    assert isinstance(doc.document(), _MODELS[code])


MUTANTS = st.sampled_from(
    [
        *string.ascii_uppercase,
        *string.digits,
        *" /-,.'<abc",
        "\x1d",
        "\x1e",
        "\x1f",
        "\n",
        "\xe9",
        "\x00",
    ]
)


@SETTINGS
@given(documents(), st.sampled_from(CURVES), st.data())
def test_any_one_character_change_of_a_signed_code_never_verifies(
    document: tuple[str, dict[str, object]], curve: str, data: st.DataObject
) -> None:
    code, fields = document
    signed = _sign(code, fields, curve, 4)
    index = data.draw(st.integers(0, len(signed) - 1), label="index")
    replacement = data.draw(MUTANTS.filter(lambda c: c != signed[index]), label="replacement")
    mutated = signed[:index] + replacement + signed[index + 1 :]
    try:
        doc = TwoDDoc.parse(mutated)
    except ParseError:
        return
    check = check_signature(doc, throwaway_key(curve).public_key)
    assert check.status is CheckStatus.FAILED, (index, replacement)


@SETTINGS
@given(documents(), st.data())
def test_deleting_or_inserting_one_character_never_verifies(
    document: tuple[str, dict[str, object]], data: st.DataObject
) -> None:
    code, fields = document
    signed = _sign(code, fields, "P-256", 4)
    index = data.draw(st.integers(0, len(signed)), label="index")
    if data.draw(st.booleans(), label="insert"):
        mutated = signed[:index] + data.draw(MUTANTS, label="char") + signed[index:]
    else:
        mutated = signed[: max(index - 1, 0)] + signed[index:] if index else signed[1:]
    try:
        doc = TwoDDoc.parse(mutated)
    except ParseError:
        return
    original = TwoDDoc.parse(signed)
    if mutated.startswith(signed) and mutated[len(signed)] == "\x1d":
        # an (empty) annex appended after the signature: unsigned by design (§3.6), so the
        # signature still holds, but the signed content is unchanged
        assert (doc.signed_data, doc.fields) == (original.signed_data, original.fields)
        return
    assert check_signature(doc, throwaway_key("P-256").public_key).status is CheckStatus.FAILED


def test_appending_an_annex_leaves_the_signed_content_unchanged() -> None:
    signed = _sign("08", {"6F": "P FRASPECIMEN"}, "P-256", 4)
    doc = TwoDDoc.parse(signed + "\x1d")
    assert doc.annex == ()
    assert doc.signed_data == TwoDDoc.parse(signed).signed_data
