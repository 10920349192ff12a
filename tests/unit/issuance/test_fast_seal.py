"""The batch fast path: outputs that pyHanko, pdfsig and sealdoc's verifier all accept."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import pytest
from pyhanko.pdf_utils.reader import PdfFileReader
from tests.support.issuance_env import assert_valid_seal, object_stream_pdf
from tests.support.keymaterial import minimal_pdf
from tests.support.pki_services import PKI_TIME, TestPki

from sealdoc import twoddoc
from sealdoc.errors import PdfError, SealdocError
from sealdoc.issuance.manifest import NoticeFields
from sealdoc.issuance.notice import render_notice
from sealdoc.issuance.profile import NoticeSettings
from sealdoc.issuance.sealing.sealer import (
    DocumentSealer,
    SealInput,
    SealOutput,
    SealPlan,
    plan_batch,
)
from sealdoc.issuance.sealing.update import (
    FastPathUnavailable,
    Placement,
    StampImage,
    UpdateRequest,
    prepare_update,
)
from sealdoc.keys import SigningKey
from sealdoc.pades import embedded_twoddoc, verify_pdf
from sealdoc.pades.policy import PadesLevel
from sealdoc.twoddoc.datamatrix import render_stamp


def build_pdf(bodies: list[bytes]) -> bytes:
    """A classic-xref PDF whose object ``i + 1`` is ``bodies[i]`` (object 1: the catalog)."""
    out = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(bodies, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(bodies) + 1)
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    out += b"trailer\n<< /Size %d /Root 1 0 R /ID [<AB><AB>] >>\n" % (len(bodies) + 1)
    out += b"startxref\n%d\n%%%%EOF" % xref  # no final newline: the update must add one
    return bytes(out)


FORM_PDF = build_pdf(
    [
        b"<< /Type /Catalog /Pages 2 0 R /AcroForm 4 0 R /Names << /EmbeddedFiles << /Names "
        b"[(aaa.txt) 7 0 R (zzz.txt) 7 0 R] >> >> /AF [7 0 R] >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 /MediaBox [0 0 595 842] >>",
        b"<< /Type /Page /Parent 2 0 R /Annots 6 0 R >>",
        b"<< /Fields 5 0 R /DA (/Helv 0 Tf 0 g) >>",
        b"[8 0 R]",
        b"[8 0 R]",
        b"<< /Type /Filespec /F (a.txt) /EF << >> >>",
        b"<< /FT /Tx /T (Name) /Type /Annot /Subtype /Widget /Rect [10 10 100 30] /P 3 0 R >>",
    ]
)


@pytest.fixture
def plan(seal_key: SigningKey) -> SealPlan:
    return plan_batch(seal_key, level=PadesLevel.B_B, at=PKI_TIME, check_revocation=False)


def _code(key: SigningKey) -> str:
    fields = {"10": "MME TEST", "22": "1 RUE A", "24": "75001", "25": "PARIS", "26": "FR"}
    day = dt.date(2026, 3, 2)
    return twoddoc.sign(
        "01", fields, key, ca_id="FR00", cert_id="0001", issue_date=day, signature_date=day
    )


def _seal(plan: SealPlan, key: SigningKey, data: bytes, code: str | None = None) -> SealOutput:
    stamp = StampImage.from_pil(render_stamp(code)) if code else None
    (result,) = DocumentSealer(plan, key).seal_many([SealInput(data, PKI_TIME, stamp, code)])
    if isinstance(result, SealdocError):
        raise result
    return result


@pytest.mark.parametrize(
    "source", [minimal_pdf(), object_stream_pdf(), FORM_PDF], ids=["table", "streams", "form"]
)
def test_fast_path_output_is_valid_and_keeps_the_original_bytes(
    plan: SealPlan, seal_key: SigningKey, tmp_path: Path, source: bytes
) -> None:
    out = _seal(plan, seal_key, source)
    assert out.path == "fast"
    assert out.data.startswith(source)
    path = tmp_path / "sealed.pdf"
    path.write_bytes(out.data)
    assert_valid_seal(path, root=TestPki().root)


def test_stamp_and_payload_are_what_sealdocs_verifier_reads_back(
    plan: SealPlan, seal_key: SigningKey, tmp_path: Path
) -> None:
    code = _code(seal_key)
    fields = NoticeFields(recipient=("Mme Test",), subject="Objet", body=("Corps.",))
    notice = render_notice(fields, NoticeSettings(), document_id="X", pdfa_part=3)
    out = _seal(plan, seal_key, notice, code)
    assert out.path == "fast"
    assert embedded_twoddoc(out.data) == code
    report = verify_pdf(out.data, trust=[TestPki().root], at=PKI_TIME, revocation="none")
    assert report.indication == "PASSED", report
    # what PDF/A-3 asks of the update: the payload is an associated file, the widget printable
    reader = PdfFileReader(io.BytesIO(out.data))
    (spec_ref,) = reader.root["/AF"]
    spec = spec_ref.get_object()
    assert spec["/AFRelationship"] == "/Supplement"
    assert spec["/EF"]["/F"]["/Subtype"] == "/text/plain"
    assert "/ModDate" in spec["/EF"]["/F"]["/Params"]
    (widget_ref,) = reader.root["/Pages"]["/Kids"][0]["/Annots"]
    widget = widget_ref.get_object()
    assert widget["/F"] & 4
    assert list(widget["/AP"]) == ["/N"]
    assert b"<pdfaid:part>3</pdfaid:part>" in reader.root["/Metadata"].data
    path = tmp_path / "sealed.pdf"
    path.write_bytes(out.data)
    assert_valid_seal(path, root=TestPki().root)


def test_payload_joins_an_existing_embedded_file_tree_in_name_order(
    plan: SealPlan, seal_key: SigningKey
) -> None:
    code = _code(seal_key)
    out = _seal(plan, seal_key, FORM_PDF, code)
    assert out.path == "fast"
    assert embedded_twoddoc(out.data) == code
    tail = out.data[len(FORM_PDF) :]
    assert b"[(aaa.txt) 7 0 R (sealdoc-2d-doc.txt)" in tail
    assert b"(zzz.txt) 7 0 R]" in tail


def test_corner_placement_uses_the_page_box() -> None:
    box = Placement(corner="top-right", margin_mm=10).box((0, 0, 595.0, 842.0), 50, 60)
    assert box == pytest.approx(
        (595 - 28.346 - 50, 842 - 28.346 - 60, 595 - 28.346, 842 - 28.346), abs=0.01
    )
    exact = Placement(x_mm=10, y_mm=20).box((0, 0, 595.0, 842.0), 50, 60)
    assert exact[:2] == pytest.approx((28.346, 56.693), abs=0.01)


def test_existing_field_of_the_same_name_goes_to_the_general_signer(
    plan: SealPlan, seal_key: SigningKey, tmp_path: Path
) -> None:
    source = FORM_PDF.replace(b"/T (Name)", b"/T (Seal)").replace(b"/FT /Tx", b"/FT /Sig")
    request = UpdateRequest("Seal", PKI_TIME, plan.contents_size)
    with pytest.raises(FastPathUnavailable, match="field named"):
        prepare_update(source, request, "sha256")
    out = _seal(plan, seal_key, source)
    assert out.path == "pyhanko"
    path = tmp_path / "sealed.pdf"
    path.write_bytes(out.data)
    assert_valid_seal(path, root=TestPki().root)


def test_rotated_page_with_a_stamp_goes_to_the_general_signer(
    plan: SealPlan, seal_key: SigningKey
) -> None:
    source = build_pdf(
        [
            b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Rotate 90 >>",
        ]
    )
    out = _seal(plan, seal_key, source, _code(seal_key))
    assert out.path == "pyhanko"
    assert embedded_twoddoc(out.data) is not None


def test_a_document_already_carrying_a_payload_is_refused(
    plan: SealPlan, seal_key: SigningKey
) -> None:
    source = build_pdf(
        [
            b"<< /Type /Catalog /Pages 2 0 R /Names << /EmbeddedFiles << /Names "
            b"[(sealdoc-2d-doc.txt) 4 0 R] >> >> >>",
            b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>",
            b"<< /Type /Filespec /F (sealdoc-2d-doc.txt) >>",
        ]
    )
    with pytest.raises(PdfError, match="already carries"):
        _seal(plan, seal_key, source, _code(seal_key))


def test_sealing_an_already_sealed_document_again_is_refused(
    plan: SealPlan, seal_key: SigningKey
) -> None:
    once = _seal(plan, seal_key, minimal_pdf()).data
    with pytest.raises(SealdocError, match="filled already"):
        _seal(plan, seal_key, once)


def test_certificate_outside_its_validity_is_refused(plan: SealPlan, seal_key: SigningKey) -> None:
    late = dt.datetime(2030, 1, 1, tzinfo=dt.UTC)
    (result,) = DocumentSealer(plan, seal_key).seal_many([SealInput(minimal_pdf(), late)])
    assert isinstance(result, SealdocError)
    assert "not valid at 2030" in str(result)


def test_unreadable_pdf_is_a_pdf_error(plan: SealPlan, seal_key: SigningKey) -> None:
    (result,) = DocumentSealer(plan, seal_key).seal_many(
        [SealInput(b"%PDF-1.7\nnot really a pdf\n", PKI_TIME)]
    )
    assert isinstance(result, PdfError)


def test_rsa_keys_take_the_fast_path_too(pki: TestPki, tmp_path: Path) -> None:
    from sealdoc.keys import load_key

    material = pki.write_seal_material("seal-rsa", tmp_path / "keys")
    with load_key(key=material.key, cert=material.cert, chain=material.chain) as key:
        plan = plan_batch(key, level=PadesLevel.B_B, at=PKI_TIME, check_revocation=False)
        out = _seal(plan, key, minimal_pdf())
    assert out.path == "fast"
    path = tmp_path / "sealed.pdf"
    path.write_bytes(out.data)
    assert_valid_seal(path, root=pki.root)
