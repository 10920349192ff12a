"""The incremental update that seals a PDF, written directly as bytes.

pyHanko's writer re-serialises the document's metadata (XMP, ``/Info``, version, extensions) on
every write and builds the signature field through its general form machinery; for a batch
this costs more than the signature itself. The update written here adds only what a seal
needs, in one incremental section after the untouched original bytes:

* the signature dictionary (``/ByteRange`` and a ``/Contents`` placeholder of fixed size),
* a signature field merged with its widget (invisible, or showing the 2D-Doc image),
* the 2D-Doc payload as the embedded file ``sealdoc-2d-doc.txt`` (as
  :mod:`sealdoc.pades.appearance` defines it, with ``/AFRelationship`` for PDF/A-3),
* the rewritten page (``/Annots``), catalog (``/AcroForm``, ``/Names``, ``/AF``) or the
  indirect arrays/dictionaries holding those entries,
* a cross-reference section of the same kind as the document's last one (table or stream).

The document's metadata, version and existing objects are left as they are, so a PDF/A input
stays PDF/A. Documents this writer does not handle (encrypted, a field of the same name
already present, a hierarchical embedded-file tree, ...) raise :class:`FastPathUnavailable`;
the caller seals those with :func:`sealdoc.pades.seal_bytes` instead.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import zlib
from dataclasses import dataclass, field
from typing import Literal

from sealdoc.errors import PdfError
from sealdoc.issuance.sealing.pdfsyntax import (
    Array,
    Dict,
    LightPdf,
    Ref,
    String,
    Unsupported,
    Value,
)
from sealdoc.pades.appearance import PAYLOAD_FILE_NAME

__all__ = [
    "FastPathUnavailable",
    "Placement",
    "PreparedSeal",
    "StampImage",
    "UpdateRequest",
    "prepare_update",
]

_BYTE_RANGE_WIDTH = 60
_SIG_FLAGS = 3
_WIDGET_FLAGS = 132  # Print + Locked
_POINTS_PER_MM = 72 / 25.4


class FastPathUnavailable(Exception):
    """This document needs pyHanko's general signer (the reason says why)."""


@dataclass(frozen=True)
class StampImage:
    """A grayscale image, Flate-compressed, with its physical size in points."""

    width_px: int
    height_px: int
    data: bytes
    width_pt: float
    height_pt: float

    @classmethod
    def from_pil(cls, image: object, *, dpi: float = 300.0) -> StampImage:
        from PIL import Image

        if not isinstance(image, Image.Image):
            raise TypeError("a PIL image is needed")
        gray = image if image.mode == "L" else image.convert("L")
        resolution = float(gray.info.get("dpi", (dpi, dpi))[0] or dpi)
        return cls(
            width_px=gray.width,
            height_px=gray.height,
            data=zlib.compress(gray.tobytes(), 6),
            width_pt=gray.width / resolution * 72.0,
            height_pt=gray.height / resolution * 72.0,
        )


@dataclass(frozen=True)
class Placement:
    """Where the stamp goes on its page: a corner and a margin, or an exact position."""

    page: int = 0
    corner: Literal["top-left", "top-right", "bottom-left", "bottom-right"] = "top-right"
    margin_mm: float = 10.0
    x_mm: float | None = None
    y_mm: float | None = None

    def box(
        self, page_box: tuple[float, float, float, float], width: float, height: float
    ) -> tuple[float, float, float, float]:
        left, bottom, right, top = page_box
        if self.x_mm is not None and self.y_mm is not None:
            x = left + self.x_mm * _POINTS_PER_MM
            y = bottom + self.y_mm * _POINTS_PER_MM
        else:
            margin = self.margin_mm * _POINTS_PER_MM
            x = right - margin - width if self.corner.endswith("right") else left + margin
            y = top - margin - height if self.corner.startswith("top") else bottom + margin
        return (x, y, x + width, y + height)


@dataclass(frozen=True)
class UpdateRequest:
    """What to add to one document."""

    field_name: str
    signing_time: dt.datetime
    contents_size: int
    reason: str | None = None
    location: str | None = None
    stamp: StampImage | None = None
    placement: Placement = field(default_factory=Placement)
    payload: bytes | None = None


