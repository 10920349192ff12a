"""The 2D-Doc header (§3.3): C40 versions 01-04, and the v04 binary header.

C40 header, characters ``[A-Z0-9]``::

    DC 04 FR0A XT4A 0E84 0E8A 01 01 FR
    |  |  |    |    |    |    |  |  country (ISO 3166-1 alpha-2, v04)
    |  |  |    |    |    |    |  perimeter (v03+)
    |  |  |    |    |    |    document type
    |  |  |    |    |    signature date (hex days since 2000-01-01)
    |  |  |    |    issue date (hex days, FFFF = none)
    |  |  |    certificate id
    |  |  certification authority id
    |  version (01-04)
    marker

22 characters for v01/v02, 24 for v03, 26 for v04.

Binary header (v04, 19 bytes): ``0xDC``, version byte, country (ISO alpha-3, 3 C40 characters on
2 bytes), CA id and certificate id (4 + 5 hex characters in C40 on 6 bytes), issue and signature
dates (``MMJJAAAA`` integers on 3 bytes), document type (1 byte), perimeter (2 bytes).
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Literal

from pydantic import BaseModel, ConfigDict

from sealdoc.errors import EncodingError, ParseError
from sealdoc.twoddoc import dates
from sealdoc.twoddoc._c40 import pack_c40, unpack_c40

__all__ = [
    "BINARY_HEADER_LENGTH",
    "BINARY_MARKER",
    "C40_HEADER_LENGTHS",
    "Header",
    "encode_binary_header",
    "encode_c40_header",
    "parse_binary_header",
    "parse_c40_header",
]

#: Header length in characters by C40 version.
C40_HEADER_LENGTHS = {1: 22, 2: 22, 3: 24, 4: 26}
#: First byte of a binary 2D-Doc.
BINARY_MARKER = 0xDC
BINARY_HEADER_LENGTH = 19

_ALNUM = re.compile(r"[A-Z0-9]*")
_NOT_ALNUM = re.compile(r"[^A-Z0-9]")
_VERSION = re.compile(r"[0-9]{2}")


class Header(BaseModel):
    """The header of a 2D-Doc: who signed it, when, and what kind of document it is."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    version: int
    #: Certification authority id, e.g. ``FR00`` (``XX00`` ids are test CAs).
    ca_id: str
    #: Certificate id: 4 characters (C40 header) or 5 hexadecimal digits (binary header).
    cert_id: str
    issue_date: dt.date | None
    signature_date: dt.date | None
    #: Document type: 2 characters (C40) or 2 hexadecimal digits of the type byte (binary).
    doc_type: str
    #: ``None`` before v03 (implicitly ``01``); 4 hexadecimal digits for a binary header.
    perimeter: str | None = None
    #: ISO 3166-1 alpha-2 (C40 v04) or alpha-3 (binary header); ``None`` before v04.
    country: str | None = None
    encoding: Literal["c40", "binary"] = "c40"

    @property
    def effective_perimeter(self) -> str:
        """The perimeter the document type is defined in (``01`` when the header has none)."""
        return self.perimeter if self.perimeter is not None else "01"


def parse_c40_header(text: str) -> Header:
    """Parse the header at the start of ``text`` (which may go on with the message)."""
    if not text.startswith("DC"):
        raise ParseError("not a 2D-Doc: a C40 code starts with 'DC'", offset=0)
    version_text = text[2:4]
    if not _VERSION.fullmatch(version_text):
        raise ParseError(f"version {version_text!r} is not two digits", offset=2)
    version = int(version_text)
    if version not in C40_HEADER_LENGTHS:
        raise ParseError(f"unsupported 2D-Doc version {version_text} (01 to 04 are)", offset=2)
    length = C40_HEADER_LENGTHS[version]
    head = text[:length]
    if len(head) < length:
        raise ParseError(
            f"truncated header: version {version_text} has {length} characters, got {len(head)}"
        )
    bad = _NOT_ALNUM.search(head)
    if bad is not None:
        raise ParseError(f"header character {bad.group()!r} is not in [A-Z0-9]", offset=bad.start())
    return Header(
        version=version,
        ca_id=head[4:8],
        cert_id=head[8:12],
        issue_date=_header_date(head[12:16], "issue date", 12),
        signature_date=_header_date(head[16:20], "signature date", 16),
        doc_type=head[20:22],
        perimeter=head[22:24] if version >= 3 else None,
        country=head[24:26] if version >= 4 else None,
    )


def _header_date(text: str, what: str, offset: int) -> dt.date | None:
    try:
        return dates.decode_hex_days(text)
    except ParseError as exc:
        raise ParseError(f"header {what}: {exc.message}", offset=offset) from None


