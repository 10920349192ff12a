# mypy: disable-error-code="no-untyped-call"
# (pyHanko leaves many functions unannotated)
"""The visible stamp's geometry and the embedded 2D-Doc payload."""

from __future__ import annotations

import io

import pytest
from PIL import Image
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from tests.support.pdf_samples import sample_pdf

from sealdoc.errors import SealingError
from sealdoc.pades import StampSpec
from sealdoc.pades.appearance import embed_twoddoc_payload, find_twoddoc_payload, stamp_box

CODE = "DC04FR000001\x1d20JEAN\x1e\x1fSIG"


def test_stamp_keeps_its_physical_size_by_default() -> None:
    image = Image.new("L", (300, 360))
    image.info["dpi"] = (300, 300)
    assert stamp_box(StampSpec(code=CODE, x=10, y=20), image) == (10, 20, 10 + 72.0, 20 + 86.4)


def test_stamp_width_scales_with_the_aspect_ratio() -> None:
    box = stamp_box(StampSpec(code=CODE, x=0, y=0, width=50), Image.new("L", (100, 200)))
    assert box == (0, 0, 50, 100)


def test_non_latin1_code_is_refused() -> None:
    with pytest.raises(SealingError, match="outside Latin-1"):
        StampSpec(code="DC04€").payload()


def _with_payload(data: bytes, payload: bytes) -> bytes:
    writer = IncrementalPdfFileWriter(io.BytesIO(data))
    embed_twoddoc_payload(writer, payload)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def test_payload_round_trips_with_its_control_characters() -> None:
    data = _with_payload(sample_pdf(), CODE.encode("latin-1"))
    reader = PdfFileReader(io.BytesIO(data))
    assert find_twoddoc_payload(reader.root) == CODE.encode("latin-1")


def test_a_second_payload_is_refused() -> None:
    data = _with_payload(sample_pdf(), b"DC04A")
    with pytest.raises(SealingError, match="sealed with a 2D-Doc before"):
        _with_payload(data, b"DC04B")


def test_document_without_payload_has_none() -> None:
    assert find_twoddoc_payload(PdfFileReader(io.BytesIO(sample_pdf())).root) is None


def test_payload_joins_existing_attachments_in_name_order() -> None:
    from pyhanko.pdf_utils import embed

    writer = IncrementalPdfFileWriter(io.BytesIO(sample_pdf()))
    for name in ("annexe.txt", "zz-last.txt"):
        embed.embed_file(
            writer,
            embed.FileSpec(
                file_spec_string=name,
                embedded_data=embed.EmbeddedFileObject.from_file_data(writer, b"x"),
            ),
        )
    out = io.BytesIO()
    writer.write(out)
    data = _with_payload(out.getvalue(), CODE.encode("latin-1"))
    reader = PdfFileReader(io.BytesIO(data))
    assert find_twoddoc_payload(reader.root) == CODE.encode("latin-1")
    names = reader.root["/Names"]["/EmbeddedFiles"]["/Names"]
    assert [str(names[i]) for i in range(0, len(names), 2)] == [
        "annexe.txt",
        "sealdoc-2d-doc.txt",
        "zz-last.txt",
    ]
