"""The batch manifest: one document per JSON line (or CSV record), parsed row by row.

JSON Lines::

    {"id": "N00001", "pdf": "in/N00001.pdf"}
    {"id": "N00002", "pdf": "in/N00002.pdf", "twoddoc": {"type": "01", "fields": {"10": "..."}}}
    {"id": "N00003", "template": "notice", "fields": {"recipient": ["..."], "subject": "...",
     "body": "..."}, "twoddoc": {"type": "01", "fields": {...}}}

CSV has the same columns, nested ones flattened with dots (``twoddoc.type``,
``twoddoc.fields.10``, ``fields.subject``); empty cells are absent values. Relative ``pdf``
paths resolve from the manifest's folder.

:func:`read_manifest` streams the file (memory does not grow with its length) and yields one
:class:`ManifestEntry` per row: the parsed :class:`ManifestRow`, or the reason it is not one,
always with its line number, so that one bad row never stops a batch.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from sealdoc.errors import InputError

__all__ = [
    "ID_PATTERN",
    "ManifestEntry",
    "ManifestRow",
    "NoticeFields",
    "TwoDDocRequest",
    "count_rows",
    "manifest_format",
    "read_manifest",
]

#: A document id is also its output file name: no path separators, no leading dot.
ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$"

#: Largest manifest line sealdoc reads (a notice with a long body fits many times over).
MAX_LINE_BYTES = 1 << 20


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class TwoDDocRequest(_Model):
    """The 2D-Doc to sign and stamp on a document (signed with the profile's ``[twoddoc]``)."""

    type: str = Field(pattern=r"^[A-Z0-9]{2}$", description="Document type (spec §6).")
    fields: dict[str, str | int] = Field(
        min_length=1, description="Data identifier to value, in the order they are written."
    )
    issue_date: dt.date | None = Field(
        default=None,
        description="Document issue date, for the types that carry one (default: the seal date).",
    )


def _lines(value: Any) -> Any:
    if isinstance(value, str):
        return tuple(line.strip() for line in value.splitlines() if line.strip())
    return value


class NoticeFields(_Model):
    """What the built-in ``notice`` template prints for one recipient."""

    recipient: tuple[str, ...] = Field(
        min_length=1, max_length=7, description="Recipient address, one line each."
    )
    subject: str = Field(min_length=1, max_length=200, description='"Objet :" line.')
    body: tuple[str, ...] = Field(
        min_length=1,
        max_length=40,
        description="Paragraphs (a string: paragraphs separated by blank lines).",
    )
    title: str | None = Field(default=None, max_length=120, description="Heading of the notice.")
    reference: str | None = Field(default=None, max_length=120)
    date: dt.date | None = Field(default=None, description="Date printed on the notice.")
    place: str | None = Field(default=None, max_length=80)
    lines: tuple[tuple[str, str], ...] = Field(
        default=(), max_length=20, description="Label / value pairs printed as a table."
    )
    signatory: tuple[str, ...] = Field(default=(), max_length=4)

    @field_validator("recipient", "signatory", mode="before")
    @classmethod
    def _split_lines(cls, value: Any) -> Any:
        return _lines(value)

    @field_validator("body", mode="before")
    @classmethod
    def _paragraphs(cls, value: Any) -> Any:
        if isinstance(value, str):
            paragraphs = [" ".join(p.split()) for p in value.replace("\r\n", "\n").split("\n\n")]
            return tuple(p for p in paragraphs if p)
        return value

    @field_validator("lines", mode="before")
    @classmethod
    def _json_lines(cls, value: Any) -> Any:
        if isinstance(value, str):  # a CSV cell holding JSON
            try:
                return json.loads(value)
            except json.JSONDecodeError as exc:
                raise ValueError(f"not a JSON list of [label, value] pairs ({exc})") from None
        return value


class ManifestRow(_Model):
    """One document of a batch: an existing PDF, or a notice sealdoc renders."""

    id: str = Field(pattern=ID_PATTERN, description="Document id; the output is <id>.pdf.")
    pdf: Path | None = Field(default=None, description="PDF to seal.")
    template: Literal["notice"] | None = Field(
        default=None, description="Render this built-in template instead of reading a PDF."
    )
    fields: NoticeFields | None = Field(default=None, description="The template's fields.")
    twoddoc: TwoDDocRequest | None = Field(default=None, description="2D-Doc to stamp.")

    @model_validator(mode="after")
    def _one_source(self) -> ManifestRow:
        if (self.pdf is None) == (self.template is None):
            raise ValueError('give either "pdf" or "template", not both nor neither')
        if self.template is not None and self.fields is None:
            raise ValueError(f'template "{self.template}" needs "fields"')
        if self.pdf is not None and self.fields is not None:
            raise ValueError('"fields" goes with "template", not with "pdf"')
        return self


@dataclass(frozen=True)
class ManifestEntry:
    """A manifest row as read: ``row`` or ``error`` (the reason it is unusable)."""

    line: int
    row: ManifestRow | None
    error: str | None = None
    #: The id as written, when the row has one (even if the row is otherwise invalid).
    raw_id: str | None = None


def manifest_format(path: Path) -> Literal["jsonl", "csv"]:
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return "csv"
    if suffix in (".jsonl", ".ndjson", ".json"):
        return "jsonl"
    raise InputError(f"{path}: unknown manifest format {suffix!r}: use .jsonl or .csv")


def read_manifest(path: Path) -> Iterator[ManifestEntry]:
    """Yield every row of the manifest at ``path`` (JSON Lines or CSV), in order.

    Raises :class:`InputError` only if the file cannot be opened at all; a bad row is an entry
    with an ``error``.
    """
    kind = manifest_format(path)
    base = path.resolve().parent
    try:
        handle = path.open("r", encoding="utf-8", newline="")
    except OSError as exc:
        raise InputError(f"{path}: cannot be read ({exc.strerror or exc})") from exc
    with handle:
        records = _jsonl_records(handle) if kind == "jsonl" else _csv_records(handle)
        for line, data, error in records:
            yield _entry(line, data, error, base)


def count_rows(path: Path) -> int:
    """Number of rows :func:`read_manifest` will yield (for progress), read without parsing."""
    kind = manifest_format(path)
    try:
        with path.open("r", encoding="utf-8", errors="replace", newline="") as handle:
            if kind == "jsonl":
                return sum(1 for text in handle if text.strip())
            return max(0, sum(1 for _ in csv.reader(handle)) - 1)
    except (OSError, csv.Error):
        return 0


def _entry(line: int, data: Any, error: str | None, base: Path) -> ManifestEntry:
    if error is not None:
        return ManifestEntry(line, None, error)
    raw_id = data.get("id") if isinstance(data, dict) else None
    raw_id = raw_id if isinstance(raw_id, str) else None
    if not isinstance(data, dict):
        return ManifestEntry(line, None, "not a JSON object", raw_id)
    try:
        row = ManifestRow.model_validate(data)
    except ValidationError as exc:
        return ManifestEntry(line, None, _describe(exc), raw_id)
    if row.pdf is not None and not row.pdf.is_absolute():
        row = row.model_copy(update={"pdf": base / row.pdf})
    return ManifestEntry(line, row, None, row.id)


def _jsonl_records(handle: Any) -> Iterator[tuple[int, Any, str | None]]:
    line = 0
    while True:
        try:
            text = handle.readline(MAX_LINE_BYTES + 1)
        except UnicodeDecodeError as exc:
            line += 1
            yield line, None, f"not UTF-8 text ({exc.reason})"
            return  # the decoder's position is lost: stop rather than misnumber lines
        if not text:
            return
        line += 1
        if len(text) > MAX_LINE_BYTES:
            yield line, None, f"line longer than {MAX_LINE_BYTES} bytes"
            while text and not text.endswith("\n"):
                text = handle.readline(MAX_LINE_BYTES + 1)
            continue
        if not text.strip():
            continue
        try:
            yield line, json.loads(text), None
        except json.JSONDecodeError as exc:
            yield line, None, f"not valid JSON: {exc.msg} (column {exc.colno})"


def _csv_records(handle: Any) -> Iterator[tuple[int, Any, str | None]]:
    reader = csv.reader(handle)
    try:
        header = next(reader)
    except StopIteration:
        return
    except (csv.Error, UnicodeDecodeError) as exc:
        yield 1, None, f"unreadable CSV header ({exc})"
        return
    columns = [name.strip() for name in header]
    start = reader.line_num + 1
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            return
        except (csv.Error, UnicodeDecodeError) as exc:
            yield start, None, f"unreadable CSV record ({exc})"
            return
        line, start = start, reader.line_num + 1
        if not any(cell.strip() for cell in cells):
            continue
        if len(cells) > len(columns):
            yield line, None, f"{len(cells)} cells but the header has {len(columns)} columns"
            continue
        try:
            yield line, _nest(columns, cells), None
        except ValueError as exc:
            yield line, None, str(exc)


def _nest(columns: list[str], cells: list[str]) -> dict[str, Any]:
    """``{"twoddoc.fields.10": "X"}`` -> ``{"twoddoc": {"fields": {"10": "X"}}}``."""
    data: dict[str, Any] = {}
    for name, cell in zip(columns, cells, strict=False):
        if cell == "":
            continue
        *parents, leaf = name.split(".")
        node = data
        for part in parents:
            child = node.setdefault(part, {})
            if not isinstance(child, dict):
                raise ValueError(f"column {name!r} conflicts with column {part!r}")
            node = child
        if leaf in node:
            raise ValueError(f"column {name!r} appears twice")
        node[leaf] = cell
    return data


def _describe(exc: ValidationError) -> str:
    problems = []
    for error in exc.errors():
        where = ".".join(str(part) for part in error["loc"])
        message = str(error["msg"]).removeprefix("Value error, ")
        problems.append(f"{where}: {message}" if where else message)
    return "; ".join(problems)
