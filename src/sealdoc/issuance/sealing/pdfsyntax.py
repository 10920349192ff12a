"""Just enough PDF reading to append a seal: cross-reference sections and a few objects.

The batch fast path needs, per document, the trailer, the catalog, one page and a handful of
form and name-tree entries. A general parser (pyHanko's) builds full object models for them,
which costs more than the signature. :class:`LightPdf` reads exactly those objects, keeps each
dictionary value's *original bytes* (so a rewritten dictionary copies them verbatim) and
understands:

* classic cross-reference tables and cross-reference streams (Flate, PNG predictors), with
  ``/Prev`` chains;
* objects stored directly or in object streams;
* literal and hex strings, names with ``#xx`` escapes, arrays, dictionaries, references.

Everything else raises :class:`Unsupported` (hybrid files with ``/XRefStm``, encryption,
other filters, malformed syntax): the caller then seals with pyHanko's general machinery,
which also produces the proper error for a broken file. Parsing is bounded (nesting depth,
number of sections, object stream size).
"""

from __future__ import annotations

import re
import zlib
from dataclasses import dataclass, field

__all__ = ["Array", "Dict", "LightPdf", "Name", "Ref", "String", "Unsupported", "Value"]

_WHITESPACE = frozenset(b"\x00\t\n\x0c\r ")
_DELIMITERS = frozenset(b"()<>[]{}/%")
_ENDS = _WHITESPACE | _DELIMITERS
_MAX_DEPTH = 32
_MAX_SECTIONS = 256
_MAX_STREAM = 16 * 1024 * 1024
_NUMBER = re.compile(rb"[+-]?(\d+\.?\d*|\.\d+)")
_OBJ_HEADER = re.compile(rb"\s*(\d+)\s+(\d+)\s+obj")


class Unsupported(Exception):
    """The document uses something this reader does not handle (the message says what)."""


class Name(str):
    """A PDF name, decoded, without its slash."""

    __slots__ = ()


class String(bytes):
    """A PDF string's bytes (escapes resolved)."""

    __slots__ = ()

    def text(self) -> str:
        if self.startswith(b"\xfe\xff"):
            return self[2:].decode("utf-16-be", errors="replace")
        if self.startswith(b"\xef\xbb\xbf"):
            return self[3:].decode("utf-8", errors="replace")
        return self.decode("latin-1")


@dataclass(frozen=True)
class Ref:
    num: int
    gen: int

    def raw(self) -> bytes:
        return b"%d %d R" % (self.num, self.gen)


@dataclass
class Array:
    items: list[Value]
    raws: list[bytes]

    def with_appended(self, raw: bytes) -> bytes:
        return b"[" + b" ".join([*self.raws, raw]) + b"]"

    def with_inserted(self, index: int, raws: list[bytes]) -> bytes:
        items = [*self.raws[:index], *raws, *self.raws[index:]]
        return b"[" + b" ".join(items) + b"]"


@dataclass
class Dict:
    """A dictionary: decoded values and the original bytes of each key and value."""

    values: dict[str, Value] = field(default_factory=dict)
    raws: dict[str, bytes] = field(default_factory=dict)
    keys: dict[str, bytes] = field(default_factory=dict)
    stream: bytes | None = None  # raw (still encoded) data, for stream objects

    def get(self, key: str) -> Value:
        return self.values.get(key)

    def __contains__(self, key: str) -> bool:
        return key in self.values

    def serialise(self, changes: dict[str, bytes | None] | None = None) -> bytes:
        """The dictionary with ``changes`` (name -> raw value; ``None`` removes the entry)."""
        changes = changes or {}
        parts = [b"<<"]
        for key, raw in self.raws.items():
            if key in changes:
                continue
            parts.append(b"/" + self.keys[key] + b" " + raw)
        for key, new in changes.items():
            if new is not None:
                parts.append(b"/" + self.keys.get(key, key.encode("ascii")) + b" " + new)
        parts.append(b">>")
        return b" ".join(parts)


Value = None | bool | int | float | Name | String | Ref | Array | Dict