@dataclass
class PreparedSeal:
    """A document with its seal written, waiting for the CMS object (see :meth:`finish`)."""

    buffer: bytearray
    contents_start: int
    contents_end: int
    digest: bytes

    def finish(self, cms_der: bytes) -> bytes:
        hex_value = cms_der.hex().upper().encode("ascii")
        room = self.contents_end - self.contents_start - 2
        if len(hex_value) > room:
            raise FastPathUnavailable(
                f"signature of {len(cms_der)} bytes does not fit the {room // 2} reserved"
            )
        start = self.contents_start + 1
        self.buffer[start : start + len(hex_value)] = hex_value
        return bytes(self.buffer)


def _string(text: str) -> bytes:
    """A PDF literal string for ``text`` (Latin-1, or UTF-16 with a BOM if needed)."""
    try:
        data = text.encode("latin-1")
    except UnicodeEncodeError:
        data = b"\xfe\xff" + text.encode("utf-16-be")
    escaped = data.replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)")
    return b"(" + escaped.replace(b"\r", b"\\r").replace(b"\n", b"\\n") + b")"


def _ref(number: int) -> bytes:
    return b"%d 0 R" % number


def _num(value: float) -> bytes:
    text = f"{value:.3f}".rstrip("0").rstrip(".")
    return (text if text not in ("", "-0") else "0").encode("ascii")


def _pdf_date(moment: dt.datetime) -> bytes:
    utc = moment.astimezone(dt.UTC)
    return utc.strftime("D:%Y%m%d%H%M%SZ").encode("ascii")


class _Update:
    """The objects of one incremental section, numbered from the document's /Size."""

    def __init__(self, first_number: int) -> None:
        self.next_number = first_number
        self.objects: dict[int, tuple[int, bytes]] = {}  # number -> (generation, body)

    def allocate(self) -> int:
        number = self.next_number
        self.next_number += 1
        return number

    def put(self, number: int, body: bytes, generation: int = 0) -> None:
        self.objects[number] = (generation, body)

    def replace(self, ref: Ref, body: bytes) -> None:
        self.put(ref.num, body, ref.gen)

    def stream(self, number: int, header: bytes, data: bytes) -> None:
        self.put(
            number, b"<<" + header + b" /Length %d>>\nstream\n" % len(data) + data + b"\nendstream"
        )


def _as_dict(pdf: LightPdf, value: Value, what: str) -> Dict | None:
    value = pdf.resolve(value)
    if value is None:
        return None
    if not isinstance(value, Dict):
        raise FastPathUnavailable(f"{what} is not a dictionary")
    return value


def _as_array(pdf: LightPdf, value: Value, what: str) -> Array | None:
    value = pdf.resolve(value)
    if value is None:
        return None
    if not isinstance(value, Array):
        raise FastPathUnavailable(f"{what} is not an array")
    return value


def page_box(pdf: LightPdf, page: Dict) -> tuple[float, float, float, float]:
    """The visible area of ``page`` (its CropBox, else its MediaBox, inherited or not)."""
    for key in ("CropBox", "MediaBox"):
        value = pdf.inherited(page, key)
        if isinstance(value, Array) and len(value.items) == 4:
            numbers = [pdf.resolve(v) for v in value.items]
            if all(isinstance(v, int | float) and not isinstance(v, bool) for v in numbers):
                x1, y1, x2, y2 = (float(v) for v in numbers)  # type: ignore[arg-type]
                return (min(x1, x2), min(y1, y2), max(x1, x2), max(y1, y2))
    raise FastPathUnavailable("the page has no usable /MediaBox")


def open_pdf(data: bytes) -> LightPdf:
    """The document's cross-reference structure (raises :class:`FastPathUnavailable`)."""
    try:
        return LightPdf(data)
    except Unsupported as exc:
        raise FastPathUnavailable(str(exc)) from None
    except (IndexError, ValueError, KeyError, TypeError, RecursionError, OverflowError) as exc:
        raise FastPathUnavailable(f"unusual syntax ({type(exc).__name__}: {exc})") from None


