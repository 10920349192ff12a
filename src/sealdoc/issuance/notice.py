"""The built-in notice template: a clean A4 administrative notice, PDF/A-2b or PDF/A-3b.

Layout (A4 portrait, millimetres from the top-left corner):

* issuer block, top left (first line in bold): the profile's ``[notice] issuer``;
* the 2D-Doc, top right: not drawn here: the seal's visible stamp goes there (the profile's
  ``[twoddoc]`` corner ``top-right``, 10 mm margins), in the same incremental update as the
  signature, so the code on the page is the one the seal covers;
* recipient address at 110 mm from the left, 50 mm from the top (the window of a C5/DL
  envelope with a right-hand window);
* place and date, reference, title, "Objet :", body paragraphs, an optional table of
  label/value lines, signatory; a footer on every page.

The PDF is written directly (it is small and fixed in shape): text in the embedded
"Sealdoc Sans" fonts (a renamed subset of DejaVu Sans, see ``fonts/README.md``) with
WinAnsiEncoding, an sRGB output intent (:mod:`.pdfa`), XMP metadata declaring PDF/A-2b, or
PDF/A-3b when the document will carry the 2D-Doc payload as an embedded file (PDF/A-2 allows
no embedded file that is not itself PDF/A). Rendering is deterministic: the same fields give
the same bytes, which lets the batch runner recognise a document it already sealed.
"""

from __future__ import annotations

import functools
import hashlib
import json
import zlib
from dataclasses import dataclass
from importlib import resources
from typing import Any

from sealdoc.errors import InputError
from sealdoc.issuance.manifest import NoticeFields
from sealdoc.issuance.pdfa import SRGB_OUTPUT_CONDITION, srgb_icc_profile, xmp_metadata
from sealdoc.issuance.profile import NoticeSettings

__all__ = ["PAGE_HEIGHT", "PAGE_WIDTH", "encode_text", "render_notice", "text_width"]

MM = 72 / 25.4
PAGE_WIDTH = 595.276
PAGE_HEIGHT = 841.890
LEFT = 20 * MM
RIGHT = PAGE_WIDTH - 20 * MM
BOTTOM = 25 * MM
ADDRESS_X = 110 * MM
ADDRESS_TOP = PAGE_HEIGHT - 50 * MM
BODY_TOP = PAGE_HEIGHT - 95 * MM
ACCENT = "0.122 0.235 0.447"  # dark blue, DeviceRGB

_MONTHS = {
    "fr": (
        "janvier",
        "février",
        "mars",
        "avril",
        "mai",
        "juin",
        "juillet",
        "août",
        "septembre",
        "octobre",
        "novembre",
        "décembre",
    ),
    "en": (
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ),
}
_WORDS = {
    "fr": {
        "subject": "Objet : ",
        "ref": "Réf. : ",
        "done": "Fait à {place}, le {date}",
        "date": "Le {date}",
        "page": "page {i}/{n}",
        "sealed": "Document scellé électroniquement (PAdES, 2D-Doc) : vérifiable hors ligne.",
    },
    "en": {
        "subject": "Subject: ",
        "ref": "Ref.: ",
        "done": "{place}, {date}",
        "date": "{date}",
        "page": "page {i}/{n}",
        "sealed": "Electronically sealed document (PAdES, 2D-Doc): verifiable offline.",
    },
}
#: Characters WinAnsiEncoding lacks, written as their nearest equivalent.
_SUBSTITUTES = {
    "\u202f": "\xa0",
    "\u2009": " ",
    "\u2011": "-",
    "\u2010": "-",
    "\u2212": "-",
    "\u00a0": "\xa0",
    "\t": " ",
}


@dataclass(frozen=True)
class _Font:
    name: str
    resource: str
    program: bytes
    widths: tuple[int, ...]
    first_char: int
    descriptor: dict[str, Any]


@functools.cache
def _fonts() -> dict[str, _Font]:
    folder = resources.files("sealdoc.issuance") / "fonts"
    metrics = json.loads((folder / "metrics.json").read_text(encoding="utf-8"))
    fonts = {}
    for style, resource in (("Regular", "F1"), ("Bold", "F2")):
        entry = metrics[style]
        fonts[style] = _Font(
            name=entry["font_name"],
            resource=resource,
            program=(folder / entry["file"]).read_bytes(),
            widths=tuple(entry["widths"]),
            first_char=entry["first_char"],
            descriptor=entry,
        )
    return fonts


_TRANSLATE = {ord(k): v for k, v in _SUBSTITUTES.items()} | {i: " " for i in range(32)}


def encode_text(text: str) -> bytes:
    """``text`` in WinAnsiEncoding (cp1252); characters it lacks become ``?``."""
    return text.translate(_TRANSLATE).encode("cp1252", errors="replace")


@functools.cache
def _width_table(style: str) -> tuple[int, ...]:
    font = _fonts()[style]
    return (0,) * font.first_char + font.widths


def text_width(text: str, size: float, style: str = "Regular") -> float:
    """Width of ``text`` in points at ``size``."""
    table = _width_table(style)
    return sum(map(table.__getitem__, encode_text(text))) * size / 1000