class _Parser:
    def __init__(self, data: bytes) -> None:
        self.data = data

    def skip(self, pos: int) -> int:
        data, size = self.data, len(self.data)
        while pos < size:
            byte = data[pos]
            if byte in _WHITESPACE:
                pos += 1
            elif byte == 0x25:  # % comment
                while pos < size and data[pos] not in (0x0A, 0x0D):
                    pos += 1
            else:
                break
        return pos

    def token_end(self, pos: int) -> int:
        data, size = self.data, len(self.data)
        while pos < size and data[pos] not in _ENDS:
            pos += 1
        return pos

    def value(self, pos: int, depth: int = 0) -> tuple[Value, int, int]:
        """Parse the value at ``pos``: (value, start, end) with whitespace before skipped."""
        if depth > _MAX_DEPTH:
            raise Unsupported("objects nested too deeply")
        data = self.data
        start = pos = self.skip(pos)
        if pos >= len(data):
            raise Unsupported("unexpected end of data")
        byte = data[pos]
        if byte == 0x2F:  # /name
            end = self.token_end(pos + 1)
            return Name(_decode_name(data[pos + 1 : end])), start, end
        if byte == 0x28:  # (string)
            text, end = self._literal(pos)
            return String(text), start, end
        if byte == 0x3C:  # < or <<
            if data[pos + 1 : pos + 2] == b"<":
                parsed, end = self._dict(pos + 2, depth)
                return parsed, start, end
            end = data.find(b">", pos)
            if end < 0:
                raise Unsupported("unterminated hex string")
            digits = bytes(b for b in data[pos + 1 : end] if b not in _WHITESPACE)
            if len(digits) % 2:
                digits += b"0"
            try:
                return String(bytes.fromhex(digits.decode("ascii"))), start, end + 1
            except ValueError:
                raise Unsupported("malformed hex string") from None
        if byte == 0x5B:  # [array]
            items: list[Value] = []
            raws: list[bytes] = []
            pos += 1
            while True:
                pos = self.skip(pos)
                if pos >= len(data):
                    raise Unsupported("unterminated array")
                if data[pos] == 0x5D:
                    return Array(items, raws), start, pos + 1
                item, item_start, pos = self.value(pos, depth + 1)
                items.append(item)
                raws.append(data[item_start:pos])
        end = self.token_end(pos)
        word = data[pos:end]
        if word == b"true":
            return True, start, end
        if word == b"false":
            return False, start, end
        if word == b"null":
            return None, start, end
        if not _NUMBER.fullmatch(word):
            raise Unsupported(f"unexpected token {word[:20]!r}")
        if b"." in word:
            return float(word), start, end
        number = int(word)
        # a reference? "num gen R"
        after = self.skip(end)
        gen_end = self.token_end(after)
        if gen_end > after and data[after:gen_end].isdigit():
            r_at = self.skip(gen_end)
            if data[r_at : r_at + 1] == b"R" and (r_at + 1 >= len(data) or data[r_at + 1] in _ENDS):
                return Ref(number, int(data[after:gen_end])), start, r_at + 1
        return number, start, end

    def _dict(self, pos: int, depth: int) -> tuple[Dict, int]:
        data = self.data
        result = Dict()
        while True:
            pos = self.skip(pos)
            if data[pos : pos + 2] == b">>":
                return result, pos + 2
            if pos >= len(data) or data[pos] != 0x2F:
                raise Unsupported("malformed dictionary")
            key_end = self.token_end(pos + 1)
            key_raw = data[pos + 1 : key_end]
            key = _decode_name(key_raw)
            value, value_start, pos = self.value(key_end, depth + 1)
            result.values[key] = value
            result.raws[key] = data[value_start:pos]
            result.keys[key] = key_raw

    def _literal(self, pos: int) -> tuple[bytes, int]:
        data, size = self.data, len(self.data)
        out = bytearray()
        level = 0
        pos += 1
        while pos < size:
            byte = data[pos]
            if byte == 0x5C:  # backslash
                pos += 1
                if pos >= size:
                    break
                escaped = data[pos]
                simple = {0x6E: 0x0A, 0x72: 0x0D, 0x74: 0x09, 0x62: 0x08, 0x66: 0x0C}
                if escaped in simple:
                    out.append(simple[escaped])
                elif 0x30 <= escaped <= 0x37:
                    digits = 1
                    while digits < 3 and pos + digits < size and 0x30 <= data[pos + digits] <= 0x37:
                        digits += 1
                    out.append(int(data[pos : pos + digits], 8) & 0xFF)
                    pos += digits - 1
                elif escaped == 0x0D:
                    if data[pos + 1 : pos + 2] == b"\n":
                        pos += 1
                elif escaped != 0x0A:
                    out.append(escaped)
            elif byte == 0x28:
                level += 1
                out.append(byte)
            elif byte == 0x29:
                if level == 0:
                    return bytes(out), pos + 1
                level -= 1
                out.append(byte)
            else:
                out.append(byte)
            pos += 1
        raise Unsupported("unterminated string")


