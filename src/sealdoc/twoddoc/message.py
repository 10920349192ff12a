"""Splitting a C40 message into fields, and writing one (§3.4.1).

A message is a run of ``<DI><value>`` blocks. A fixed-length value has no terminator; a
variable-length value ends with ``<GS>`` unless it reached its maximum length or is the last one
(a trailing ``<GS>`` after the last field occurs both ways); a truncated value ends with ``<RS>``.

Real codes do not always follow that rule. The §16 reference codes of types C2-C6 write EORI
numbers (DH, DP, DW: at most 20 characters) with 17 characters and no ``<GS>`` (README erratum
3). Cutting at the first ``<GS>`` (or at the maximum length) would swallow the next field into
the value, and the signature still verifies. So a message is read by a search over the
readings the rules allow:

- *Levels*, strictest first; the first level with a complete reading wins:

  1. every DI allowed for the document type (§8), every value of valid length and characters;
  2. every DI known (§7), values of valid length and characters;
  3. every DI known, values of valid length;
  4. as written (an unknown DI runs to the next separator, short fixed fields are accepted).

- *Within a level*, a variable field may also end early without ``<GS>`` (levels 1-3 only,
  bounded fields only), but only right before two characters that are a DI valid at that level.
  Readings are ranked by (number of such unterminated fields, number of DIs allowed only as
  "any DI of section 7.x" rather than named for the type), then among the best by how well they
  fit the type (mandatory fields missing + DIs repeated), then by the order the candidates were
  tried (the spec-conformant split first, then the shortest unterminated value).

The reading that follows the rules, if there is one at a level, is unique and found first in
linear time (one step per field); so it always wins over readings that do not. Only when there
is none is the ranking computed, by dynamic programming over the positions reachable from the
start; at most :data:`MAX_TIED_READINGS` equally ranked readings are compared. The search is
bounded: once a message has offered :data:`MAX_SEARCH_STEPS` ways to read a field (a crafted
one: real codes offer a few hundred at most), readings with early ends are no longer searched;
the message is then read at the first remaining level whose conformant reading exists, with a
note saying so (or not at all: :class:`ParseError`). That keeps the worst 32 KB input to about a
tenth of a second. A code a sealdoc issuer signs always follows the rules (``sign`` checks what
guarantees it; ``tests/unit/twoddoc/test_message_roundtrip.py`` proves it).
"""

from __future__ import annotations

import functools
import re
from bisect import bisect_left
from collections.abc import Sequence
from dataclasses import dataclass
from typing import NamedTuple, Protocol, TypeAlias

from sealdoc.errors import ParseError
from sealdoc.twoddoc.dictionary import DataIdentifier, all_identifiers, identifier

__all__ = [
    "GS",
    "MAX_SEARCH_STEPS",
    "MAX_TIED_READINGS",
    "RS",
    "US",
    "RawField",
    "SearchBudget",
    "Split",
    "TypeRules",
    "encode_message",
    "field_boundaries",
    "split_message",
]

GS = "\x1d"
RS = "\x1e"
US = "\x1f"
#: Equally ranked readings compared by how they fit the document type (beyond: the first).
MAX_TIED_READINGS = 64
#: Positions plus ways to read a field there (candidate steps) the searches over early ends of
#: one message may examine; beyond, they are given up (real codes need a few hundred at most).
MAX_SEARCH_STEPS = 10_000

_DI = re.compile(r"[0-9A-Z]{2}")
_SEPARATORS = re.compile("[\x1d\x1e]")
_SEPARATOR_CHARS = (GS, RS)
_STRICT, _KNOWN, _LENGTHS, _LENIENT = 1, 2, 3, 4
_LEVEL_NOTES = {
    _KNOWN: "some data identifiers are not allowed for this document type",
    _LENGTHS: "some values hold characters their data identifier does not allow",
    _LENIENT: "the message does not follow the field rules (unknown data identifier or a "
    "value of the wrong length); fields were read as written",
}
_ABANDONED_NOTE = (
    "the message can be split in too many ways with values ended early without <GS> (more than "
    f"{MAX_SEARCH_STEPS} steps); those readings were not searched"
)

Cost = tuple[int, int]
Step = tuple["RawField", int]
#: A reading under construction: (last field, the fields before it), shared between readings.
_Chain: TypeAlias = "tuple[RawField, _Chain] | None"


