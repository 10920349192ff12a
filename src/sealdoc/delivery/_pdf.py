"""A minimal PDF writer for text reports: A4 pages of wrapped lines (Helvetica, Courier for
digests), an optional embedded file. Enough for the court proof; no layout engine needed."""

from __future__ import annotations

import datetime as dt
import textwrap
import zlib
from dataclasses import dataclass, field
from typing import Literal

__all__ = ["Line", "TextPdf"]

Style = Literal["title", "heading", "body", "mono", "small"]
_STYLES: dict[str, tuple[str, float, float, int]] = {
    # style: (font resource, size, leading, wrap width in characters)
    "title": ("F2", 16.0, 24.0, 55),
    "heading": ("F2", 11.5, 19.0, 80),
    "body": ("F1", 10.0, 13.5, 98),
    "mono": ("F3", 8.5, 11.5, 96),
    "small": ("F1", 8.0, 11.0, 120),
}
_WIDTH, _HEIGHT, _MARGIN = 595.0, 842.0, 50.0


@dataclass(frozen=True)
class Line:
    text: str
    style: Style = "body"
    indent: float = 0.0


def _escape(text: str) -> bytes:
    raw = text.encode("cp1252", "replace")
    return raw.replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)")


def _literal(text: str) -> bytes:
    return b"(" + _escape(text) + b")"


@dataclass
class TextPdf:
    title: str
    lines: list[Line] = field(default_factory=list)
    attachment: tuple[str, bytes, str] | None = None  # (file name, data, MIME type)
    footer: str = ""

    def add(self, text: str, style: Style = "body", indent: float = 0.0) -> None:
        _font, _size, _lead, width = _STYLES[style]
        chunks = textwrap.wrap(text, width=width - int(indent / 5)) or [""]
        for i, chunk in enumerate(chunks):
            self.lines.append(Line(chunk, style, indent + (12.0 if i else 0.0)))

    def space(self) -> None:
        self.lines.append(Line("", "small"))

    def _pages(self) -> list[list[tuple[Line, float]]]:
        pages: list[list[tuple[Line, float]]] = [[]]
        y = _HEIGHT - _MARGIN
        for line in self.lines:
            leading = _STYLES[line.style][2]
            if y - leading < _MARGIN + 20:
                pages.append([])
                y = _HEIGHT - _MARGIN
            y -= leading
            pages[-1].append((line, y))
        return pages

    def render(self, *, created: dt.datetime) -> bytes:
        objects: list[bytes] = []

        def add(body: bytes) -> int:
            objects.append(body)
            return len(objects)

        catalog = add(b"")  # filled last
        pages_obj = add(b"")
        f1 = add(
            b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>"
        )
        f2 = add(
            b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica-Bold "
            b"/Encoding /WinAnsiEncoding >>"
        )
        f3 = add(b"<< /Type /Font /Subtype /Type1 /BaseFont /Courier /Encoding /WinAnsiEncoding >>")
        resources = f"<< /Font << /F1 {f1} 0 R /F2 {f2} 0 R /F3 {f3} 0 R >> >>".encode()
        page_ids = []
        laid_out = self._pages()
        for number, page in enumerate(laid_out, start=1):
            ops = [b"BT"]
            for line, y in page:
                font, size, _lead, _w = _STYLES[line.style]
                ops.append(
                    f"/{font} {size} Tf 1 0 0 1 {_MARGIN + line.indent:.1f} {y:.1f} Tm".encode()
                    + b" "
                    + _literal(line.text)
                    + b" Tj"
                )
            footer = f"{self.footer}   {number}/{len(laid_out)}".strip()
            ops.append(
                f"/F1 7.5 Tf 1 0 0 1 {_MARGIN:.1f} {_MARGIN - 20:.1f} Tm ".encode()
                + _literal(footer)
                + b" Tj"
            )
            ops.append(b"ET")
            stream = zlib.compress(b"\n".join(ops))
            content = add(
                f"<< /Length {len(stream)} /Filter /FlateDecode >>\nstream\n".encode()
                + stream
                + b"\nendstream"
            )
            page_dict = (
                f"<< /Type /Page /Parent {pages_obj} 0 R /MediaBox [0 0 {_WIDTH:.0f} "
                f"{_HEIGHT:.0f}] /Resources {resources.decode()} /Contents {content} 0 R >>"
            )
            page_ids.append(add(page_dict.encode()))
        kids = " ".join(f"{p} 0 R" for p in page_ids)
        objects[pages_obj - 1] = (
            f"<< /Type /Pages /Kids [{kids}] /Count {len(page_ids)} >>".encode()
        )
        names = b""
        if self.attachment is not None:
            name, data, mime = self.attachment
            packed = zlib.compress(data)
            subtype = mime.replace("/", "#2F")
            embedded = add(
                f"<< /Type /EmbeddedFile /Subtype /{subtype} /Filter /FlateDecode "
                f"/Length {len(packed)} /Params << /Size {len(data)} >> >>\nstream\n".encode()
                + packed
                + b"\nendstream"
            )
            spec = add(
                b"<< /Type /Filespec /F "
                + _literal(name)
                + b" /UF "
                + _literal(name)
                + f" /EF << /F {embedded} 0 R >> /AFRelationship /Data >>".encode()
            )
            names = (
                b" /Names << /EmbeddedFiles << /Names [" + _literal(name)
                + f" {spec} 0 R] >> >> /AF [{spec} 0 R]".encode()
            )  # fmt: skip
        objects[catalog - 1] = f"<< /Type /Catalog /Pages {pages_obj} 0 R".encode() + names + b" >>"
        stamp = created.astimezone(dt.UTC).strftime("D:%Y%m%d%H%M%SZ")
        info = add(
            b"<< /Title "
            + _literal(self.title)
            + b" /Producer (sealdoc) /CreationDate "
            + _literal(stamp)
            + b" >>"
        )
        out = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
        offsets = []
        for number, body in enumerate(objects, start=1):
            offsets.append(len(out))
            out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
        xref = len(out)
        out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
        for offset in offsets:
            out += f"{offset:010d} 00000 n \n".encode()
        out += (
            f"trailer\n<< /Size {len(objects) + 1} /Root {catalog} 0 R /Info {info} 0 R >>\n"
            f"startxref\n{xref}\n%%EOF\n"
        ).encode()
        return bytes(out)
