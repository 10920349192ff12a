"""Issuing a 2D-Doc: :func:`sign` builds, checks and signs a C40 code.

Every field is checked before anything is signed: the DI must exist (§7) and be allowed for the
document type (§8), the value must have the right length and characters and be a valid date if
it is one, and no value may hold a separator (``<GS>``, ``<RS>``, ``<US>``: a value smuggling
one in would change how verifiers read the code). Mandatory fields of the type must be present.
Any problem raises :class:`~sealdoc.errors.FieldError` naming the field. sealdoc never reads the
clock: the signature date is an argument (or ``today=``).

A code sealdoc issues is always read back as issued, without allowances: the checks above are
exactly what makes :func:`~sealdoc.twoddoc.message.encode_message`'s output split back into the
same fields (every value free of separators, of valid length and characters, every DI known and
allowed); ``tests/unit/twoddoc/test_message_roundtrip.py`` proves it for every document type, so
the code is not parsed again here.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Protocol

from pydantic import ValidationError

from sealdoc.errors import EncodingError, FieldError
from sealdoc.twoddoc._base32 import b32encode_nopad
from sealdoc.twoddoc.dates import EPOCH, MAX_HEX_DATE
from sealdoc.twoddoc.dictionary import (
    DataIdentifier,
    decode_value,
    encode_value,
    identifier,
    value_problems,
)
from sealdoc.twoddoc.doctypes import doc_type as find_doc_type
from sealdoc.twoddoc.doctypes import rules_for
from sealdoc.twoddoc.header import c40_header_text
from sealdoc.twoddoc.message import GS, US, encode_message
from sealdoc.twoddoc.models import validate_document

__all__ = ["RawEcdsaSigner", "Truncated", "sign"]

_ID = re.compile(r"[A-Z0-9]{4}")
_COUNTRY = re.compile(r"[A-Z]{2}")
_SIGNATURE_SIZES = (64, 96, 132)  # P-256, P-384, P-521


class RawEcdsaSigner(Protocol):
    """What :func:`sign` needs of a key: :class:`sealdoc.keys.SigningKey` provides it."""

    @property
    def default_hash(self) -> str: ...

    def sign_ecdsa_raw(self, data: bytes, hash_algorithm: str | None = None) -> bytes: ...


@dataclass(frozen=True)
class Truncated:
    """A value the issuer truncated to fit (§11.3): written with ``<RS>`` instead of ``<GS>``.

    Only variable-length fields may be truncated, and never the URL (DI 0C)."""

    value: str


def sign(
    doc_type: str,
    fields: Mapping[str, object],
    key: RawEcdsaSigner,
    *,
    ca_id: str,
    cert_id: str,
    issue_date: dt.date | None = None,
    signature_date: dt.date | None = None,
    version: int = 4,
    perimeter: str = "01",
    country: str = "FR",
    today: dt.date | None = None,
    annex: Mapping[str, object] | None = None,
) -> str:
    """Build and sign a C40 2D-Doc; return the code (control characters included).

    ``fields`` maps data identifiers to values, in the order they are written: text as it must
    appear, or typed values (``date``, ``datetime``, ``int``, ``Decimal``, ``bool``, the URL
    for DI 0C; see :func:`sealdoc.twoddoc.dictionary.encode_value`), or :class:`Truncated`.
    ``issue_date`` is required for the types whose §6 column says so and must be ``None`` for
    the others. ``signature_date`` defaults to ``today``; one of them must be given. ``annex``
    (version 04 only) adds unsigned fields after the signature. ``perimeter`` is written from
    version 03 and ``country`` in version 04 (earlier headers have no room for them).

    Raises :class:`FieldError` for a field problem, :class:`EncodingError` for a header
    problem, and whatever the key raises (:class:`~sealdoc.errors.KeyAccessError`).
    """
    header = _header(
        doc_type, ca_id, cert_id, issue_date, signature_date or today, version, perimeter, country
    )
    blocks = _encode_fields(doc_type, fields, annex=False)
    signed = header + encode_message(blocks)
    signature = key.sign_ecdsa_raw(signed.encode("ascii"))
    if len(signature) not in _SIGNATURE_SIZES:
        raise EncodingError(
            f"the key returned a {len(signature)}-byte signature; 2D-Doc needs raw r||s of "
            "64, 96 or 132 bytes (P-256, P-384, P-521)"
        )
    code = signed + US + b32encode_nopad(signature)
    if annex:
        if version != 4:
            raise EncodingError(f"annexes exist from version 04, not in version {version:02d}")
        code += GS + encode_message(_encode_fields(doc_type, annex, annex=True))
    return code


def _header(
    code: str,
    ca_id: str,
    cert_id: str,
    issue_date: dt.date | None,
    signature_date: dt.date | None,
    version: int,
    perimeter: str,
    country: str,
) -> str:
    """The header's text, once every argument is checked."""
    if version not in (2, 3, 4):
        raise EncodingError(
            f"sealdoc writes versions 02 to 04, not {version!r} (version 01 is only verified)"
        )
    for what, identifier_text in (("ca_id", ca_id), ("cert_id", cert_id)):
        if not isinstance(identifier_text, str) or not _ID.fullmatch(identifier_text):
            raise EncodingError(f"{what} must be 4 characters [A-Z0-9], got {identifier_text!r}")
    if perimeter != "01":
        raise EncodingError(f"perimeter {perimeter!r} is not defined for C40 codes (only 01)")
    if not _COUNTRY.fullmatch(country):
        raise EncodingError(f"country must be an ISO 3166-1 alpha-2 code, got {country!r}")
    entry = find_doc_type(code)
    if entry is None:
        raise EncodingError(f"document type {code!r} is not defined in §6 (perimeter 01)")
    if signature_date is None:
        raise EncodingError(
            "the signature date is required: pass signature_date= or today= "
            "(sealdoc never reads the clock)"
        )
    if entry.issue_date_required and issue_date is None:
        raise EncodingError(f"document type {code} ({entry.name}) requires an issue date (§6)")
    if not entry.issue_date_required and issue_date is not None:
        raise EncodingError(
            f"document type {code} ({entry.name}) carries no issue date (§6): pass issue_date=None"
        )
    for what, value in (("issue_date", issue_date), ("signature_date", signature_date)):
        if value is not None and (isinstance(value, dt.datetime) or not isinstance(value, dt.date)):
            raise EncodingError(f"{what} must be a datetime.date, got {type(value).__name__}")
        if value is not None and not EPOCH <= value <= MAX_HEX_DATE:
            raise EncodingError(
                f"{what} {value.isoformat()} is outside {EPOCH.isoformat()}..."
                f"{MAX_HEX_DATE.isoformat()}"
            )
    # every part is checked above: what encode_c40_header would check again of a Header
    tail = code + (perimeter if version >= 3 else "") + (country if version >= 4 else "")
    return c40_header_text(version, ca_id, cert_id, issue_date, signature_date, tail)