class TypeRules(Protocol):
    """What the reader needs to know of a document type (see ``doctypes.FieldRules``)."""

    def allows(self, di: str) -> bool: ...

    def names(self, di: str) -> bool: ...

    def misfit(self, ids: Sequence[str]) -> int: ...


class RawField(NamedTuple):
    """One ``<DI><value>`` block as written in the message."""

    id: str
    raw: str
    #: Ended by ``<RS>``: the value was truncated by the issuer.
    truncated: bool
    #: Offset of the DI in the message text.
    offset: int
    #: Ended early without ``<GS>`` (not spec-conformant; see the module documentation).
    unterminated: bool = False


class SearchBudget:
    """Steps left to the searches over early ends (see :data:`MAX_SEARCH_STEPS`); one budget may
    be shared by the splits of one parse (the readings of a mixed code)."""

    def __init__(self, steps: int = MAX_SEARCH_STEPS) -> None:
        self.steps = steps


@dataclass(frozen=True)
class Split:
    fields: tuple[RawField, ...]
    #: What had to be relaxed to read the message (empty if it follows the rules).
    notes: tuple[str, ...] = ()


def split_message(
    text: str, rules: TypeRules | None = None, *, budget: SearchBudget | None = None
) -> Split:
    """Split ``text`` (the message, without header and signature) into fields.

    ``rules`` are the document type's (level 1 is skipped without them). ``budget`` bounds the
    searches over early ends (a new one of :data:`MAX_SEARCH_STEPS` steps by default). Raises
    :class:`ParseError` if not even level 4 reads the message (a character that cannot start a
    DI, or a dangling character at the end).
    """
    reader = _Reader(text, rules, budget if budget is not None else SearchBudget())
    for level in (_STRICT, _KNOWN, _LENGTHS, _LENIENT):
        if level == _STRICT and rules is None:
            continue
        # The conformant reading is unique and found in linear time; the search over early ends
        # runs only when it does not exist at this level.
        fields = reader.read(level, unterminated=False)
        if fields is None and level != _LENIENT:
            fields = reader.read(level, unterminated=True)
        if fields is not None:
            notes = [_ABANDONED_NOTE] if reader.abandoned else []
            if level in _LEVEL_NOTES and not (level == _KNOWN and rules is None):
                notes.append(_LEVEL_NOTES[level])  # without rules, level 2 is the strictest
            notes += [
                f"DI {f.id}: value of {len(f.raw)} characters not followed by <GS> although "
                "shorter than its maximum; read up to the next data identifier"
                for f in fields
                if f.unterminated
            ]
            return Split(tuple(fields), tuple(notes))
    raise reader.explain()


def field_boundaries(text: str) -> list[int]:
    """Offsets where a field ends when ``text`` is read as written, from 0 up to where the
    reading stops (the end, or the first place no field can start). Used to find where a mixed
    code switches to binary."""
    reader = _Reader(text, None, SearchBudget(0))
    offsets = [0]
    while offsets[-1] < len(text):
        step = reader._step(offsets[-1], _LENIENT)
        if step is None:
            break
        offsets.append(step[1])
    return offsets