def _literal(data: bytes) -> bytes:
    return b"(" + data.replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)") + b")"


def _num(value: float) -> str:
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return text if text not in ("", "-0") else "0"


def _wrap(text: str, size: float, width: float, style: str = "Regular") -> list[str]:
    """Break ``text`` into lines no wider than ``width`` (words longer than a line are cut)."""
    space = text_width(" ", size, style)
    lines: list[str] = []
    current: list[str] = []
    used = 0.0
    for word in text.split(" "):
        word_width = text_width(word, size, style)
        while word_width > width and len(word) > 1:
            cut = len(word) - 1
            while cut > 1 and text_width(word[:cut], size, style) > width:
                cut -= 1
            if current:
                lines.append(" ".join(current))
                current, used = [], 0.0
            lines.append(word[:cut])
            word = word[cut:]
            word_width = text_width(word, size, style)
        extra = word_width + (space if current else 0.0)
        if current and used + extra > width:
            lines.append(" ".join(current))
            current, used = [word], word_width
        else:
            current.append(word)
            used += extra
    if current:
        lines.append(" ".join(current))
    return lines


class _Page:
    def __init__(self) -> None:
        self.ops: list[str | bytes] = []

    def text(
        self,
        x: float,
        y: float,
        text: str,
        size: float,
        style: str = "Regular",
        color: str | None = None,
    ) -> None:
        font = _fonts()[style]
        fill = f"{color} rg " if color else "0 g "
        self.ops.append(f"BT {fill}/{font.resource} {_num(size)} Tf {_num(x)} {_num(y)} Td ")
        self.ops.append(_literal(encode_text(text)) + b" Tj ET\n")

    def right(
        self, x_right: float, y: float, text: str, size: float, style: str = "Regular"
    ) -> None:
        self.text(x_right - text_width(text, size, style), y, text, size, style)

    def rule(self, x1: float, y: float, x2: float, gray: float = 0.75, width: float = 0.5) -> None:
        self.ops.append(f"q {gray} G {width} w {_num(x1)} {_num(y)} m {_num(x2)} {_num(y)} l S Q\n")

    def content(self) -> bytes:
        return b"".join(op.encode("latin-1") if isinstance(op, str) else op for op in self.ops)


def _date_text(fields: NoticeFields, language: str) -> str | None:
    if fields.date is None:
        return None
    month = _MONTHS[language][fields.date.month - 1]
    day = "1er" if language == "fr" and fields.date.day == 1 else str(fields.date.day)
    return f"{day} {month} {fields.date.year}"


def _layout(fields: NoticeFields, settings: NoticeSettings) -> list[_Page]:
    words = _WORDS[settings.language]
    pages = [_Page()]
    page = pages[0]
    # issuer block
    y = PAGE_HEIGHT - 20 * MM
    for index, line in enumerate(settings.issuer):
        bold = index == 0
        page.text(
            LEFT,
            y,
            line,
            11 if bold else 9,
            "Bold" if bold else "Regular",
            ACCENT if bold else None,
        )
        y -= 14 if bold else 11.5
    # recipient
    y = ADDRESS_TOP
    for line in fields.recipient:
        page.text(ADDRESS_X, y, line, 10.5)
        y -= 13.5
    # place, date, reference
    y = BODY_TOP + 26
    date = _date_text(fields, settings.language)
    place = fields.place or settings.place
    if date:
        dated = (
            words["done"].format(place=place, date=date)
            if place
            else words["date"].format(date=date)
        )
        page.right(RIGHT, y, dated, 10)
    if fields.reference:
        page.text(LEFT, y, words["ref"] + fields.reference, 9)
    y = BODY_TOP
    body_width = RIGHT - LEFT

    def room(height: float) -> None:
        nonlocal y, page
        if y - height < BOTTOM + 12:
            page = _Page()
            pages.append(page)
            y = PAGE_HEIGHT - 25 * MM

    if fields.title:
        for line in _wrap(fields.title, 14, body_width, "Bold"):
            room(20)
            page.text(LEFT, y, line, 14, "Bold", ACCENT)
            y -= 20
        y -= 4
    subject_lines = _wrap(words["subject"] + fields.subject, 10.5, body_width, "Bold")
    for line in subject_lines:
        room(15)
        page.text(LEFT, y, line, 10.5, "Bold")
        y -= 15
    y -= 8
    for paragraph in fields.body:
        for line in _wrap(paragraph, 10, body_width):
            room(14)
            page.text(LEFT, y, line, 10)
            y -= 14
        y -= 7
    if fields.lines:
        y -= 4
        room(18)
        page.rule(LEFT, y + 11, RIGHT)
        for label, value in fields.lines:
            label_lines = _wrap(label, 10, body_width * 0.65)
            room(16 * len(label_lines))
            for i, line in enumerate(label_lines):
                page.text(LEFT + 4, y, line, 10)
                if i == 0:
                    page.right(RIGHT - 4, y, value, 10, "Bold")
                y -= 14
            page.rule(LEFT, y + 9, RIGHT)
            y -= 4
        y -= 8
    signatory = fields.signatory or settings.signatory
    if signatory:
        room(16 * len(signatory) + 10)
        y -= 10
        for line in signatory:
            page.text(ADDRESS_X, y, line, 10)
            y -= 13
    # footers
    footer = settings.footer or words["sealed"]
    for number, each in enumerate(pages, start=1):
        each.rule(LEFT, BOTTOM + 2, RIGHT, gray=0.8)
        for i, line in enumerate(_wrap(footer, 7.5, body_width * 0.8)):
            each.text(LEFT, BOTTOM - 9 - 9 * i, line, 7.5, color="0.35 0.35 0.35")
        each.right(RIGHT, BOTTOM - 9, words["page"].format(i=number, n=len(pages)), 7.5)
    return pages


