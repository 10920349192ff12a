"""Text of PDF pages (pdfium), for comparing a page with the 2D-Doc it carries."""

from __future__ import annotations

import pypdfium2 as pdfium

from sealdoc.errors import PdfError

__all__ = ["page_texts"]

#: Pages read at most: a notice has a few; a hostile file may claim millions.
MAX_PAGES = 200


def page_texts(data: bytes, *, max_pages: int = MAX_PAGES) -> list[str]:
    """The text of each page (at most ``max_pages``); :class:`PdfError` if pdfium cannot open it."""
    try:
        document = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        raise PdfError(f"the PDF cannot be opened to read its text: {exc}") from exc
    texts: list[str] = []
    try:
        for index in range(min(len(document), max_pages)):
            page = document[index]
            try:
                textpage = page.get_textpage()
                try:
                    texts.append(str(textpage.get_text_range()))
                finally:
                    textpage.close()
            finally:
                page.close()
    except pdfium.PdfiumError as exc:
        raise PdfError(f"the text of the PDF cannot be read: {exc}") from exc
    finally:
        document.close()
    return texts
