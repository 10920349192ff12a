"""Reading a 2D-Doc: :class:`TwoDDoc` and its :meth:`TwoDDoc.parse` (pure, no I/O).

Formats read:

- C40 versions 01-04: header, message, signature (v01: 64 raw bytes after the message; v02+:
  ``<US>`` then Base32 of ``r||s``), v04 annex after the signature (``<GS>`` then blocks);
- v04 binary codes (header byte ``0xDC``) and mixed codes (C40 header and message, then binary
  blocks, binary signature ``0xFF``, binary annex);
- multi-code 2D-Docs once their segments are joined with
  :func:`sealdoc.twoddoc.multicode.assemble`.

The signed bytes are every byte from ``D`` (or ``0xDC``) up to, not including, the signature
separator. Parsing checks the *structure* only; :func:`sealdoc.twoddoc.check_fields` checks the
content against the specification and :func:`sealdoc.twoddoc.check_signature` the signature.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Literal

from pydantic import ValidationError

from sealdoc.errors import ParseError
from sealdoc.report import FieldValue, TwoDDocInfo
from sealdoc.twoddoc._base32 import b32decode_strict
from sealdoc.twoddoc.binary import BinaryBlock, parse_tail
from sealdoc.twoddoc.dictionary import decode_value, identifier
from sealdoc.twoddoc.doctypes import doc_type, rules_for
from sealdoc.twoddoc.header import (
    BINARY_HEADER_LENGTH,
    BINARY_MARKER,
    C40_HEADER_LENGTHS,
    Header,
    parse_binary_header,
    parse_c40_header,
)
from sealdoc.twoddoc.message import (
    GS,
    RawField,
    SearchBudget,
    Split,
    field_boundaries,
    split_message,
)
from sealdoc.twoddoc.models import GenericDocument, TypedDocument, validate_document
from sealdoc.twoddoc.multicode import parse_segment

__all__ = ["MAX_CODE_BYTES", "V01_SIGNATURE_LENGTH", "Field", "TwoDDoc"]

#: Larger inputs are refused before parsing (16 of the largest DataMatrix symbols hold 25 KB).
MAX_CODE_BYTES = 32 * 1024
#: v01 codes carry a raw P-256 signature (64 bytes) right after the message.
V01_SIGNATURE_LENGTH = 64
_NON_TEXT = re.compile(rb"[^\x20-\x7e\x1d\x1e]")
# A mixed code switches to binary after its last C40 field: the printable bytes a binary block
# may start with cover a few field boundaries at most, so only the last ones are tried.
_MAX_SWITCH_CANDIDATES = 64
_US = 0x1F


@dataclass(frozen=True)
class Field:
    """One decoded field: its data identifier, human name, text as written and typed value."""

    id: str
    #: The DI's name in §7 (French, as the specification); ``None`` for an unknown DI.
    name: str | None
    #: The value as written (C40 text), or the data in hexadecimal for a binary field.
    raw: str
    #: Typed value (see :mod:`sealdoc.twoddoc.dictionary`); the raw text if it does not decode.
    value: object
    #: Ended by ``<RS>``: the issuer truncated the value.
    truncated: bool = False
    encoding: Literal["c40", "binary"] = "c40"

    def to_value(self) -> FieldValue:
        return FieldValue.model_validate(self._value_data())

    def _value_data(self) -> dict[str, object]:
        """The :class:`~sealdoc.report.FieldValue` of this field, as data to validate."""
        name = self.name or ("binary data" if self.encoding == "binary" else "unknown identifier")
        return {
            "id": self.id,
            "name": name,
            "raw": self.raw,
            "value": _plain(self.value),
            "truncated": self.truncated,
        }


def _plain(value: object) -> object:
    """A JSON-friendly value for reports: decimals and bytes as text, dates as they are."""
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, bytes):
        return value.hex().upper()
    if isinstance(value, dt.date | dt.time | int | str | bool) or value is None:
        return value
    return str(value)


@dataclass(frozen=True)
class TwoDDoc:
    """A parsed 2D-Doc. Obtain one with :meth:`parse`; verify it with the ``check_*`` functions."""

    header: Header
    fields: tuple[Field, ...]
    #: Unsigned fields after the signature (v04): not protected, never to be trusted.
    annex: tuple[Field, ...]
    #: The bytes the signature covers.
    signed_data: bytes
    #: Raw ``r||s`` (v02+ Base32-decoded; v01 and binary as written); ``None`` if absent.
    signature: bytes | None
    #: The whole code as given (after joining multi-code segments).
    raw: bytes
    #: Where the code departs from the field rules and how it was read nevertheless.
    notes: tuple[str, ...] = ()

    @classmethod
    def parse(cls, data: bytes | str) -> TwoDDoc:
        """Parse a code as read from a DataMatrix (control characters included).

        A ``str`` is taken as Latin-1 (what DataMatrix readers return). Raises
        :class:`~sealdoc.errors.ParseError`, and nothing else, for any input that is not a
        well-formed 2D-Doc.
        """
        raw = _to_bytes(data)
        if not raw:
            raise ParseError("empty input: no 2D-Doc")
        if len(raw) > MAX_CODE_BYTES:
            raise ParseError(f"{len(raw)} bytes is more than a 2D-Doc holds ({MAX_CODE_BYTES})")
        segment = parse_segment(raw) if raw[:1] in (b"E", b"\xee") else None
        if segment is not None:
            raise ParseError(
                f"this is segment {segment.index + 1} of a {segment.count}-symbol 2D-Doc: join "
                "all segments with sealdoc.twoddoc.multicode.assemble() first"
            )
        if raw[0] == BINARY_MARKER:
            return _parse_binary(raw)
        if raw.startswith(b"DC"):
            return _parse_c40(raw)
        raise ParseError("not a 2D-Doc: the code must start with 'DC' (or byte 0xDC)", offset=0)

    def document(self) -> TypedDocument | GenericDocument:
        """The signed fields as a typed model of the document type (see
        :mod:`sealdoc.twoddoc.models`); a generic one for types without a typed model.

        Raises :class:`~sealdoc.errors.ParseError` if the fields do not make a valid document
        of the type (run :func:`~sealdoc.twoddoc.check_fields` for the full list of problems).
        """
        values = {f.id: f.value for f in self.fields if f.encoding == "c40"}
        try:
            return validate_document(self.header.doc_type, values)
        except ValidationError as exc:
            problems = "; ".join(
                f"{'/'.join(map(str, e['loc'])) or 'document'}: {e['msg']}" for e in exc.errors()
            )
            raise ParseError(
                f"the fields do not make a valid document of type {self.header.doc_type}: "
                f"{problems}"
            ) from None

    def field(self, id: str) -> Field | None:
        """The first signed field with data identifier ``id``, or ``None``."""
        return next((f for f in self.fields if f.id == id), None)

    @property
    def doc_type_name(self) -> str | None:
        entry = doc_type(self.header.doc_type, self.header.effective_perimeter)
        return entry.name if entry is not None else None

    def to_info(self) -> TwoDDocInfo:
        """The decoded content for a :class:`~sealdoc.report.VerificationReport`."""
        header = self.header
        # one validation of the whole tree (the nested models are built by pydantic-core)
        return TwoDDocInfo.model_validate(
            {
                "header": {
                    "version": header.version,
                    "ca_id": header.ca_id,
                    "cert_id": header.cert_id,
                    "issue_date": header.issue_date,
                    "signature_date": header.signature_date,
                    "doc_type": header.doc_type,
                    "doc_type_name": self.doc_type_name,
                    "perimeter": header.perimeter,
                    "country": header.country,
                },
                "fields": [f._value_data() for f in self.fields],
                "annex": [f._value_data() for f in self.annex],
            }
        )


def _to_bytes(data: bytes | str) -> bytes:
    if isinstance(data, str):
        try:
            return data.encode("latin-1")
        except UnicodeEncodeError as exc:
            raise ParseError(
                f"character {data[exc.start]!r} cannot occur in a 2D-Doc (not Latin-1)",
                offset=exc.start,
            ) from None
    if not isinstance(data, bytes | bytearray | memoryview):
        raise ParseError(f"a 2D-Doc is bytes or str, not {type(data).__name__}")
    return bytes(data)


def _first_non_text(data: bytes, start: int) -> int | None:
    match = _NON_TEXT.search(data, start)
    return match.start() if match is not None else None


def _fields(split: Split) -> tuple[Field, ...]:
    return tuple([_field(f) for f in split.fields])


def _field(raw: RawField) -> Field:
    entry = identifier(raw.id)
    if entry is None:
        return Field(raw.id, None, raw.raw, raw.raw, raw.truncated)
    value = raw.raw if raw.truncated else decode_value(entry, raw.raw)
    return Field(raw.id, entry.name, raw.raw, value, raw.truncated)


def _binary_field(block: BinaryBlock) -> Field:
    return Field(f"{block.id:02X}", None, block.data.hex().upper(), block.data, encoding="binary")


def _split(
    text: str,
    header: Header | None,
    offset: int,
    what: str = "",
    budget: SearchBudget | None = None,
) -> Split:
    """Split a C40 message (``header`` gives the type's rules; ``None``: no type, an annex)."""
    rules = rules_for(header.doc_type, header.effective_perimeter) if header else None
    try:
        split = split_message(text, rules, budget=budget)
    except ParseError as exc:
        position = None if exc.offset is None else exc.offset + offset
        message = exc.message.rsplit(" (at offset", 1)[0]
        raise ParseError(f"{what}{message}", offset=position) from None
    if what:
        return Split(split.fields, tuple(what + note for note in split.notes))
    return split


def _parse_c40(raw: bytes) -> TwoDDoc:
    header = parse_c40_header(raw[:26].decode("latin-1"))
    start = C40_HEADER_LENGTHS[header.version]
    if header.version == 1:
        return _parse_v01(raw, header, start)
    stop = _first_non_text(raw, start)
    if stop is None:  # no signature at all: readable, but check_signature fails it
        split = _split(raw[start:].decode("ascii"), header, start)
        return TwoDDoc(header, _fields(split), (), raw, None, raw, split.notes)
    if raw[stop] != _US:
        if header.version == 4:
            return _parse_mixed(raw, header, start, stop)
        raise ParseError(
            f"byte 0x{raw[stop]:02X} cannot occur in a version {header.version:02d} 2D-Doc",
            offset=stop,
        )
    try:
        return _parse_c40_signed(raw, header, start, stop)
    except ParseError as c40_error:
        if header.version != 4:
            raise
        # 0x1F may also be a binary length byte of a mixed code: try that reading too, and
        # report the C40 problem if it is no mixed code either
        try:
            return _parse_mixed(raw, header, start, stop)
        except ParseError:
            raise c40_error from None


def _parse_c40_signed(raw: bytes, header: Header, start: int, stop: int) -> TwoDDoc:
    """A C40 code whose signature follows the ``<US>`` at ``stop``."""
    split = _split(raw[start:stop].decode("ascii"), header, start)
    signature, annex_text = _c40_signature(raw, header, stop + 1)
    if annex_text is None:
        return TwoDDoc(header, _fields(split), (), raw[:stop], signature, raw, split.notes)
    annex = _split(annex_text, None, len(raw) - len(annex_text), "annex: ")
    return TwoDDoc(
        header,
        _fields(split),
        _fields(annex),
        raw[:stop],
        signature,
        raw,
        split.notes + annex.notes,
    )


def _c40_signature(raw: bytes, header: Header, start: int) -> tuple[bytes, str | None]:
    """The Base32 signature after ``<US>``, and the annex text after it (v04), if any."""
    bad = _first_non_text(raw, start)
    if bad is not None:
        what = "a line break" if raw[bad] in (0x0A, 0x0D) else f"byte 0x{raw[bad]:02X}"
        raise ParseError(f"{what} after the signature separator <US>", offset=bad)
    text = raw[start:].decode("ascii")
    signature_text, separator, annex = text.partition(GS)
    if separator and header.version < 4:
        raise ParseError(
            f"data after the signature: a version {header.version:02d} code has no annex "
            "(annexes exist from version 04)",
            offset=start + len(signature_text),
        )
    try:
        signature = b32decode_strict(signature_text)
    except ValueError as exc:
        raise ParseError(f"the signature is not valid Base32: {exc}", offset=start) from None
    return signature, (annex if separator else None)


def _parse_v01(raw: bytes, header: Header, start: int) -> TwoDDoc:
    if len(raw) < start + V01_SIGNATURE_LENGTH:
        raise ParseError(
            f"a version 01 code ends with a {V01_SIGNATURE_LENGTH}-byte signature; "
            f"only {len(raw) - start} bytes follow the header"
        )
    end = len(raw) - V01_SIGNATURE_LENGTH
    bad = _first_non_text(raw[:end], start)
    if bad is not None:
        raise ParseError(f"byte 0x{raw[bad]:02X} in the message of a version 01 code", offset=bad)
    split = _split(raw[start:end].decode("ascii"), header, start)
    return TwoDDoc(header, _fields(split), (), raw[:end], raw[end:], raw, split.notes)


def _parse_binary(raw: bytes) -> TwoDDoc:
    header = parse_binary_header(raw)
    tail = parse_tail(raw, BINARY_HEADER_LENGTH)
    signed_end = tail.signature_offset if tail.signature_offset is not None else len(raw)
    return TwoDDoc(
        header,
        tuple(_binary_field(b) for b in tail.message),
        tuple(_binary_field(b) for b in tail.annex),
        raw[:signed_end],
        tail.signature,
        raw,
    )


def _parse_mixed(raw: bytes, header: Header, start: int, stop: int) -> TwoDDoc:
    """A v04 code switching from C40 to binary after a complete C40 field (§3.7).

    The switch is invisible once the DataMatrix is decoded, and a binary DI byte may look like
    a C40 character, so every field boundary of the C40 text is tried, last first, as the
    switch: the rest must read as binary blocks, a binary signature and an optional binary
    annex. A switch whose C40 part follows the field rules is preferred. (The signed bytes are
    the same whatever the switch; only the reading of the fields depends on it.)
    """
    text = raw[start:stop].decode("ascii")
    failure: ParseError | None = None
    readings: list[TwoDDoc] = []
    budget = SearchBudget()  # one bound for the searches of every switch tried
    for boundary in reversed(field_boundaries(text)[-_MAX_SWITCH_CANDIDATES:]):
        try:
            tail = parse_tail(raw, start + boundary)
            split = _split(text[:boundary], header, start, budget=budget)
        except ParseError as exc:
            failure = failure or exc
            continue
        if tail.signature_offset is None:
            continue
        doc = TwoDDoc(
            header,
            _fields(split) + tuple(_binary_field(b) for b in tail.message),
            tuple(_binary_field(b) for b in tail.annex),
            raw[: tail.signature_offset],
            tail.signature,
            raw,
            (*split.notes, "mixed code: C40 message followed by binary blocks"),
        )
        if not split.notes:
            return doc
        readings.append(doc)
    if readings:
        return readings[0]
    reason = f": {failure.message}" if failure is not None else ""
    raise ParseError(
        "a version 04 code with binary data that is neither a C40 signature (<US>) nor "
        f"binary blocks ending with a binary signature{reason}",
        offset=stop,
    )
