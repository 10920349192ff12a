"""2D-Doc field values from JSON (CLI ``--fields`` files, batch manifests).

JSON has no date type, so a date field may be written in ISO form (``"2026-09-15"``) and a
date-time field as ``"2026-09-15T10:30"``; both are converted to the typed values
:func:`sealdoc.twoddoc.sign` encodes. The specification's own forms (``"15092026"``, hex days)
pass through unchanged, as does every other value. An ISO form can never be mistaken for a raw
value: ``-`` is not allowed in a date field.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

from sealdoc.errors import FieldError
from sealdoc.twoddoc.dictionary import identifier

__all__ = ["fields_from_json"]

_DATE_KINDS = frozenset({"date", "date_hex"})


def fields_from_json(data: Mapping[str, object]) -> dict[str, object]:
    """Field values ready for :func:`sealdoc.twoddoc.sign`, in the order given."""
    fields: dict[str, object] = {}
    for di, value in data.items():
        if not isinstance(di, str):
            raise FieldError(str(di), "a data identifier is a 2-character string")
        fields[di] = _convert(di, value)
    return fields


def _convert(di: str, value: object) -> object:
    if isinstance(value, float):
        raise FieldError(di, f'write decimal values as strings (e.g. "84,20"), not {value!r}')
    if not isinstance(value, str) or "-" not in value:
        return value
    known = identifier(di)
    if known is None:
        return value
    try:
        if known.kind in _DATE_KINDS:
            return dt.date.fromisoformat(value)
        if known.kind == "datetime":
            return dt.datetime.fromisoformat(value)
    except ValueError as exc:
        raise FieldError(di, f"{value!r} is not a valid ISO date ({exc})") from None
    return value