class _Reader:
    def __init__(self, text: str, rules: TypeRules | None, budget: SearchBudget) -> None:
        self.text = text
        self.rules = rules
        self.budget = budget
        #: Offsets of every <GS>/<RS>, in order.
        self._separators = [m.start() for m in _SEPARATORS.finditer(text)]
        #: Offsets where a DI valid at a level starts, by "strict level?" (built on demand).
        self._field_starts: dict[bool, list[int]] = {}
        #: Whether a search over early ends was given up (see MAX_SEARCH_STEPS).
        self.abandoned = False

    def _stop(self, i: int) -> int:
        """Index of the first <GS>/<RS> at or after ``i`` (the length of the text if none)."""
        separators = self._separators
        k = bisect_left(separators, i)
        return separators[k] if k < len(separators) else len(self.text)

    def candidates(self, p: int, level: int, *, unterminated: bool) -> list[Step]:
        """Every way to read one field at ``p``, most conformant first: (field, next offset).

        ``unterminated``: also the early ends of a bounded variable field without ``<GS>``."""
        step = self._step(p, level)
        out = [step] if step is not None else []
        if unterminated and level != _LENIENT:
            code = self.text[p : p + 2]
            di = identifier(code)
            if (
                di is not None
                and not di.fixed
                and di.max is not None
                and (level != _STRICT or self.rules is None or self.rules.allows(code))
            ):
                limit = min(self._stop(p + 2) - (p + 2), di.max)
                out += self._early_ends(di, p, limit, level)
        return out

    def _step(self, p: int, level: int) -> Step | None:
        """The conformant way to read one field at ``p`` (there is at most one), if any.

        The hot loop of every parse: the separator lookup and the checks of :func:`_acceptable`
        are written out here."""
        text = self.text
        code = text[p : p + 2]
        di = identifier(code)
        if di is None:
            if level == _LENIENT and len(code) == 2 and _DI.fullmatch(code):
                return self._up_to(p, self._stop(p + 2))
            return None
        if level == _STRICT and self.rules is not None and not self.rules.allows(code):
            return None
        start = p + 2
        separators = self._separators
        k = bisect_left(separators, start)
        n = len(text)
        stop = separators[k] if k < len(separators) else n
        maximum = di.max
        if di.fixed:
            end = start + di.min
            if stop < end:
                return self._up_to(p, stop) if level == _LENIENT else None
            following = text[end : end + 1]
            if following == RS and level != _LENIENT:
                return None  # a fixed-length value may not be truncated
            value = text[start:end]
            after = end + 1 if following in _SEPARATOR_CHARS else end
            step = (RawField(code, value, following == RS, p), after)
        elif maximum is None or stop - start <= maximum:
            value = text[start:stop]
            truncated = stop < n and text[stop] == RS
            if level != _LENIENT and len(value) < di.min and not truncated:
                return None
            step = (RawField(code, value, truncated, p), stop + 1 if stop < n else n)
        else:
            value = text[start : start + maximum]
            step = (RawField(code, value, False, p), start + maximum)
        if level < _LENGTHS and not di.charset.issuperset(value):
            return None
        return step

    def _early_ends(self, di: DataIdentifier, p: int, limit: int, level: int) -> list[Step]:
        """The field at ``p`` ended after fewer than ``limit`` characters, without <GS>, right
        before a DI valid at ``level``; shortest first. Values are valid by construction."""
        text = self.text
        start = p + 2
        longest = limit
        if level < _LENGTHS:  # the value may not run past the first character not allowed
            bad = _outside(di.charset).search(text, start, start + limit)
            if bad is not None:
                longest = bad.start() - start
        starts = self._starts(level)
        last = start + min(longest + 1, limit)  # exclusive
        out: list[Step] = []
        for k in range(bisect_left(starts, start + di.min), len(starts)):
            after = starts[k]
            if after >= last:
                break
            field = RawField(di.id, text[start:after], False, p, unterminated=True)
            out.append((field, after))
        return out

    def _starts(self, level: int) -> list[int]:
        """Offsets where a DI valid at ``level`` starts (known; allowed for the type at level 1)."""
        strict = level == _STRICT and self.rules is not None
        starts = self._field_starts.get(strict)
        if starts is None:
            rules = self.rules if strict else None
            codes = (d.id for d in all_identifiers() if rules is None or rules.allows(d.id))
            pattern = _lookahead(frozenset(codes))
            starts = [match.start() for match in pattern.finditer(self.text)]
            self._field_starts[strict] = starts
        return starts

    def _up_to(self, p: int, stop: int) -> Step:
        """The field at ``p`` running to the separator at ``stop`` (or to the end)."""
        truncated = stop < len(self.text) and self.text[stop] == RS
        field = RawField(self.text[p : p + 2], self.text[p + 2 : stop], truncated, p)
        return field, min(stop + 1, len(self.text))

    def _cost(self, field: RawField, level: int) -> Cost:
        generic = level == _STRICT and self.rules is not None and not self.rules.names(field.id)
        return (1 if field.unterminated else 0, 1 if generic else 0)

    def read(self, level: int, *, unterminated: bool) -> list[RawField] | None:
        """The best complete reading at ``level`` (see the module documentation), or ``None``."""
        if not unterminated:
            return self._conformant(level)
        return self._search(level)

    def _conformant(self, level: int) -> list[RawField] | None:
        """The reading without early ends: at most one way to read each field, so one pass."""
        n = len(self.text)
        fields: list[RawField] = []
        p = 0
        while p < n:
            step = self._step(p, level)
            if step is None:
                return None
            field, p = step
            fields.append(field)
        return fields

    def _search(self, level: int) -> list[RawField] | None:
        """The best reading with early ends: every position reachable from the start is visited
        in order (a step always moves forward), then costed from the end back."""
        n = len(self.text)
        steps: dict[int, list[tuple[Step, Cost]]] = {}
        reached = bytearray(n + 1)
        reached[0] = 1
        budget = self.budget
        for p in range(n):
            if not reached[p]:
                continue
            if budget.steps <= 0:
                self.abandoned = True
                return None
            options = self.candidates(p, level, unterminated=True)
            budget.steps -= 1 + len(options)
            steps[p] = [(s, self._cost(s[0], level)) for s in options]
            for _, q in options:
                reached[q] = 1
        best: dict[int, Cost | None] = {n: (0, 0)}
        for p in sorted(steps, reverse=True):
            totals = [
                (c[0] + t[0], c[1] + t[1]) for (_, q), c in steps[p] if (t := best[q]) is not None
            ]
            best[p] = min(totals) if totals else None
        if best.get(0) is None:
            return None
        readings = self._optimal(best, steps)
        if len(readings) == 1 or self.rules is None:
            return readings[0]
        rules = self.rules
        return min(readings, key=lambda fields: rules.misfit([f.id for f in fields]))

    def _optimal(
        self, best: dict[int, Cost | None], steps: dict[int, list[tuple[Step, Cost]]]
    ) -> list[list[RawField]]:
        """Up to MAX_TIED_READINGS readings of minimal cost, in candidate order."""
        n = len(self.text)
        readings: list[list[RawField]] = []
        stack: list[tuple[int, _Chain]] = [(0, None)]
        while stack and len(readings) < MAX_TIED_READINGS:
            p, chain = stack.pop()
            if p == n:
                fields: list[RawField] = []
                while chain is not None:
                    fields.append(chain[0])
                    chain = chain[1]
                readings.append(fields[::-1])
                continue
            target = best[p]
            assert target is not None
            options: list[tuple[int, _Chain]] = []
            for (field, q), cost in steps[p]:
                rest = best[q]
                if rest is not None and (cost[0] + rest[0], cost[1] + rest[1]) == target:
                    options.append((q, (field, chain)))
            stack.extend(reversed(options))
        return readings

    def explain(self) -> ParseError:
        """Why the lenient reading fails: walk it as far as it goes."""
        text = self.text
        p = 0
        while p < len(text):
            code = text[p : p + 2]
            if len(code) < 2:
                return ParseError(
                    f"dangling character {code!r} at the end of the message", offset=p
                )
            if not _DI.fullmatch(code):
                return ParseError(
                    f"{code!r} is not a data identifier (two characters [0-9A-Z])", offset=p
                )
            step = self._step(p, _LENIENT)
            p = step[1] if step is not None else len(text)
        return ParseError("the message cannot be split into fields")