def encode_c40_header(header: Header) -> str:
    """The header's text; raises :class:`EncodingError` for a value that does not fit."""
    version = header.version
    if header.encoding != "c40" or version not in (1, 2, 3, 4):
        raise EncodingError(f"cannot write a C40 header for version {version}")
    ca_id, cert_id, doc_type = header.ca_id, header.cert_id, header.doc_type
    perimeter = (header.perimeter or "") if version >= 3 else ""
    country = (header.country or "") if version >= 4 else ""
    tail = doc_type + perimeter + country
    if not (
        len(ca_id) == 4
        and len(cert_id) == 4
        and len(doc_type) == 2
        and len(perimeter) == (2 if version >= 3 else 0)
        and len(country) == (2 if version >= 4 else 0)
        and _ALNUM.fullmatch(ca_id + cert_id + tail)
    ):
        _refuse_c40_header_parts(header)
    if header.signature_date is None:
        raise EncodingError("the signature date is required")
    return c40_header_text(version, ca_id, cert_id, header.issue_date, header.signature_date, tail)


def c40_header_text(
    version: int,
    ca_id: str,
    cert_id: str,
    issue_date: dt.date | None,
    signature_date: dt.date,
    tail: str,
) -> str:
    """The header's text from parts already checked (``tail``: document type, then the
    perimeter from version 03 and the country in version 04); see :func:`encode_c40_header`."""
    return (
        f"DC{version:02d}{ca_id}{cert_id}{dates.encode_hex_days(issue_date)}"
        f"{dates.encode_hex_days(signature_date)}{tail}"
    )


def _refuse_c40_header_parts(header: Header) -> None:
    """Raise :class:`EncodingError` naming the first header part that does not fit."""
    parts = {
        "CA id": (header.ca_id, 4),
        "certificate id": (header.cert_id, 4),
        "document type": (header.doc_type, 2),
    }
    if header.version >= 3:
        parts["perimeter"] = (header.perimeter or "", 2)
    if header.version >= 4:
        parts["country"] = (header.country or "", 2)
    for what, (value, size) in parts.items():
        if len(value) != size or not _ALNUM.fullmatch(value):
            raise EncodingError(f"{what} must be {size} characters [A-Z0-9], got {value!r}")
    raise AssertionError("unreachable: a header part does not fit")  # pragma: no cover


def parse_binary_header(data: bytes) -> Header:
    """Parse the 19-byte binary header at the start of ``data``.

    The version byte is reported as written. The example of §3.3.4 has version byte ``03``
    although the binary header exists only from version 04 (README erratum 4);
    :func:`~sealdoc.twoddoc.check_fields` reports such a header, the parser does not refuse it.
    """
    if len(data) < BINARY_HEADER_LENGTH:
        raise ParseError(
            f"truncated binary header: {BINARY_HEADER_LENGTH} bytes needed, got {len(data)}"
        )
    if data[0] != BINARY_MARKER:
        raise ParseError("not a binary 2D-Doc: the first byte must be 0xDC", offset=0)
    try:
        country = unpack_c40(data[2:4])
        signer = unpack_c40(data[4:10])
    except ValueError as exc:
        raise ParseError(f"binary header: {exc}", offset=2) from None
    try:
        issue = dates.decode_binary_date(data[10:13])
        signature = dates.decode_binary_date(data[13:16])
    except ParseError as exc:
        raise ParseError(f"binary header: {exc.message}", offset=10) from None
    return Header(
        version=data[1],
        ca_id=signer[:4],
        cert_id=signer[4:],
        issue_date=issue,
        signature_date=signature,
        doc_type=f"{data[16]:02X}",
        perimeter=data[17:19].hex().upper(),
        country=country,
        encoding="binary",
    )


def encode_binary_header(header: Header) -> bytes:
    """The 19 header bytes (for tests and tools; sealdoc signs C40 codes)."""
    sizes = {"country": (header.country or "", 3), "CA id": (header.ca_id, 4)}
    sizes |= {"certificate id": (header.cert_id, 5), "document type": (header.doc_type, 2)}
    sizes["perimeter"] = (header.perimeter or "", 4)
    for what, (value, size) in sizes.items():
        if len(value) != size:
            raise EncodingError(f"binary header {what} must be {size} characters, got {value!r}")
    if not 0 <= header.version <= 0xFF:
        raise EncodingError(f"version {header.version} does not fit in a byte")
    try:
        return (
            bytes([BINARY_MARKER, header.version])
            + pack_c40(header.country or "")
            + pack_c40(header.ca_id + header.cert_id)
            + dates.encode_binary_date(header.issue_date)
            + dates.encode_binary_date(header.signature_date)
            + bytes.fromhex(header.doc_type)
            + bytes.fromhex(header.perimeter or "")
        )
    except ValueError as exc:
        raise EncodingError(f"cannot write a binary header: {exc}") from None
