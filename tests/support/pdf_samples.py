# mypy: disable-error-code="no-untyped-call"
# (pyHanko leaves many functions unannotated)
"""Small PDFs to seal, and the incremental updates an attacker would append to a sealed one.

No pytest in here. Every function takes and returns the bytes of a whole PDF.

    data = sample_pdf(pages=2, text_field="comment")
    tampered = append_page(sealed)              # page added after sealing
    tampered = fill_text_field(sealed, "comment", "forged")
"""

from __future__ import annotations

import io

from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.generic import pdf_name, pdf_string
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.writer import PdfFileWriter

__all__ = [
    "add_annotation",
    "append_page",
    "fill_text_field",
    "flip_byte",
    "override_widget_appearance",
    "replace_page_content",
    "sample_pdf",
]

_A4 = (0, 0, 595, 842)


def _content(writer: PdfFileWriter | IncrementalPdfFileWriter, text: str) -> generic.IndirectObject:
    escaped = text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
    stream = generic.StreamObject(
        stream_data=f"BT /F1 14 Tf 72 760 Td ({escaped}) Tj ET".encode("latin-1")
    )
    return writer.add_object(stream)


def _font() -> generic.DictionaryObject:
    return generic.DictionaryObject(
        {
            pdf_name("/Font"): generic.DictionaryObject(
                {
                    pdf_name("/F1"): generic.DictionaryObject(
                        {
                            pdf_name("/Type"): pdf_name("/Font"),
                            pdf_name("/Subtype"): pdf_name("/Type1"),
                            pdf_name("/BaseFont"): pdf_name("/Helvetica"),
                        }
                    )
                }
            )
        }
    )


def _page(writer: PdfFileWriter | IncrementalPdfFileWriter, text: str) -> generic.DictionaryObject:
    return generic.DictionaryObject(
        {
            pdf_name("/Type"): pdf_name("/Page"),
            pdf_name("/MediaBox"): generic.ArrayObject(generic.NumberObject(v) for v in _A4),
            pdf_name("/Resources"): _font(),
            pdf_name("/Contents"): _content(writer, text),
        }
    )


def sample_pdf(
    *, pages: int = 1, text: str = "Attestation de test", text_field: str | None = None
) -> bytes:
    """A PDF with ``pages`` A4 pages of text; optionally an empty text form field on page 1."""
    writer = PdfFileWriter()
    for index in range(pages):
        writer.insert_page(_page(writer, f"{text} - page {index + 1}"))
    if text_field is not None:
        page_ref = writer.root["/Pages"]["/Kids"][0]
        widget = generic.DictionaryObject(
            {
                pdf_name("/Type"): pdf_name("/Annot"),
                pdf_name("/Subtype"): pdf_name("/Widget"),
                pdf_name("/FT"): pdf_name("/Tx"),
                pdf_name("/T"): pdf_string(text_field),
                pdf_name("/Rect"): generic.ArrayObject(
                    generic.NumberObject(v) for v in (72, 600, 300, 630)
                ),
                pdf_name("/F"): generic.NumberObject(4),
                pdf_name("/P"): page_ref,
                pdf_name("/DA"): pdf_string("/Helv 12 Tf 0 g"),
            }
        )
        widget_ref = writer.add_object(widget)
        page = page_ref.get_object()
        page[pdf_name("/Annots")] = generic.ArrayObject([widget_ref])
        writer.root[pdf_name("/AcroForm")] = writer.add_object(
            generic.DictionaryObject({pdf_name("/Fields"): generic.ArrayObject([widget_ref])})
        )
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _update(data: bytes) -> IncrementalPdfFileWriter:
    return IncrementalPdfFileWriter(io.BytesIO(data))


def _finish(writer: IncrementalPdfFileWriter) -> bytes:
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def append_page(data: bytes, text: str = "Page ajoutee apres le cachet") -> bytes:
    """An incremental update adding a page at the end."""
    writer = _update(data)
    writer.insert_page(_page(writer, text))
    return _finish(writer)


def replace_page_content(data: bytes, page: int = 0, text: str = "Montant: 1 000 000 EUR") -> bytes:
    """An incremental update that gives a page new content (the old content stays in the file)."""
    writer = _update(data)
    page_ref = writer.root["/Pages"]["/Kids"][page]
    page_obj = page_ref.get_object()
    page_obj[pdf_name("/Contents")] = _content(writer, text)
    writer.update_container(page_obj)
    return _finish(writer)


def add_annotation(data: bytes, page: int = 0, text: str = "Annule") -> bytes:
    """An incremental update adding a free-text annotation over the page."""
    writer = _update(data)
    page_ref = writer.root["/Pages"]["/Kids"][page]
    page_obj = page_ref.get_object()
    annot = generic.DictionaryObject(
        {
            pdf_name("/Type"): pdf_name("/Annot"),
            pdf_name("/Subtype"): pdf_name("/FreeText"),
            pdf_name("/Rect"): generic.ArrayObject(
                generic.NumberObject(v) for v in (72, 700, 400, 740)
            ),
            pdf_name("/Contents"): pdf_string(text),
            pdf_name("/DA"): pdf_string("/Helv 24 Tf 1 0 0 rg"),
        }
    )
    annots = page_obj.get("/Annots")
    array = generic.ArrayObject(list(annots) if annots is not None else [])
    array.append(writer.add_object(annot))
    page_obj[pdf_name("/Annots")] = array
    writer.update_container(page_obj)
    return _finish(writer)


def _find_field(writer: IncrementalPdfFileWriter, name: str) -> generic.DictionaryObject:
    for ref in writer.root["/AcroForm"]["/Fields"]:
        field = ref.get_object()
        if isinstance(field, generic.DictionaryObject) and str(field.get("/T")) == name:
            return field
    raise KeyError(name)


def _appearance(writer: IncrementalPdfFileWriter, width: int, height: int, text: str) -> object:
    stream = generic.StreamObject(
        {
            pdf_name("/Type"): pdf_name("/XObject"),
            pdf_name("/Subtype"): pdf_name("/Form"),
            pdf_name("/BBox"): generic.ArrayObject(
                generic.NumberObject(v) for v in (0, 0, width, height)
            ),
            pdf_name("/Resources"): _font(),
        },
        stream_data=(
            f"1 1 1 rg 0 0 {width} {height} re f BT /F1 10 Tf 2 2 Td ({text}) Tj ET".encode()
        ),
    )
    return writer.add_object(stream)


def fill_text_field(data: bytes, name: str, value: str) -> bytes:
    """An incremental update filling the text field ``name`` (value and appearance)."""
    writer = _update(data)
    field = _find_field(writer, name)
    field[pdf_name("/V")] = pdf_string(value)
    field[pdf_name("/AP")] = generic.DictionaryObject(
        {pdf_name("/N"): _appearance(writer, 228, 30, value)}
    )
    writer.update_container(field)
    return _finish(writer)


def override_widget_appearance(data: bytes, name: str, text: str = "VALIDE") -> bytes:
    """An incremental update replacing the appearance of the (signature) field ``name``."""
    writer = _update(data)
    field = _find_field(writer, name)
    field[pdf_name("/AP")] = generic.DictionaryObject(
        {pdf_name("/N"): _appearance(writer, 60, 60, text)}
    )
    writer.update_container(field)
    return _finish(writer)


def flip_byte(data: bytes, offset: int) -> bytes:
    """``data`` with the byte at ``offset`` changed (a printable character stays printable)."""
    original = data[offset]
    replacement = original ^ 0x01
    return data[:offset] + bytes([replacement]) + data[offset + 1 :]
