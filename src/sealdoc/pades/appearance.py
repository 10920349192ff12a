# mypy: disable-error-code="no-untyped-call"
# (pyHanko leaves many functions unannotated; everything else here is checked strictly)
"""The visible seal (a 2D-Doc DataMatrix on a page) and the 2D-Doc payload embedded in the PDF.

**Where the payload lives.** The exact 2D-Doc code of the stamp is stored as an embedded file
named :data:`PAYLOAD_FILE_NAME` (``sealdoc-2d-doc.txt``, MIME ``text/plain``, bytes =
``code.encode("latin-1")`` so the ``<GS>``/``<RS>``/``<US>`` control characters survive) in the
document's ``/Names /EmbeddedFiles`` name tree. It is written in the *same incremental update*
as the signature and the stamp's widget, so the seal signature covers it. A reader finds it by
name; PDF viewers list it as an attachment. :func:`find_twoddoc_payload` reads it from a given
revision, which is how :func:`sealdoc.pades.embedded_twoddoc` returns the payload as the seal
signed it (not as a later, unsigned update may have replaced it).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from pyhanko.pdf_utils import generic, layout
from pyhanko.pdf_utils.generic import pdf_name, pdf_string
from pyhanko.pdf_utils.images import PdfImage
from pyhanko.stamp import StaticStampStyle

from sealdoc.errors import SealingError

if TYPE_CHECKING:
    from PIL import Image
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.pdf_utils.rw_common import PdfHandler

__all__ = [
    "PAYLOAD_FILE_NAME",
    "PAYLOAD_MAX_BYTES",
    "StampSpec",
    "embed_twoddoc_payload",
    "find_twoddoc_payload",
    "stamp_box",
    "stamp_style",
]

#: Name of the embedded file holding the 2D-Doc code of the visible seal.
PAYLOAD_FILE_NAME = "sealdoc-2d-doc.txt"
#: A 2D-Doc fits in at most 16 DataMatrix symbols of 1,556 bytes; anything larger is not one.
PAYLOAD_MAX_BYTES = 32 * 1024
_MAX_NAME_TREE_DEPTH = 8
_MAX_NAME_TREE_NODES = 4096


@dataclass(frozen=True)
class StampSpec:
    """Where and how to stamp the 2D-Doc on the page.

    ``code``: the 2D-Doc (``str`` of Latin-1 characters, control characters included); it is
    rendered as a DataMatrix and embedded as the payload. ``page``: 0-based page index (negative
    counts from the end). ``x``, ``y``: lower-left corner in PDF points (1/72 in) from the
    page's lower-left corner. ``width``: in points; by default the physical size of the
    rendering (``image.width / dpi * 72``), which keeps modules at the size
    :func:`sealdoc.twoddoc.datamatrix.render_stamp` chose. ``image``: a ready rendering (by
    default ``render_stamp(code)``).
    """

    code: str
    page: int = 0
    x: float = 36.0
    y: float = 36.0
    width: float | None = None
    image: Image.Image | None = None

    def rendering(self) -> Image.Image:
        if self.image is not None:
            return self.image
        from sealdoc.twoddoc.datamatrix import render_stamp

        return render_stamp(self.code)

    def payload(self) -> bytes:
        try:
            data = self.code.encode("latin-1")
        except UnicodeEncodeError as exc:
            raise SealingError(
                f"the 2D-Doc code holds a character outside Latin-1 at position {exc.start}"
            ) from exc
        if not data:
            raise SealingError("the 2D-Doc code to stamp is empty")
        if len(data) > PAYLOAD_MAX_BYTES:
            raise SealingError(f"the 2D-Doc code is {len(data)} bytes, too long for a 2D-Doc")
        return data


def stamp_box(spec: StampSpec, image: Image.Image) -> tuple[float, float, float, float]:
    """The stamp's rectangle ``(x1, y1, x2, y2)`` in points, keeping the image's aspect ratio."""
    if image.width <= 0 or image.height <= 0:
        raise SealingError("the stamp image is empty")
    if spec.width is not None:
        width = float(spec.width)
    else:
        dpi = image.info.get("dpi", (300, 300))[0] or 300
        width = image.width / float(dpi) * 72.0
    if not width > 0:
        raise SealingError(f"the stamp width must be positive, not {spec.width}")
    height = width * image.height / image.width
    return (spec.x, spec.y, spec.x + width, spec.y + height)


def stamp_style(image: Image.Image) -> StaticStampStyle:
    """A pyHanko stamp style whose appearance is just ``image``, edge to edge, opaque."""
    if image.mode not in ("L", "RGB", "LA", "RGBA", "P", "PA"):
        image = image.convert("RGB")
    return StaticStampStyle(
        background=PdfImage(image),
        background_opacity=1.0,
        border_width=0,
        background_layout=layout.SimpleBoxLayoutRule(
            x_align=layout.AxisAlignment.ALIGN_MID,
            y_align=layout.AxisAlignment.ALIGN_MID,
            margins=layout.Margins.uniform(0),
            inner_content_scaling=layout.InnerScaling.STRETCH_TO_FIT,
        ),
    )


def embed_twoddoc_payload(writer: IncrementalPdfFileWriter, payload: bytes) -> None:
    """Add :data:`PAYLOAD_FILE_NAME` to the embedded files of the document being written.

    Refuses a document that already carries a payload under that name (a document is sealed
    with a 2D-Doc once) or whose embedded-file name tree is not a flat one.
    """
    file_stream = generic.StreamObject(
        {
            pdf_name("/Type"): pdf_name("/EmbeddedFile"),
            pdf_name("/Subtype"): pdf_name("/text/plain"),
            pdf_name("/Params"): generic.DictionaryObject(
                {pdf_name("/Size"): generic.NumberObject(len(payload))}
            ),
        },
        stream_data=payload,
    )
    file_stream.compress()
    spec = generic.DictionaryObject(
        {
            pdf_name("/Type"): pdf_name("/Filespec"),
            pdf_name("/F"): pdf_string(PAYLOAD_FILE_NAME),
            pdf_name("/UF"): pdf_string(PAYLOAD_FILE_NAME),
            pdf_name("/Desc"): pdf_string("2D-Doc code of the visible seal (sealdoc)"),
            pdf_name("/EF"): generic.DictionaryObject(
                {pdf_name("/F"): writer.add_object(file_stream)}
            ),
        }
    )
    spec_ref = writer.add_object(spec)

    root = writer.root
    names = _deref(root.get("/Names"))
    if names is None:
        names = generic.DictionaryObject()
        root[pdf_name("/Names")] = writer.add_object(names)
        writer.update_root()
    elif not isinstance(names, generic.DictionaryObject):
        raise SealingError("the document catalog's /Names entry is not a dictionary")
    tree = _deref(names.get("/EmbeddedFiles"))
    if tree is None:
        tree = generic.DictionaryObject()
        names[pdf_name("/EmbeddedFiles")] = writer.add_object(tree)
        writer.update_container(names)
    elif not isinstance(tree, generic.DictionaryObject):
        raise SealingError("the document's /EmbeddedFiles name tree is not a dictionary")
    if "/Kids" in tree:
        raise SealingError(
            "the document's embedded-file name tree has several levels; sealdoc only adds its "
            "2D-Doc payload to a flat one"
        )
    entries = _deref(tree.get("/Names"))
    if entries is None:
        entries = generic.ArrayObject()
        tree[pdf_name("/Names")] = writer.add_object(entries)
        writer.update_container(tree)
    elif not isinstance(entries, generic.ArrayObject):
        raise SealingError("the document's embedded-file name tree is malformed")
    keys = [_name_key(entries[i]) for i in range(0, len(entries) - 1, 2)]
    if PAYLOAD_FILE_NAME in keys:
        raise SealingError(
            f"the document already carries an embedded {PAYLOAD_FILE_NAME}: it was sealed with a "
            "2D-Doc before"
        )
    # name trees are sorted by key (byte order)
    position = sum(1 for key in keys if key is not None and key < PAYLOAD_FILE_NAME)
    entries.insert(2 * position, pdf_string(PAYLOAD_FILE_NAME))
    entries.insert(2 * position + 1, spec_ref)
    writer.update_container(entries)


def _name_key(obj: generic.PdfObject) -> str | None:
    obj = obj.get_object() if isinstance(obj, generic.IndirectObject) else obj
    if isinstance(obj, generic.TextStringObject | generic.ByteStringObject):
        return (
            str(obj)
            if isinstance(obj, generic.TextStringObject)
            else obj.original_bytes.decode("latin-1")
        )
    return None


def find_twoddoc_payload(root: generic.DictionaryObject) -> bytes | None:
    """The bytes of :data:`PAYLOAD_FILE_NAME` under ``root`` (a catalog), or ``None``.

    Walks the embedded-file name tree with bounded depth and size; a malformed tree reads as
    "no payload". Raises only ``ValueError`` for a payload stream that cannot be decoded.
    """
    names = _deref(root.get("/Names"))
    if not isinstance(names, generic.DictionaryObject):
        return None
    tree = _deref(names.get("/EmbeddedFiles"))
    if not isinstance(tree, generic.DictionaryObject):
        return None
    spec = _lookup(tree, PAYLOAD_FILE_NAME, depth=0, budget=[_MAX_NAME_TREE_NODES])
    if not isinstance(spec, generic.DictionaryObject):
        return None
    files = _deref(spec.get("/EF"))
    if not isinstance(files, generic.DictionaryObject):
        return None
    stream = _deref(files.get("/F"))
    if not isinstance(stream, generic.StreamObject):
        return None
    data = stream.data
    if len(data) > PAYLOAD_MAX_BYTES:
        raise ValueError(f"embedded {PAYLOAD_FILE_NAME} is larger than any 2D-Doc")
    return bytes(data)


def _deref(obj: generic.PdfObject | None) -> generic.PdfObject | None:
    if isinstance(obj, generic.IndirectObject):
        resolved: generic.PdfObject = obj.get_object()
        return resolved
    return obj


def _lookup(
    node: generic.DictionaryObject, key: str, *, depth: int, budget: list[int]
) -> generic.PdfObject | None:
    budget[0] -= 1
    if depth > _MAX_NAME_TREE_DEPTH or budget[0] < 0:
        return None
    entries = _deref(node.get("/Names"))
    if isinstance(entries, generic.ArrayObject):
        for i in range(0, len(entries) - 1, 2):
            if _name_key(entries[i]) == key:
                return _deref(entries[i + 1])
    kids = _deref(node.get("/Kids"))
    if isinstance(kids, generic.ArrayObject):
        for kid in kids:
            child = _deref(kid)
            if isinstance(child, generic.DictionaryObject):
                found = _lookup(child, key, depth=depth + 1, budget=budget)
                if found is not None:
                    return found
    return None


def payload_in_revision(handler: PdfHandler) -> bytes | None:
    """:func:`find_twoddoc_payload` on the catalog of ``handler`` (a reader or a revision)."""
    root = handler.root
    if not isinstance(root, generic.DictionaryObject):
        return None
    return find_twoddoc_payload(root)