def prepare_update(data: bytes, request: UpdateRequest, hash_name: str) -> PreparedSeal:
    """Write the seal's incremental update after ``data`` and digest the signed byte ranges.

    Raises :class:`FastPathUnavailable` for a document that pyHanko's general signer should
    handle (including broken ones: it then reports the proper error), and
    :class:`~sealdoc.errors.PdfError` for one that already carries a 2D-Doc payload.
    """
    pdf = open_pdf(data)
    try:
        return _prepare(pdf, data, request, hash_name)
    except Unsupported as exc:
        raise FastPathUnavailable(str(exc)) from None
    except (IndexError, ValueError, KeyError, TypeError, RecursionError, OverflowError) as exc:
        raise FastPathUnavailable(f"unusual syntax ({type(exc).__name__}: {exc})") from None


def _prepare(pdf: LightPdf, data: bytes, request: UpdateRequest, hash_name: str) -> PreparedSeal:
    root_ref = pdf.root_ref()
    catalog = _as_dict(pdf, root_ref, "the catalog")
    if catalog is None:
        raise FastPathUnavailable("no catalog")
    update = _Update(pdf.size)
    catalog_changes: dict[str, bytes | None] = {}

    # -- the signature dictionary and its field/widget --------------------------------------
    sig_number = update.allocate()
    widget_number = update.allocate()
    widget_ref = _ref(widget_number)
    sig_body, contents_at, range_at = _signature_dictionary(request)
    update.put(sig_number, sig_body)

    page_index = request.placement.page if request.stamp is not None else 0
    page_ref, page = pdf.page(page_index)
    widget = [
        b"<</Type /Annot /Subtype /Widget /FT /Sig /T ",
        _string(request.field_name),
        b" /F %d /P " % _WIDGET_FLAGS + page_ref.raw() + b" /V %d 0 R" % sig_number,
    ]
    if request.stamp is None:
        widget.append(b" /Rect [0 0 0 0]")
    else:
        rotate = pdf.inherited(page, "Rotate")
        if rotate not in (None, 0) and not (isinstance(rotate, int) and rotate % 360 == 0):
            raise FastPathUnavailable("the stamped page is rotated")
        stamp = request.stamp
        box = request.placement.box(page_box(pdf, page), stamp.width_pt, stamp.height_pt)
        appearance_number = update.allocate()
        image_number = update.allocate()
        width, height = box[2] - box[0], box[3] - box[1]
        widget.append(b" /Rect [" + b" ".join(_num(v) for v in box) + b"]")
        widget.append(b" /AP <</N %d 0 R>>" % appearance_number)
        content = b"q " + _num(width) + b" 0 0 " + _num(height) + b" 0 0 cm /Im0 Do Q"
        update.stream(
            appearance_number,
            b"/Type /XObject /Subtype /Form /BBox [0 0 "
            + _num(width)
            + b" "
            + _num(height)
            + b"] /Resources <</XObject <</Im0 %d 0 R>>>>" % image_number,
            content,
        )
        update.stream(
            image_number,
            b"/Type /XObject /Subtype /Image /Width %d /Height %d /ColorSpace /DeviceGray "
            b"/BitsPerComponent 8 /Filter /FlateDecode" % (stamp.width_px, stamp.height_px),
            stamp.data,
        )
    widget.append(b">>")
    update.put(widget_number, b"".join(widget))

    # -- the page's /Annots ------------------------------------------------------------------
    annots_value = page.get("Annots")
    if isinstance(annots_value, Ref):
        annots = _as_array(pdf, annots_value, "the page's /Annots")
        existing = annots.raws if annots is not None else []
        update.replace(annots_value, b"[" + b" ".join([*existing, widget_ref]) + b"]")
    else:
        annots = _as_array(pdf, annots_value, "the page's /Annots")
        new_annots = annots.with_appended(widget_ref) if annots else b"[" + widget_ref + b"]"
        update.replace(page_ref, page.serialise({"Annots": new_annots}))

    # -- /AcroForm ---------------------------------------------------------------------------
    form_value = catalog.get("AcroForm")
    form = _as_dict(pdf, form_value, "/AcroForm")
    if form is None:
        catalog_changes["AcroForm"] = b"<</Fields [" + widget_ref + b"] /SigFlags 3>>"
    else:
        need_appearances = pdf.resolve(form.get("NeedAppearances"))
        if need_appearances is True or "XFA" in form:
            raise FastPathUnavailable("an interactive form (NeedAppearances or XFA)")
        fields_value = form.get("Fields")
        fields = _as_array(pdf, fields_value, "/AcroForm /Fields")
        for item in fields.items if fields is not None else []:
            existing_field = pdf.resolve(item)
            name = existing_field.get("T") if isinstance(existing_field, Dict) else None
            if isinstance(name, String) and name.text() == request.field_name:
                raise FastPathUnavailable(f"a field named {request.field_name!r} exists")
        new_fields = fields.with_appended(widget_ref) if fields else b"[" + widget_ref + b"]"
        form_changes: dict[str, bytes | None] = {"SigFlags": b"%d" % _SIG_FLAGS}
        if isinstance(fields_value, Ref):
            update.replace(fields_value, new_fields)
        else:
            form_changes["Fields"] = new_fields
        if isinstance(form_value, Ref):
            update.replace(form_value, form.serialise(form_changes))
        else:
            catalog_changes["AcroForm"] = form.serialise(form_changes)

    # -- the 2D-Doc payload --------------------------------------------------------------------
    if request.payload is not None:
        _embed_payload(pdf, update, catalog, catalog_changes, request)

    if catalog_changes:
        update.replace(root_ref, catalog.serialise(catalog_changes))

    # -- write it out --------------------------------------------------------------------------
    buffer = bytearray(data)
    if not buffer.endswith((b"\n", b"\r")):
        buffer += b"\n"
    offsets: dict[int, tuple[int, int]] = {}  # number -> (generation, offset)
    contents_start = range_start = -1
    for number in sorted(update.objects):
        generation, body = update.objects[number]
        offsets[number] = (generation, len(buffer))
        buffer += b"%d %d obj\n" % (number, generation)
        if number == sig_number:
            contents_start, range_start = len(buffer) + contents_at, len(buffer) + range_at
        buffer += body
        buffer += b"\nendobj\n"
    _write_xref(buffer, pdf, update, offsets, root_ref)

    contents_end = contents_start + 2 + 2 * request.contents_size
    byte_range = b"[0 %d %d %d]" % (contents_start, contents_end, len(buffer) - contents_end)
    buffer[range_start : range_start + len(byte_range)] = byte_range
    digest = hashlib.new(hash_name)
    view = memoryview(buffer)
    digest.update(view[:contents_start])
    digest.update(view[contents_end:])
    view.release()
    return PreparedSeal(buffer, contents_start, contents_end, digest.digest())


