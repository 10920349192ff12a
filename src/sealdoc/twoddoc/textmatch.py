"""Does the visible text of a document say what its 2D-Doc signed?

A 2D-Doc protects the document's key data; a forger who edits the printed text but keeps a
genuine code is caught by comparing the two (spec §5: the verifier compares the decoded data with
the document). This module compares the fields of a code with the text extracted from the page.

Comparison is on *normalised* text: upper case, accents removed, and only letters and digits
kept, so that ``MME/SPECIMEN/CORINNE`` matches "Mme Corinne SPECIMEN" token by token and
``84,20`` matches "84,20 €". Dates are looked for in the usual printed forms.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

from sealdoc.report import Check, SubIndication
from sealdoc.twoddoc.codec import Field, TwoDDoc

__all__ = ["check_text_match", "normalise"]

_NON_ALNUM = re.compile(r"[^0-9A-Z]+")
_TOKEN_SPLIT = re.compile(r"[\s/,.;:'’()\-]+")
#: Tokens shorter than this are too common to prove anything ("DE", "1").
MIN_TOKEN = 3
#: Civilities are abbreviated in codes (``MME/DUPONT/MARIE``) and spelled out or omitted on the
#: page ("Madame Marie DUPONT"): they prove nothing either way, so they are not looked for.
_CIVILITIES = frozenset(
    {
        "MME",
        "MMES",
        "MLLE",
        "MLLES",
        "MR",
        "MRS",
        "MS",
        "MM",
        "MADAME",
        "MONSIEUR",
        "MADEMOISELLE",
        "MESDAMES",
        "MESSIEURS",
        "DR",
        "PR",
        "ME",
        "MAITRE",
    }
)
#: Fields whose value is not meant to be printed as such (URL, identifiers of the code itself).
_NOT_PRINTED = frozenset({"0C", "01", "02", "03", "04", "05"})


def normalise(text: str) -> str:
    """Upper case, no accents, letters and digits only."""
    decomposed = unicodedata.normalize("NFKD", text)
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return _NON_ALNUM.sub("", plain.upper())


def _tokens(value: str) -> list[str]:
    tokens = (normalise(p) for p in _TOKEN_SPLIT.split(value))
    return [t for t in tokens if len(t) >= MIN_TOKEN and t not in _CIVILITIES]


def _date_forms(raw: str) -> list[str]:
    """Printed forms of a JJMMAAAA date: 15/09/2026, 15.09.2026, 2026-09-15 all normalise here."""
    if len(raw) == 8 and raw.isdigit():
        day, month, year = raw[:2], raw[2:4], raw[4:]
        return [raw, year + month + day, day + month + year[2:]]
    return [raw]


def _field_found(field: Field, page: str) -> bool:
    raw = field.raw
    if len(raw) == 8 and raw.isdigit():
        return any(form in page for form in _date_forms(raw))
    tokens = _tokens(raw)
    if not tokens:
        # Only short parts ("84,20", "A 12"): look for the value as a whole.
        whole = normalise(raw)
        return len(whole) < MIN_TOKEN or whole in page
    return all(token in page for token in tokens)


def check_text_match(doc: TwoDDoc, page_text: str | Iterable[str]) -> Check:
    """``twoddoc_text``: every printable field of ``doc`` appears in ``page_text``.

    FAILED when some do not (the visible document does not say what the code signed);
    INDETERMINATE when the page has no extractable text (a scan: compare by eye or OCR).
    """
    text = page_text if isinstance(page_text, str) else "\n".join(page_text)
    page = normalise(text)
    if len(page) < MIN_TOKEN:
        return Check.indeterminate(
            "twoddoc_text",
            "the page has no extractable text to compare with the 2D-Doc (a scanned image?)",
            SubIndication.SIGNED_DATA_NOT_FOUND,
        )
    candidates = [f for f in doc.fields if f.id not in _NOT_PRINTED and f.raw]
    missing = [f for f in candidates if not _field_found(f, page)]
    if missing:
        listed = ", ".join(f"{f.id} ({f.raw!r})" for f in missing)
        return Check.failed(
            "twoddoc_text",
            f"{len(missing)} of {len(candidates)} 2D-Doc field(s) do not appear in the page text: "
            f"{listed}; the visible document may have been altered",
            SubIndication.SIG_CONSTRAINTS_FAILURE,
        )
    return Check.passed(
        "twoddoc_text", f"all {len(candidates)} 2D-Doc field(s) appear in the page text"
    )
