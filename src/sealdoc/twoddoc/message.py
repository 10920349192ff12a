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
linear time; so it always wins over readings that do not. Only when there is none is the
ranking computed, by dynamic programming over positions (linear in the message length times the
longest maximum length, 140); at most :data:`MAX_TIED_READINGS` equally ranked readings are
compared. A code a sealdoc issuer signs always follows the rules (``sign`` reads it back).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol, TypeAlias

from sealdoc.errors import ParseError
from sealdoc.twoddoc.dictionary import DataIdentifier, identifier

__all__ = [
    "GS",
    "MAX_TIED_READINGS",
    "RS",
    "US",
    "RawField",
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

_DI = re.compile(r"[0-9A-Z]{2}")
_STRICT, _KNOWN, _LENGTHS, _LENIENT = 1, 2, 3, 4
_LEVEL_NOTES = {
    _KNOWN: "some data identifiers are not allowed for this document type",
    _LENGTHS: "some values hold characters their data identifier does not allow",
    _LENIENT: "the message does not follow the field rules (unknown data identifier or a "
    "value of the wrong length); fields were read as written",
}

Cost = tuple[int, int]
Step = tuple["RawField", int]
#: A reading under construction: (last field, the fields before it), shared between readings.
_Chain: TypeAlias = "tuple[RawField, _Chain] | None"


class TypeRules(Protocol):
    """What the reader needs to know of a document type (see ``doctypes.FieldRules``)."""

    def allows(self, di: str) -> bool: ...

    def names(self, di: str) -> bool: ...

    def misfit(self, ids: Sequence[str]) -> int: ...


@dataclass(frozen=True)
class RawField:
    """One ``<DI><value>`` block as written in the message."""

    id: str
    raw: str
    #: Ended by ``<RS>``: the value was truncated by the issuer.
    truncated: bool
    #: Offset of the DI in the message text.
    offset: int
    #: Ended early without ``<GS>`` (not spec-conformant; see the module documentation).
    unterminated: bool = False


@dataclass(frozen=True)
class Split:
    fields: tuple[RawField, ...]
    #: What had to be relaxed to read the message (empty if it follows the rules).
    notes: tuple[str, ...] = ()


def split_message(text: str, rules: TypeRules | None = None) -> Split:
    """Split ``text`` (the message, without header and signature) into fields.

    ``rules`` are the document type's (level 1 is skipped without them). Raises
    :class:`ParseError` if not even level 4 reads the message (a character that cannot start a
    DI, or a dangling character at the end).
    """
    reader = _Reader(text, rules)
    for level in (_STRICT, _KNOWN, _LENGTHS, _LENIENT):
        if level == _STRICT and rules is None:
            continue
        # The conformant reading is unique and found in linear time; the search over early ends
        # runs only when it does not exist at this level.
        fields = reader.read(level, unterminated=False)
        if fields is None and level != _LENIENT:
            fields = reader.read(level, unterminated=True)
        if fields is not None:
            notes = [_LEVEL_NOTES[level]] if level in _LEVEL_NOTES else []
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
    reader = _Reader(text, None)
    offsets = [0]
    while offsets[-1] < len(text):
        options = reader.candidates(offsets[-1], _LENIENT, unterminated=False)
        if not options:
            break
        offsets.append(options[0][1])
    return offsets


class _Reader:
    def __init__(self, text: str, rules: TypeRules | None) -> None:
        self.text = text
        self.rules = rules
        # separators[i]: index of the first <GS>/<RS> at or after i (len(text) if none)
        self._starts: dict[tuple[str, bool], bool] = {}
        self.separators = [len(text)] * (len(text) + 1)
        for i in range(len(text) - 1, -1, -1):
            self.separators[i] = i if text[i] in (GS, RS) else self.separators[i + 1]

    def candidates(self, p: int, level: int, *, unterminated: bool) -> list[Step]:
        """Every way to read one field at ``p``, most conformant first: (field, next offset).

        ``unterminated``: also the early ends of a bounded variable field without ``<GS>``."""
        text = self.text
        code = text[p : p + 2]
        if len(code) < 2 or not _DI.fullmatch(code):
            return []
        di = identifier(code)
        start = p + 2
        stop = self.separators[start]
        if di is None:
            return [self._up_to(p, stop)] if level == _LENIENT else []
        if level == _STRICT and self.rules is not None and not self.rules.allows(code):
            return []
        out: list[Step] = []
        if di.fixed:
            end = start + di.min
            if stop >= end:
                following = text[end : end + 1]
                field = RawField(code, text[start:end], following == RS, p)
                out.append((field, end + 1 if following in (GS, RS) else end))
            elif level == _LENIENT:
                out.append(self._up_to(p, stop))
        else:
            if di.max is None or stop - start <= di.max:
                out.append(self._up_to(p, stop))
            else:
                out.append((RawField(code, text[start : start + di.max], False, p), start + di.max))
        if level == _LENIENT:
            return out
        out = [(f, q) for f, q in out if _acceptable(di, f.raw, f.truncated, level)]
        if unterminated and not di.fixed and di.max is not None:
            out += self._early_ends(di, p, min(stop - start, di.max), level)
        return out

    def _early_ends(self, di: DataIdentifier, p: int, limit: int, level: int) -> list[Step]:
        """The field at ``p`` ended after fewer than ``limit`` characters, without <GS>, right
        before a DI valid at ``level``; shortest first. Values are valid by construction."""
        text = self.text
        start = p + 2
        longest = limit
        if level < _LENGTHS:  # the value may not run past the first character not allowed
            longest = next((i for i in range(limit) if text[start + i] not in di.charset), limit)
        out: list[Step] = []
        for length in range(di.min, min(longest + 1, limit)):
            after = start + length
            if self._starts_field(text[after : after + 2], level):
                field = RawField(di.id, text[start:after], False, p, unterminated=True)
                out.append((field, after))
        return out

    def _up_to(self, p: int, stop: int) -> Step:
        """The field at ``p`` running to the separator at ``stop`` (or to the end)."""
        truncated = stop < len(self.text) and self.text[stop] == RS
        field = RawField(self.text[p : p + 2], self.text[p + 2 : stop], truncated, p)
        return field, min(stop + 1, len(self.text))

    def _starts_field(self, code: str, level: int) -> bool:
        key = (code, level == _STRICT)
        known = self._starts.get(key)
        if known is None:
            known = bool(_DI.fullmatch(code)) and identifier(code) is not None
            known = known and (level != _STRICT or self.rules is None or self.rules.allows(code))
            self._starts[key] = known
        return known

    def _cost(self, field: RawField, level: int) -> Cost:
        generic = level == _STRICT and self.rules is not None and not self.rules.names(field.id)
        return (1 if field.unterminated else 0, 1 if generic else 0)

    def read(self, level: int, *, unterminated: bool) -> list[RawField] | None:
        """The best complete reading at ``level`` (see the module documentation), or ``None``."""
        n = len(self.text)
        best: dict[int, Cost | None] = {n: (0, 0)}
        steps: dict[int, list[tuple[Step, Cost]]] = {}
        stack = [0]
        while stack:  # iterative DFS: a position is costed after all positions it leads to
            p = stack[-1]
            if p in best:
                stack.pop()
                continue
            if p not in steps:
                options = self.candidates(p, level, unterminated=unterminated)
                steps[p] = [(s, self._cost(s[0], level)) for s in options]
            pending = [q for (_, q), _ in steps[p] if q not in best]
            if pending:
                stack.extend(reversed(pending))
                continue
            stack.pop()
            totals = [
                (c[0] + t[0], c[1] + t[1]) for (_, q), c in steps[p] if (t := best[q]) is not None
            ]
            best[p] = min(totals) if totals else None
        if best[0] is None:
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
            options = self.candidates(p, _LENIENT, unterminated=False)
            p = options[0][1] if options else len(text)
        return ParseError("the message cannot be split into fields")


def _acceptable(di: DataIdentifier, value: str, truncated: bool, level: int) -> bool:
    if truncated and di.fixed:
        return False
    if di.max is not None and len(value) > di.max:
        return False
    if len(value) < di.min and not truncated:
        return False
    return level >= _LENGTHS or all(char in di.charset for char in value)


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