def _signature_dictionary(request: UpdateRequest) -> tuple[bytes, int, int]:
    """The signature dictionary with placeholders; offsets of ``/Contents`` and ``/ByteRange``."""
    head = [
        b"<</Type /Sig /Filter /Adobe.PPKLite /SubFilter /ETSI.CAdES.detached /M (",
        _pdf_date(request.signing_time),
        b")",
    ]
    if request.reason:
        head += [b" /Reason ", _string(request.reason)]
    if request.location:
        head += [b" /Location ", _string(request.location)]
    head.append(b" /ByteRange ")
    body = b"".join(head)
    range_at = len(body)
    body += b" " * _BYTE_RANGE_WIDTH + b" /Contents "
    contents_at = len(body)
    body += b"<" + b"0" * (2 * request.contents_size) + b">>>"
    return body, contents_at, range_at


def _embed_payload(
    pdf: LightPdf,
    update: _Update,
    catalog: Dict,
    catalog_changes: dict[str, bytes | None],
    request: UpdateRequest,
) -> None:
    """Add the payload file (see :mod:`sealdoc.pades.appearance`) and list it in ``/AF``."""
    payload = request.payload or b""
    file_number = update.allocate()
    spec_number = update.allocate()
    update.stream(
        file_number,
        b"/Type /EmbeddedFile /Subtype /text#2Fplain /Filter /FlateDecode /Params <</Size %d "
        b"/ModDate (" % len(payload) + _pdf_date(request.signing_time) + b")>>",
        zlib.compress(payload, 9),
    )
    name = _string(PAYLOAD_FILE_NAME)
    update.put(
        spec_number,
        b"<</Type /Filespec /F "
        + name
        + b" /UF "
        + name
        + b" /Desc (2D-Doc code of the visible seal \\(sealdoc\\)) /AFRelationship /Supplement"
        + b" /EF <</F %d 0 R>>>>" % file_number,
    )
    spec_ref = _ref(spec_number)

    names_value = catalog.get("Names")
    names = _as_dict(pdf, names_value, "the catalog's /Names")
    tree_value = names.get("EmbeddedFiles") if names is not None else None
    tree = _as_dict(pdf, tree_value, "the /EmbeddedFiles name tree")
    if tree is not None and "Kids" in tree:
        raise FastPathUnavailable("a hierarchical /EmbeddedFiles name tree")
    entries_value = tree.get("Names") if tree is not None else None
    entries = _as_array(pdf, entries_value, "the /EmbeddedFiles name array")
    items = entries.items if entries is not None else []
    keys = [pdf.resolve(items[i]) for i in range(0, len(items) - 1, 2)]
    texts = [key.text() if isinstance(key, String) else "" for key in keys]
    if PAYLOAD_FILE_NAME in texts:
        raise PdfError(
            f"the document already carries an embedded {PAYLOAD_FILE_NAME}: it was sealed with a "
            "2D-Doc before"
        )
    position = sum(1 for text in texts if text < PAYLOAD_FILE_NAME)
    new_entries = (
        entries.with_inserted(2 * position, [name, spec_ref])
        if entries is not None
        else b"[" + name + b" " + spec_ref + b"]"
    )
    # write the innermost indirect container; direct ones travel inside their parent
    if isinstance(entries_value, Ref):
        update.replace(entries_value, new_entries)
    else:
        new_tree = (tree or Dict()).serialise({"Names": new_entries})
        if isinstance(tree_value, Ref):
            update.replace(tree_value, new_tree)
        else:
            new_names = (names or Dict()).serialise({"EmbeddedFiles": new_tree})
            if isinstance(names_value, Ref):
                update.replace(names_value, new_names)
            else:
                catalog_changes["Names"] = new_names

    af_value = catalog.get("AF")
    af = _as_array(pdf, af_value, "the catalog's /AF")
    new_af = af.with_appended(spec_ref) if af is not None else b"[" + spec_ref + b"]"
    if isinstance(af_value, Ref):
        update.replace(af_value, new_af)
    else:
        catalog_changes["AF"] = new_af


