"""The notice template: deterministic, and PDF/A-2b (or -3b) by construction.

veraPDF is not available here; these tests check the PDF/A requirements the template is
responsible for (ISO 19005-2 §6.1.2 header, §6.1.3 trailer ID, §6.2.2 output intent, §6.2.11
embedded fonts with consistent widths, §6.6 XMP identification), with pyHanko's reader and
fontTools, independent of the code that writes them.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from pyhanko.pdf_utils.reader import PdfFileReader

from sealdoc.issuance.manifest import NoticeFields
from sealdoc.issuance.notice import encode_text, render_notice
from sealdoc.issuance.pdfa import srgb_icc_profile
from sealdoc.issuance.profile import NoticeSettings

FIELDS = NoticeFields(
    recipient=("Madame Élodie DUPONT", "12 rue des Lilas", "75012 PARIS"),
    subject="Avis de situation",
    title="Avis de situation déclarative",
    reference="2026-0001",
    date=dt.date(2026, 3, 2),
    body=("Madame,", "Votre déclaration a été enregistrée. Œuvre, cœur, « guillemets » et 25 € ."),
    lines=(("Revenu fiscal de référence", "25 412 €"),),
)
SETTINGS = NoticeSettings(
    issuer=("Agence de test", "1 rue de la Paix"), place="Paris", signatory=("Le chef de service",)
)


def _reader(data: bytes) -> PdfFileReader:
    return PdfFileReader(io.BytesIO(data))


def test_rendering_is_deterministic_per_document_id() -> None:
    first = render_notice(FIELDS, SETTINGS, document_id="N1")
    assert render_notice(FIELDS, SETTINGS, document_id="N1") == first
    assert render_notice(FIELDS, SETTINGS, document_id="N2") != first


@pytest.mark.parametrize("part", [2, 3])
def test_xmp_declares_pdfa_conformance_b_of_the_requested_part(part: int) -> None:
    reader = _reader(render_notice(FIELDS, SETTINGS, document_id="N1", pdfa_part=part))
    metadata = reader.root["/Metadata"]
    assert "/Filter" not in metadata
    xmp = metadata.data.decode("utf-8")
    assert f"<pdfaid:part>{part}</pdfaid:part>" in xmp
    assert "<pdfaid:conformance>B</pdfaid:conformance>" in xmp
    assert xmp.startswith('<?xpacket begin="\ufeff"')
    assert xmp.endswith('<?xpacket end="w"?>')
    assert "/Info" not in reader.trailer  # nothing to keep consistent with the XMP


def test_header_trailer_id_and_output_intent_are_as_pdfa_requires() -> None:
    data = render_notice(FIELDS, SETTINGS, document_id="N1")
    assert re.match(rb"%PDF-1\.[0-7]\n%[\x80-\xff]{4}\n", data)
    reader = _reader(data)
    file_id = reader.trailer["/ID"]
    assert len(file_id) == 2
    assert file_id[0] == file_id[1]
    (intent,) = reader.root["/OutputIntents"]
    assert intent["/S"] == "/GTS_PDFA1"
    profile = intent["/DestOutputProfile"]
    assert profile["/N"] == 3
    assert profile.data == srgb_icc_profile()


def test_icc_profile_is_a_well_formed_v2_rgb_display_profile() -> None:
    icc = srgb_icc_profile()
    assert int.from_bytes(icc[:4], "big") == len(icc)
    assert icc[8] == 2
    assert icc[12:24] == b"mntrRGB XYZ "
    assert icc[36:40] == b"acsp"
    count = int.from_bytes(icc[128:132], "big")
    tags = {icc[132 + 12 * i : 136 + 12 * i] for i in range(count)}
    assert {b"desc", b"cprt", b"wtpt", b"rXYZ", b"gXYZ", b"bXYZ", b"rTRC", b"gTRC", b"bTRC"} <= tags
    try:
        from PIL import ImageCms
    except ImportError:  # pragma: no cover
        return
    profile = ImageCms.ImageCmsProfile(io.BytesIO(icc))  # LittleCMS parses it
    assert "sRGB" in ImageCms.getProfileDescription(profile)


def test_fonts_are_embedded_with_widths_matching_the_font_program() -> None:
    TTFont = pytest.importorskip("fontTools.ttLib", reason="fonttools (dev extra)").TTFont

    reader = _reader(render_notice(FIELDS, SETTINGS, document_id="N1"))
    page = reader.root["/Pages"]["/Kids"][0]
    fonts = page["/Resources"]["/Font"]
    assert set(fonts) == {"/F1", "/F2"}
    for name in fonts:
        font = fonts[name]
        assert font["/Subtype"] == "/TrueType"
        assert font["/Encoding"] == "/WinAnsiEncoding"
        descriptor = font["/FontDescriptor"]
        assert descriptor["/Flags"] & 32
        assert not descriptor["/Flags"] & 4  # nonsymbolic
        program = TTFont(io.BytesIO(descriptor["/FontFile2"].data))
        cmap = program["cmap"].getcmap(3, 1).cmap  # PDF/A: a (3,1) cmap for WinAnsi lookups
        units = program["head"].unitsPerEm
        first = font["/FirstChar"]
        for index, width in enumerate(font["/Widths"]):
            char = bytes([first + index]).decode("cp1252", errors="ignore")
            if char and ord(char) in cmap:
                advance = program["hmtx"][cmap[ord(char)]][0]
                assert abs(width - advance * 1000 / units) <= 1, (name, char)


def test_every_character_drawn_has_a_glyph() -> None:
    TTFont = pytest.importorskip("fontTools.ttLib", reason="fonttools (dev extra)").TTFont

    data = render_notice(FIELDS, SETTINGS, document_id="N1")
    reader = _reader(data)
    page = reader.root["/Pages"]["/Kids"][0]
    content = page["/Contents"].data
    program = TTFont(
        io.BytesIO(page["/Resources"]["/Font"]["/F1"]["/FontDescriptor"]["/FontFile2"].data)
    )
    cmap = program["cmap"].getcmap(3, 1).cmap
    for literal in re.findall(rb"\(((?:[^()\\]|\\.)*)\) Tj", content):
        text = re.sub(rb"\\(.)", rb"\1", literal).decode("cp1252")
        assert all(ord(c) in cmap for c in text), text


def test_characters_outside_winansi_are_replaced_not_dropped() -> None:
    assert encode_text("a\u202fb\u0142c\td") == b"a\xa0b?c d"


def test_long_bodies_flow_onto_more_pages_with_page_numbers() -> None:
    long = FIELDS.model_copy(update={"body": tuple(["Un paragraphe assez long. " * 12] * 14)})
    reader = _reader(render_notice(long, SETTINGS, document_id="N1"))
    pages = reader.root["/Pages"]
    assert pages["/Count"] >= 2
    last = pages["/Kids"][-1]["/Contents"].data
    assert f"page {pages['/Count']}/{pages['/Count']}".encode() in last


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils not installed")
def test_text_is_extractable(tmp_path: Path) -> None:
    path = tmp_path / "n.pdf"
    path.write_bytes(render_notice(FIELDS, SETTINGS, document_id="N1"))
    text = subprocess.run(
        ["pdftotext", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert "Élodie DUPONT" in text
    assert "25 412 €" in text
    assert "Œuvre" in text