def _encode_fields(
    code: str, fields: Mapping[str, object], *, annex: bool
) -> list[tuple[DataIdentifier, str, bool]]:
    rules = rules_for(code)
    blocks: list[tuple[DataIdentifier, str, bool]] = []
    texts: dict[str, str] = {}
    for di, value in fields.items():
        entry = identifier(di) if isinstance(di, str) else None
        if entry is None:
            raise FieldError(str(di), "unknown data identifier (not in spec §7, perimeter 01)")
        if not annex and rules is not None and not rules.allows(di):
            raise FieldError(di, f"not allowed in document type {code} (§8)")
        if isinstance(value, Truncated):
            truncated = True
            raw = value.value
            if not isinstance(raw, str):
                raise FieldError(di, f"a truncated value must be a str, got {type(raw).__name__}")
        else:
            truncated = False
            raw = encode_value(entry, value)
        problems = value_problems(entry, raw, truncated=truncated)
        if problems:
            raise FieldError(di, f"{entry.name}: " + "; ".join(problems))
        blocks.append((entry, raw, truncated))
        texts[di] = raw
    if not annex:
        typed = {
            entry.id: raw if truncated else decode_value(entry, raw)
            for entry, raw, truncated in blocks
        }
        _check_type(code, typed, texts)
    return blocks


def _check_type(code: str, typed: Mapping[str, object], texts: Mapping[str, str]) -> None:
    rules = rules_for(code)
    if rules is not None:
        for violation in rules.missing(texts):
            raise FieldError(violation.field, f"{violation.message} (document type {code})")
    try:
        # the rules were checked above on the texts as written: the models check the values
        validate_document(code, typed, rules_checked=True)
    except ValidationError as exc:
        error = exc.errors()[0]
        location = str(error["loc"][0]) if error["loc"] else "*"
        raise FieldError(location, f"{error['msg']} (document type {code})") from None
