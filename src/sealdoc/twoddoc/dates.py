"""The date encodings of the 2D-Doc format.

- **hex days** (header dates, DIs 06, 08, 36, 37, 53, 54, 56, AD, E1-E3): 4 hexadecimal digits,
  the number of days since 2000-01-01; ``FFFF`` means "no date".
- **JJMMAAAA** (day, month, year; e.g. DIs 69, 96, 1C): 8 digits. Birth dates may have an
  unknown day or day and month written ``00``.
- **JJMMAAAAHHMM** (e.g. DIs 70, C3, F6): 12 digits, a date and a time to the minute.
- **binary header dates** (v04 binary header, §3.3.4): the integer ``MMJJAAAA`` on 3 bytes,
  ``0xFFFFFF`` meaning "no date".

Decoders raise :class:`~sealdoc.errors.ParseError`, encoders
:class:`~sealdoc.errors.EncodingError`, each saying what is wrong with the value.
"""

from __future__ import annotations

import datetime as dt
import re

from sealdoc.errors import EncodingError, ParseError

__all__ = [
    "EPOCH",
    "MAX_HEX_DATE",
    "NO_DATE_HEX",
    "decode_binary_date",
    "decode_ddmmyyyy",
    "decode_ddmmyyyyhhmm",
    "decode_hex_days",
    "decode_hhmm",
    "decode_hhmmss",
    "encode_binary_date",
    "encode_ddmmyyyy",
    "encode_ddmmyyyyhhmm",
    "encode_hex_days",
    "encode_hhmm",
    "encode_hhmmss",
    "is_partial_ddmmyyyy",
]

#: Day 0 of the hexadecimal day counts.
EPOCH = dt.date(2000, 1, 1)
#: The hexadecimal day count that means "no date".
NO_DATE_HEX = "FFFF"
#: The last date a 4-hex-digit day count can hold (``FFFE``).
MAX_HEX_DATE = EPOCH + dt.timedelta(days=0xFFFE)

_HEX4 = re.compile(r"[0-9A-F]{4}")
_DIGITS = re.compile(r"[0-9]+")
_NO_BINARY_DATE = 0xFFFFFF


def decode_hex_days(text: str) -> dt.date | None:
    """``"111E"`` -> 2011-12-31; ``"FFFF"`` -> ``None``."""
    if not _HEX4.fullmatch(text):
        raise ParseError(f"a date must be 4 hexadecimal digits [0-9A-F], got {text!r}")
    if text == NO_DATE_HEX:
        return None
    return EPOCH + dt.timedelta(days=int(text, 16))


def encode_hex_days(date: dt.date | None) -> str:
    """2011-12-31 -> ``"111E"``; ``None`` -> ``"FFFF"``."""
    if date is None:
        return NO_DATE_HEX
    if isinstance(date, dt.datetime):
        date = date.date()
    if not EPOCH <= date <= MAX_HEX_DATE:
        raise EncodingError(
            f"date {date.isoformat()} is outside what 4 hex digits hold "
            f"({EPOCH.isoformat()} to {MAX_HEX_DATE.isoformat()})"
        )
    return f"{(date - EPOCH).days:04X}"


def _digits(text: str, length: int, what: str) -> None:
    if len(text) != length or not _DIGITS.fullmatch(text):
        raise ParseError(f"{what} must be {length} digits, got {text!r}")


def is_partial_ddmmyyyy(text: str) -> bool:
    """Whether a ``JJMMAAAA`` value has an unknown day (``00MMAAAA``) or day and month
    (``0000AAAA``), as birth dates may (§7.5, DI 69). A known day with an unknown month is no
    valid partial date."""
    if len(text) != 8 or not _DIGITS.fullmatch(text) or text[4:] == "0000":
        return False
    day, month = text[:2], text[2:4]
    return (day == "00" and 1 <= int(month) <= 12) or (day == "00" and month == "00")