def _decode_name(raw: bytes) -> str:
    if b"#" in raw:
        try:
            raw = re.sub(rb"#([0-9A-Fa-f]{2})", lambda m: bytes.fromhex(m.group(1).decode()), raw)
        except ValueError:
            raise Unsupported("malformed name") from None
    return raw.decode("latin-1")


def _png_unpredict(data: bytes, columns: int) -> bytes:
    row_size = columns + 1
    if len(data) % row_size:
        raise Unsupported("cross-reference stream with a truncated predictor row")
    out = bytearray()
    previous = bytearray(columns)
    for start in range(0, len(data), row_size):
        kind = data[start]
        row = bytearray(data[start + 1 : start + row_size])
        if kind == 2:
            for i in range(columns):
                row[i] = (row[i] + previous[i]) & 0xFF
        elif kind == 1:
            for i in range(1, columns):
                row[i] = (row[i] + row[i - 1]) & 0xFF
        elif kind != 0:
            raise Unsupported(f"PNG predictor {kind} in a cross-reference stream")
        out += row
        previous = row
    return bytes(out)


def decode_stream(obj: Dict) -> bytes:
    """The decoded data of a stream with no filter or ``FlateDecode`` (PNG predictors)."""
    data = obj.stream or b""
    filters = obj.get("Filter")
    names = filters.items if isinstance(filters, Array) else [filters] if filters else []
    if not names:
        return data
    if names != ["FlateDecode"]:
        raise Unsupported(f"stream filter {names!r}")
    try:
        decoder = zlib.decompressobj()
        decoded = decoder.decompress(data, _MAX_STREAM)
    except zlib.error as exc:
        raise Unsupported(f"undecodable stream ({exc})") from None
    if decoder.unconsumed_tail:
        raise Unsupported("stream too large")
    params = obj.get("DecodeParms")
    if isinstance(params, Dict):
        predictor = params.get("Predictor")
        if isinstance(predictor, int) and predictor >= 10:
            columns = params.get("Columns")
            if not isinstance(columns, int) or columns < 1:
                raise Unsupported("predictor without /Columns")
            decoded = _png_unpredict(decoded, columns)
        elif predictor not in (None, 1):
            raise Unsupported(f"predictor {predictor!r}")
    return decoded


