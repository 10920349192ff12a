"""A 2D-Doc spread over several DataMatrix symbols (spec §3.8), photographed as one image."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import pytest
from PIL import Image

import sealdoc
from sealdoc import twoddoc
from sealdoc.report import CheckStatus, Indication
from sealdoc.twoddoc import datamatrix
from sealdoc.twoddoc.multicode import combine, split

TRUST = Path(__file__).resolve().parents[3] / "fixtures" / "trust"
AT = dt.datetime(2026, 3, 2, 12, tzinfo=dt.UTC)


@pytest.fixture(scope="module")
def code() -> str:
    with sealdoc.load_key(
        key=TRUST / "keys" / "FR98_0001.key.pem", cert=TRUST / "participants" / "FR98_0001.pem"
    ) as key:
        return twoddoc.sign(
            "01",
            {"10": "MME/SPECIMEN/CORINNE", "22": "12 RUE DE LA PAIX", "24": "75002", "26": "FR"},
            key,
            ca_id="FR98",
            cert_id="0001",
            issue_date=dt.date(2026, 3, 1),
            signature_date=dt.date(2026, 3, 1),
        )


def _photo(segments: list[bytes]) -> bytes:
    """The symbols side by side on one white sheet, as a PNG."""
    stamps = [datamatrix.render_stamp(s.decode("latin-1")) for s in segments]
    sheet = Image.new(
        "L",
        (sum(s.width for s in stamps) + 40 * len(stamps), max(s.height for s in stamps) + 40),
        255,
    )
    x = 20
    for stamp in stamps:
        sheet.paste(stamp, (x, 20))
        x += stamp.width + 40
    out = io.BytesIO()
    sheet.save(out, format="PNG")
    return out.getvalue()


def _trust() -> sealdoc.TrustMaterial:
    return sealdoc.TrustMaterial.load(trust_certs=[TRUST / "participants" / "FR98_0001.pem"])


def test_segments_in_one_image_are_joined_and_verified(code: str) -> None:
    photo = _photo(split(code, 3, "K7Q"))
    report = sealdoc.verify(photo, trust=_trust(), at=AT, revocation="off")
    assert report.indication is Indication.PASSED, report.checks
    assert report.format == "2d-doc"


def test_a_missing_segment_is_reported_not_guessed(code: str) -> None:
    segments = split(code, 3, "K7Q")
    report = sealdoc.verify(_photo(segments[:2]), trust=_trust(), at=AT, revocation="off")
    assert report.indication is Indication.FAILED
    assert report.check("format").status is CheckStatus.FAILED
    assert "missing 3" in report.check("format").message


def test_combine_keeps_whole_codes_and_joins_sets_in_place(code: str) -> None:
    parts = split(code, 2, "AB1")
    joined = combine([b"DC04WHOLE", parts[1], parts[0]])
    assert joined == [b"DC04WHOLE", code.encode("latin-1")]