def _subsections(numbers: list[int]) -> list[tuple[int, int]]:
    runs: list[tuple[int, int]] = []
    for number in numbers:
        if runs and runs[-1][0] + runs[-1][1] == number:
            runs[-1] = (runs[-1][0], runs[-1][1] + 1)
        else:
            runs.append((number, 1))
    return runs


def _trailer_entries(pdf: LightPdf, size: int, root_ref: Ref) -> bytes:
    trailer = pdf.trailer
    parts = [b"/Size %d /Root " % size + root_ref.raw(), b" /Prev %d" % pdf.startxref]
    info = trailer.get("Info")
    if isinstance(info, Ref):
        parts.append(b" /Info " + info.raw())
    if "ID" in trailer:
        parts.append(b" /ID " + trailer.raws["ID"])
    return b"".join(parts)


def _write_xref(
    buffer: bytearray,
    pdf: LightPdf,
    update: _Update,
    offsets: dict[int, tuple[int, int]],
    root_ref: Ref,
) -> None:
    if pdf.xref_stream:
        xref_number = update.allocate()
        xref_at = len(buffer)
        offsets[xref_number] = (0, xref_at)
        size = max(update.next_number, pdf.size)
        numbers = sorted(offsets)
        rows = b"".join(
            b"\x01" + offsets[n][1].to_bytes(4, "big") + offsets[n][0].to_bytes(2, "big")
            for n in numbers
        )
        index = b" ".join(b"%d %d" % run for run in _subsections(numbers))
        buffer += b"%d 0 obj\n<</Type /XRef /W [1 4 2] /Index [%s] " % (xref_number, index)
        buffer += _trailer_entries(pdf, size, root_ref)
        buffer += b" /Length %d>>\nstream\n" % len(rows) + rows + b"\nendstream\nendobj\n"
    else:
        xref_at = len(buffer)
        size = max(update.next_number, pdf.size)
        buffer += b"xref\n"
        for start, count in _subsections(sorted(offsets)):
            buffer += b"%d %d\n" % (start, count)
            for number in range(start, start + count):
                generation, offset = offsets[number]
                buffer += b"%010d %05d n \n" % (offset, generation)
        buffer += b"trailer\n<<" + _trailer_entries(pdf, size, root_ref) + b">>\n"
    buffer += b"startxref\n%d\n%%%%EOF\n" % xref_at