class LightPdf:
    """The cross-reference structure of a PDF and lazy access to its objects."""

    def __init__(self, data: bytes) -> None:
        self.data = data
        self._parser = _Parser(data)
        self.entries: dict[int, tuple[int, int, int]] = {}  # num -> (kind, a, b)
        self._cache: dict[int, Value] = {}
        self._object_streams: dict[int, tuple[bytes, list[tuple[int, int]], int]] = {}
        self.startxref = self._find_startxref()
        self.trailer, self.xref_stream = self._read_sections(self.startxref)
        if "Encrypt" in self.trailer:
            raise Unsupported("encrypted document")
        if "XRefStm" in self.trailer:
            raise Unsupported("hybrid-reference file")
        size = self.trailer.get("Size")
        if not isinstance(size, int) or size < 1:
            raise Unsupported("trailer without /Size")
        self.size = size

    # -- cross-reference sections ---------------------------------------------------------------
    def _find_startxref(self) -> int:
        tail_start = max(0, len(self.data) - 2048)
        at = self.data.rfind(b"startxref", tail_start)
        if at < 0 or b"%%EOF" not in self.data[at:]:
            raise Unsupported("no startxref / %%EOF at the end of the file")
        value, _start, _end = self._parser.value(at + 9)
        if not isinstance(value, int) or not 0 < value < len(self.data):
            raise Unsupported("startxref points outside the file")
        return value

    def _read_sections(self, offset: int) -> tuple[Dict, bool]:
        newest: Dict | None = None
        newest_is_stream = False
        seen: set[int] = set()
        while offset is not None:
            if offset in seen or len(seen) >= _MAX_SECTIONS:
                raise Unsupported("cross-reference sections loop")
            seen.add(offset)
            pos = self._parser.skip(offset)
            if self.data.startswith(b"xref", pos):
                trailer = self._read_table(pos + 4)
                is_stream = False
            else:
                trailer = self._read_xref_stream(pos)
                is_stream = True
            if newest is None:
                newest, newest_is_stream = trailer, is_stream
            previous = trailer.get("Prev")
            if previous is None:
                break
            if not isinstance(previous, int) or not 0 <= previous < len(self.data):
                raise Unsupported("bad /Prev")
            offset = previous
        assert newest is not None
        return newest, newest_is_stream

    def _read_table(self, pos: int) -> Dict:
        data = self.data
        parser = self._parser
        while True:
            pos = parser.skip(pos)
            if data.startswith(b"trailer", pos):
                trailer, _start, _end = parser.value(pos + 7)
                if not isinstance(trailer, Dict):
                    raise Unsupported("malformed trailer")
                return trailer
            match = re.compile(rb"(\d+)\s+(\d+)").match(data, pos)
            if match is None:
                raise Unsupported("malformed cross-reference table")
            first, count = int(match.group(1)), int(match.group(2))
            pos = match.end()
            entry = re.compile(rb"\s*(\d{10})\s(\d{5})\s([nf])")
            for number in range(first, first + count):
                found = entry.match(data, pos)
                if found is None:
                    raise Unsupported("malformed cross-reference entry")
                pos = found.end()
                if number in self.entries:
                    continue
                if found.group(3) == b"n":
                    self.entries[number] = (1, int(found.group(1)), int(found.group(2)))
                else:
                    self.entries[number] = (0, 0, 0)

    def _read_xref_stream(self, pos: int) -> Dict:
        obj = self._object_at(pos)
        if not isinstance(obj, Dict) or obj.get("Type") != "XRef" or obj.stream is None:
            raise Unsupported("startxref points to neither a table nor a cross-reference stream")
        widths = obj.get("W")
        if not isinstance(widths, Array) or len(widths.items) != 3:
            raise Unsupported("cross-reference stream without /W")
        w = [int(v) if isinstance(v, int) else -1 for v in widths.items]
        if min(w) < 0 or sum(w) == 0:
            raise Unsupported("bad /W")
        size = obj.get("Size")
        index = obj.get("Index")
        if isinstance(index, Array):
            numbers = [int(v) if isinstance(v, int) else -1 for v in index.items]
        elif isinstance(size, int):
            numbers = [0, size]
        else:
            raise Unsupported("cross-reference stream without /Size")
        data = decode_stream(obj)
        row = sum(w)
        at = 0
        for first, count in zip(numbers[0::2], numbers[1::2], strict=True):
            if first < 0 or count < 0:
                raise Unsupported("bad /Index")
            for number in range(first, first + count):
                if at + row > len(data):
                    raise Unsupported("truncated cross-reference stream")
                fields = []
                for width in w:
                    fields.append(int.from_bytes(data[at : at + width], "big"))
                    at += width
                kind = fields[0] if w[0] else 1
                if number not in self.entries:
                    self.entries[number] = (kind, fields[1], fields[2])
        return obj

    # -- objects -------------------------------------------------------------------------------
    def _object_at(self, pos: int, expected: int | None = None) -> Value:
        match = _OBJ_HEADER.match(self.data, pos)
        if match is None or (expected is not None and int(match.group(1)) != expected):
            raise Unsupported(f"no object {expected} where the cross-reference says")
        value, _start, end = self._parser.value(match.end())
        if isinstance(value, Dict):
            after = self._parser.skip(end)
            if self.data.startswith(b"stream", after):
                begin = after + 6
                if self.data[begin : begin + 2] == b"\r\n":
                    begin += 2
                elif self.data[begin : begin + 1] in (b"\n", b"\r"):
                    begin += 1
                length = value.get("Length")
                if isinstance(length, Ref):
                    length = self.get(length)
                if not isinstance(length, int) or length < 0 or begin + length > len(self.data):
                    raise Unsupported("stream with a bad /Length")
                value.stream = self.data[begin : begin + length]
        return value

    def get(self, ref: Ref) -> Value:
        """The object ``ref`` points to (``None`` for a free or missing object)."""
        if ref.num in self._cache:
            return self._cache[ref.num]
        kind, a, b = self.entries.get(ref.num, (0, 0, 0))
        if kind == 1:
            if b != ref.gen:
                return None
            value = self._object_at(a, ref.num)
        elif kind == 2:
            value = self._from_object_stream(a, b, ref.num)
        else:
            value = None
        self._cache[ref.num] = value
        return value

    def resolve(self, value: Value) -> Value:
        return self.get(value) if isinstance(value, Ref) else value

    def _from_object_stream(self, stream_num: int, index: int, number: int) -> Value:
        if stream_num not in self._object_streams:
            kind, offset, _gen = self.entries.get(stream_num, (0, 0, 0))
            if kind != 1:
                raise Unsupported("object stream not found")
            obj = self._object_at(offset, stream_num)
            if not isinstance(obj, Dict) or obj.get("Type") != "ObjStm":
                raise Unsupported("not an object stream")
            count, first = obj.get("N"), obj.get("First")
            if not isinstance(count, int) or not isinstance(first, int):
                raise Unsupported("object stream without /N or /First")
            data = decode_stream(obj)
            header = data[:first].split()
            pairs = [(int(header[i]), int(header[i + 1])) for i in range(0, 2 * count, 2)]
            self._object_streams[stream_num] = (data, pairs, first)
        data, pairs, first = self._object_streams[stream_num]
        if not 0 <= index < len(pairs) or pairs[index][0] != number:
            raise Unsupported("object stream index mismatch")
        value, _start, _end = _Parser(data).value(first + pairs[index][1])
        return value

    # -- pages ---------------------------------------------------------------------------------
    def root_ref(self) -> Ref:
        root = self.trailer.get("Root")
        if not isinstance(root, Ref):
            raise Unsupported("trailer without an indirect /Root")
        return root

    def page(self, index: int) -> tuple[Ref, Dict]:
        """The ``index``-th page (0-based) and its reference."""
        catalog = self.get(self.root_ref())
        if not isinstance(catalog, Dict):
            raise Unsupported("the catalog is not a dictionary")
        node_ref = catalog.get("Pages")
        if not isinstance(node_ref, Ref):
            raise Unsupported("no page tree")
        remaining = index
        for _depth in range(_MAX_DEPTH):
            node = self.get(node_ref)
            if not isinstance(node, Dict):
                raise Unsupported("broken page tree")
            if node.get("Type") == "Page":
                if remaining == 0:
                    return node_ref, node
                raise Unsupported("page index out of range")
            kids = node.get("Kids")
            if not isinstance(kids, Array):
                raise Unsupported("page tree node without /Kids")
            for kid in kids.items:
                if not isinstance(kid, Ref):
                    raise Unsupported("direct page tree kid")
                child = self.get(kid)
                if not isinstance(child, Dict):
                    raise Unsupported("broken page tree")
                count = child.get("Count") if child.get("Type") == "Pages" else 1
                if not isinstance(count, int):
                    raise Unsupported("page tree node without /Count")
                if remaining < count:
                    node_ref = kid
                    break
                remaining -= count
            else:
                raise Unsupported("page index out of range")
        raise Unsupported("page tree too deep")

    def inherited(self, page: Dict, key: str) -> Value:
        node: Value = page
        for _depth in range(_MAX_DEPTH):
            if not isinstance(node, Dict):
                return None
            if key in node:
                return self.resolve(node.get(key))
            node = self.resolve(node.get("Parent"))
        return None