def decode_ddmmyyyy(text: str) -> dt.date:
    """``"21112017"`` -> 2017-11-21. Partial dates (``00``) are refused: test
    :func:`is_partial_ddmmyyyy` first where they are allowed."""
    _digits(text, 8, "a JJMMAAAA date")
    try:
        return dt.date(int(text[4:]), int(text[2:4]), int(text[:2]))
    except ValueError as exc:
        raise ParseError(f"{text!r} is no valid JJMMAAAA date: {exc}") from None


def encode_ddmmyyyy(date: dt.date) -> str:
    """2017-11-21 -> ``"21112017"``."""
    if not 1 <= date.year <= 9999:
        raise EncodingError(f"year {date.year} does not fit in 4 digits")
    return f"{date.day:02d}{date.month:02d}{date.year:04d}"


def decode_ddmmyyyyhhmm(text: str) -> dt.datetime:
    """``"020320201400"`` -> 2020-03-02 14:00 (naive: the specification names no time zone)."""
    _digits(text, 12, "a JJMMAAAAHHMM date and time")
    day = decode_ddmmyyyy(text[:8])
    return dt.datetime.combine(day, decode_hhmm(text[8:]))


def encode_ddmmyyyyhhmm(moment: dt.datetime) -> str:
    """2020-03-02 14:00 -> ``"020320201400"`` (seconds must be zero: they cannot be written)."""
    if moment.second or moment.microsecond:
        raise EncodingError(f"{moment.isoformat()} has seconds, which JJMMAAAAHHMM cannot hold")
    return encode_ddmmyyyy(moment.date()) + encode_hhmm(moment.time())


def decode_hhmm(text: str) -> dt.time:
    """``"1400"`` -> 14:00."""
    _digits(text, 4, "a HHMM time")
    try:
        return dt.time(int(text[:2]), int(text[2:]))
    except ValueError as exc:
        raise ParseError(f"{text!r} is no valid HHMM time: {exc}") from None


def encode_hhmm(time: dt.time) -> str:
    if time.second or time.microsecond:
        raise EncodingError(f"{time.isoformat()} has seconds, which HHMM cannot hold")
    return f"{time.hour:02d}{time.minute:02d}"


def decode_hhmmss(text: str) -> dt.time:
    """``"143005"`` -> 14:30:05."""
    _digits(text, 6, "a HHMMSS time")
    try:
        return dt.time(int(text[:2]), int(text[2:4]), int(text[4:]))
    except ValueError as exc:
        raise ParseError(f"{text!r} is no valid HHMMSS time: {exc}") from None


def encode_hhmmss(time: dt.time) -> str:
    if time.microsecond:
        raise EncodingError(f"{time.isoformat()} has fractions of a second, HHMMSS cannot hold")
    return f"{time.hour:02d}{time.minute:02d}{time.second:02d}"


def decode_binary_date(data: bytes) -> dt.date | None:
    """3 bytes holding the integer ``MMJJAAAA``: ``5F B3 E1`` -> 1969-06-27;
    ``FF FF FF`` -> ``None``."""
    if len(data) != 3:
        raise ParseError(f"a binary date is 3 bytes, got {len(data)}")
    number = int.from_bytes(data, "big")
    if number == _NO_BINARY_DATE:
        return None
    text = f"{number:08d}"
    if len(text) != 8:
        raise ParseError(f"binary date {data.hex().upper()} is no MMJJAAAA integer")
    try:
        return dt.date(int(text[4:]), int(text[:2]), int(text[2:4]))
    except ValueError as exc:
        raise ParseError(f"binary date {data.hex().upper()} ({text}) is invalid: {exc}") from None


def encode_binary_date(date: dt.date | None) -> bytes:
    """1969-06-27 -> ``5F B3 E1``; ``None`` -> ``FF FF FF``."""
    if date is None:
        return _NO_BINARY_DATE.to_bytes(3, "big")
    return int(f"{date.month:02d}{date.day:02d}{date.year:04d}").to_bytes(3, "big")