def _stream(header: bytes, data: bytes, *, compress: bool = True) -> bytes:
    if compress:
        data = zlib.compress(data, 6)
        header += b" /Filter /FlateDecode"
    return b"<<" + header + b" /Length %d>>\nstream\n" % len(data) + data + b"\nendstream"


@functools.cache
def _font_objects() -> tuple[bytes, ...]:
    """Font, descriptor and program objects of both fonts (numbers 5-10), built once."""
    objects = []
    for number, style in ((5, "Regular"), (8, "Bold")):
        font = _fonts()[style]
        d = font.descriptor
        widths = " ".join(str(w) for w in font.widths)
        last = font.first_char + len(font.widths) - 1
        objects.append(
            f"<</Type /Font /Subtype /TrueType /BaseFont /{font.name} /FirstChar "
            f"{font.first_char} /LastChar {last} /Widths [{widths}] /FontDescriptor "
            f"{number + 1} 0 R /Encoding /WinAnsiEncoding>>".encode("ascii")
        )
        bbox = " ".join(str(v) for v in d["bbox"])
        objects.append(
            f"<</Type /FontDescriptor /FontName /{font.name} /Flags {d['flags']} /FontBBox "
            f"[{bbox}] /ItalicAngle {d['italic_angle']:g} /Ascent {d['ascent']} /Descent "
            f"{d['descent']} /CapHeight {d['cap_height']} /StemV {d['stem_v']} /FontFile2 "
            f"{number + 2} 0 R>>".encode("ascii")
        )
        objects.append(_stream(b"/Length1 %d" % len(font.program), font.program))
    return tuple(objects)


def render_notice(
    fields: NoticeFields,
    settings: NoticeSettings,
    *,
    document_id: str,
    pdfa_part: int = 2,
) -> bytes:
    """Render the notice as PDF/A-``pdfa_part``\\ b bytes (2, or 3 if a payload will be added).

    Raises :class:`~sealdoc.errors.InputError` if the notice would need more than 20 pages.
    """
    pages = _layout(fields, settings)
    if len(pages) > 20:
        raise InputError("the notice would need more than 20 pages: shorten the body")
    title = fields.title or fields.subject
    language = settings.language
    objects: list[bytes] = []
    page_numbers = [11 + 2 * i for i in range(len(pages))]
    kids = " ".join(f"{n} 0 R" for n in page_numbers)
    lang = "fr-FR" if language == "fr" else "en"
    objects.append(
        f"<</Type /Catalog /Pages 2 0 R /Metadata 3 0 R /Lang ({lang}) /OutputIntents [<</Type "
        f"/OutputIntent /S /GTS_PDFA1 /OutputConditionIdentifier ({SRGB_OUTPUT_CONDITION}) "
        f"/Info ({SRGB_OUTPUT_CONDITION}) /DestOutputProfile 4 0 R>>]>>".encode("ascii")
    )
    objects.append(f"<</Type /Pages /Kids [{kids}] /Count {len(pages)}>>".encode("ascii"))
    objects.append(
        _stream(
            b"/Type /Metadata /Subtype /XML",
            xmp_metadata(part=pdfa_part, title=title, language=language),
            compress=False,
        )
    )
    objects.append(_stream(b"/N 3", srgb_icc_profile()))
    objects.extend(_font_objects())
    contents = []
    for number, page in zip(page_numbers, pages, strict=True):
        content = page.content()
        contents.append(content)
        objects.append(
            f"<</Type /Page /Parent 2 0 R /MediaBox [0 0 {PAGE_WIDTH} {PAGE_HEIGHT}] "
            f"/Resources <</Font <</F1 5 0 R /F2 8 0 R>>>> /Contents {number + 1} 0 R>>".encode(
                "ascii"
            )
        )
        objects.append(_stream(b"", content))
    digest = hashlib.md5(usedforsecurity=False)
    digest.update(document_id.encode("utf-8"))
    for content in contents:
        digest.update(content)
    file_id = digest.hexdigest().upper().encode("ascii")

    out = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    out += b"trailer\n<</Size %d /Root 1 0 R /ID [<%s><%s>]>>\n" % (
        len(objects) + 1,
        file_id,
        file_id,
    )
    out += b"startxref\n%d\n%%%%EOF\n" % xref
    return bytes(out)
