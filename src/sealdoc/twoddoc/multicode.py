"""2D-Docs spread over several DataMatrix symbols (§3.8).

Each symbol carries one segment prefixed with an envelope header:

- C40: ``E`` + set id ``XYZ`` (3 characters ``[A-Z0-9]``) + position ``A`` (hex digit, from 0)
  + ``B`` = number of symbols - 1 (hex digit 1-F);
- binary: ``0xEE`` + set id (2 bytes) + one byte whose high nibble is the position (from 0) and
  low nibble 17 - number of symbols.

A C40 set id ``XYZ`` packed in C40 equals the binary set id, so a mixed set can be recognised.
:func:`assemble` strips the envelopes and joins the segments in order; the result is parsed
like a code read from one symbol.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from sealdoc.errors import EncodingError, ParseError
from sealdoc.twoddoc._c40 import pack_c40

__all__ = ["MAX_SEGMENTS", "Segment", "assemble", "combine", "parse_segment", "split"]

MAX_SEGMENTS = 16
_C40_ENVELOPE = re.compile(rb"E([A-Z0-9]{3})([0-9A-F])([1-9A-F])")
_BINARY_MARKER = 0xEE


@dataclass(frozen=True)
class Segment:
    #: The set id as 2 bytes (a C40 id ``XYZ`` packed in C40).
    set_id: bytes
    #: Position of this segment, from 0.
    index: int
    #: Number of segments in the set.
    count: int
    payload: bytes
    encoding: str


def parse_segment(data: bytes | str) -> Segment | None:
    """The envelope of one symbol's content, or ``None`` if it has none (a whole 2D-Doc)."""
    raw = _to_bytes(data)
    if raw[:1] == b"E":
        match = _C40_ENVELOPE.match(raw)
        if match is None:
            raise ParseError("multi-code segment: malformed C40 envelope 'EXYZAB'", offset=0)
        set_id = pack_c40(match.group(1).decode("ascii"))
        index, last = int(match.group(2), 16), int(match.group(3), 16)
        return _segment(set_id, index, last + 1, raw[6:], "c40")
    if raw[:1] == bytes([_BINARY_MARKER]):
        if len(raw) < 4:
            raise ParseError("multi-code segment: truncated binary envelope", offset=0)
        index, count = raw[3] >> 4, 17 - (raw[3] & 0x0F)
        return _segment(raw[1:3], index, count, raw[4:], "binary")
    return None


def _segment(set_id: bytes, index: int, count: int, payload: bytes, encoding: str) -> Segment:
    if not 2 <= count <= MAX_SEGMENTS:
        raise ParseError(f"multi-code segment: a set has 2 to 16 symbols, this says {count}")
    if index >= count:
        raise ParseError(f"multi-code segment: position {index + 1} of only {count}")
    return Segment(set_id, index, count, payload, encoding)


def assemble(segments: Iterable[bytes | str]) -> bytes:
    """Join the segments of one multi-code 2D-Doc, given in any order, into one code.

    Raises :class:`ParseError` if a segment has no envelope, the segments belong to different
    sets, disagree on the number of symbols, repeat a position or leave one out.
    """
    parsed = []
    for number, data in enumerate(segments, 1):
        segment = parse_segment(data)
        if segment is None:
            raise ParseError(f"segment {number} has no multi-code envelope (E... or 0xEE...)")
        parsed.append(segment)
    if not parsed:
        raise ParseError("no segment given")
    first = parsed[0]
    for segment in parsed:
        if segment.set_id != first.set_id:
            raise ParseError("the segments belong to different multi-code sets")
        if segment.count != first.count:
            raise ParseError("the segments disagree on the number of symbols in the set")
    positions = sorted(segment.index for segment in parsed)
    if positions != list(range(first.count)):
        missing = sorted(set(range(first.count)) - set(positions))
        if missing:
            shown = ", ".join(str(i + 1) for i in missing)
            raise ParseError(f"multi-code set of {first.count} symbols: missing {shown}")
        raise ParseError("multi-code set: a position occurs twice")
    return b"".join(s.payload for s in sorted(parsed, key=lambda s: s.index))


def combine(scanned: Iterable[bytes | str]) -> list[bytes | ParseError]:
    """The codes read from one image or PDF, each multi-code set joined into one code.

    Whole codes pass through; the segments of a set are assembled in the place of its first
    segment. A set that cannot be assembled (a symbol unreadable or missing, an inconsistent
    envelope) stands as the :class:`ParseError` saying why, so the caller reports it.
    """
    out: list[bytes | ParseError] = []
    sets: dict[bytes, list[bytes]] = {}
    slot: dict[bytes, int] = {}
    for data in scanned:
        raw = _to_bytes(data)
        try:
            segment = parse_segment(raw)
        except ParseError as exc:
            out.append(exc)
            continue
        if segment is None:
            out.append(raw)
            continue
        if segment.set_id not in sets:
            sets[segment.set_id] = []
            slot[segment.set_id] = len(out)
            out.append(ParseError("placeholder"))
        sets[segment.set_id].append(raw)
    for set_id, parts in sets.items():
        try:
            out[slot[set_id]] = assemble(parts)
        except ParseError as exc:
            out[slot[set_id]] = exc
    return out


def split(
    code: bytes | str, count: int, set_id: str = "AAA", *, binary: bool = False
) -> list[bytes]:
    """Cut ``code`` into ``count`` segments of similar size with their envelopes (for tests and
    issuers whose layout needs several symbols)."""
    raw = _to_bytes(code)
    if not 2 <= count <= MAX_SEGMENTS:
        raise EncodingError(f"a multi-code set has 2 to 16 symbols, not {count}")
    if not re.fullmatch(r"[A-Z0-9]{3}", set_id):
        raise EncodingError(f"set id must be 3 characters [A-Z0-9], got {set_id!r}")
    if len(raw) < count:
        raise EncodingError(f"a {len(raw)}-byte code cannot be cut into {count} segments")
    size, extra = divmod(len(raw), count)
    out = []
    start = 0
    for index in range(count):
        end = start + size + (1 if index < extra else 0)
        if binary:
            envelope = bytes([_BINARY_MARKER]) + pack_c40(set_id) + bytes([index << 4 | 17 - count])
        else:
            envelope = f"E{set_id}{index:X}{count - 1:X}".encode("ascii")
        out.append(envelope + raw[start:end])
        start = end
    return out


def _to_bytes(data: bytes | str) -> bytes:
    if isinstance(data, str):
        try:
            return data.encode("latin-1")
        except UnicodeEncodeError as exc:
            raise ParseError(
                f"character {data[exc.start]!r} cannot occur in a 2D-Doc", offset=exc.start
            ) from None
    return bytes(data)