@functools.cache
def _lookahead(codes: frozenset[str]) -> re.Pattern[str]:
    """A pattern matching (empty) where one of the two-character ``codes`` starts."""
    by_first: dict[str, list[str]] = {}
    for code in sorted(codes):
        by_first.setdefault(code[0], []).append(re.escape(code[1]))
    branches = [f"{re.escape(first)}[{''.join(seconds)}]" for first, seconds in by_first.items()]
    return re.compile("(?=" + "|".join(branches) + ")") if branches else re.compile("(?!)")


@functools.cache
def _outside(charset: frozenset[str]) -> re.Pattern[str]:
    """A pattern matching any character not in ``charset``."""
    return re.compile("[^" + "".join(re.escape(char) for char in sorted(charset)) + "]")


def encode_message(fields: Sequence[tuple[DataIdentifier, str, bool]]) -> str:
    """Write ``(DI, value, truncated)`` blocks in order, with separators only where needed.

    ``<RS>`` after a truncated value; ``<GS>`` after a variable value shorter than its maximum,
    except after the last field. Values must have been checked (no separator inside).
    """
    parts: list[str] = []
    last = len(fields) - 1
    for index, (di, value, truncated) in enumerate(fields):
        parts.append(di.id + value)
        if truncated:
            parts.append(RS)
        elif index != last and not di.fixed and (di.max is None or len(value) < di.max):
            parts.append(GS)
    return "".join(parts)
