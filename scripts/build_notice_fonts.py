"""Build the fonts of the built-in notice template (sealdoc.issuance.notice).

    python scripts/build_notice_fonts.py        # needs fontTools and Debian's fonts-dejavu-core

Input: DejaVu Sans and DejaVu Sans Bold (Debian package fonts-dejavu-core, Bitstream Vera
licence; DejaVu changes are public domain). Output, in src/sealdoc/issuance/fonts/:

* ``SealdocSans-Regular.ttf``, ``SealdocSans-Bold.ttf``: the glyphs of the Windows-1252
  repertoire (what PDF's WinAnsiEncoding can show), hinting dropped, renamed "Sealdoc Sans"
  as the Bitstream Vera licence requires of modified versions;
* ``metrics.json``: per font, the advance widths of codes 32-255 in 1/1000 em (the PDF
  ``/Widths``, computed from the font program itself, as PDF/A requires) and the font
  descriptor values.

The output is deterministic; rerun it only to change the repertoire.
"""

from __future__ import annotations

import io
import json
from pathlib import Path

from fontTools import subset
from fontTools.ttLib import TTFont

SOURCE = Path("/usr/share/fonts/truetype/dejavu")
TARGET = Path(__file__).resolve().parents[1] / "src" / "sealdoc" / "issuance" / "fonts"
FONTS = {"Regular": ("DejaVuSans.ttf", 80), "Bold": ("DejaVuSans-Bold.ttf", 140)}
FAMILY = "Sealdoc Sans"


def repertoire() -> dict[int, str]:
    """cp1252 code -> character, for every code 32-255 that cp1252 defines."""
    table = {}
    for code in range(32, 256):
        try:
            table[code] = bytes([code]).decode("cp1252")
        except UnicodeDecodeError:
            continue
    return table


def build(style: str, source: str, stem_v: int, chars: dict[int, str]) -> dict[str, object]:
    options = subset.Options()
    options.hinting = False
    options.layout_features = []
    options.name_IDs = [0, 1, 2, 3, 4, 5, 6]
    options.notdef_outline = True
    options.recalc_timestamp = False
    options.drop_tables += ["FFTM", "GDEF", "GPOS", "GSUB", "kern", "MATH"]
    font = TTFont(SOURCE / source, recalcTimestamp=False)
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=[ord(c) for c in chars.values()])
    subsetter.subset(font)
    postscript = f"SealdocSans-{style}" if style != "Regular" else "SealdocSans"
    for record in font["name"].names:
        if record.nameID in (1, 16):
            record.string = FAMILY
        elif record.nameID == 3:
            record.string = f"{postscript};subset of DejaVu Sans for sealdoc"
        elif record.nameID == 4:
            record.string = f"{FAMILY} {style}" if style != "Regular" else FAMILY
        elif record.nameID == 6:
            record.string = postscript
    out = io.BytesIO()
    font.save(out)
    data = out.getvalue()
    (TARGET / f"SealdocSans-{style}.ttf").write_bytes(data)

    font = TTFont(io.BytesIO(data))
    units = font["head"].unitsPerEm
    cmap = font.getBestCmap()
    hmtx = font["hmtx"]

    def scale(value: float) -> int:
        return round(value * 1000 / units)

    widths = []
    for code in range(32, 256):
        char = chars.get(code)
        glyph = cmap.get(ord(char)) if char else None
        widths.append(scale(hmtx[glyph][0]) if glyph else 0)
    head, os2, post = font["head"], font["OS/2"], font["post"]
    return {
        "file": f"SealdocSans-{style}.ttf",
        "font_name": postscript,
        "first_char": 32,
        "widths": widths,
        "ascent": scale(os2.sTypoAscender if os2.sTypoAscender else font["hhea"].ascent),
        "descent": scale(os2.sTypoDescender if os2.sTypoDescender else font["hhea"].descent),
        "cap_height": scale(getattr(os2, "sCapHeight", 0) or 700 * units / 1000),
        "bbox": [scale(head.xMin), scale(head.yMin), scale(head.xMax), scale(head.yMax)],
        "italic_angle": float(post.italicAngle),
        "stem_v": stem_v,
        "flags": 32,
    }


def main() -> None:
    TARGET.mkdir(parents=True, exist_ok=True)
    chars = repertoire()
    metrics = {style: build(style, src, stem, chars) for style, (src, stem) in FONTS.items()}
    text = json.dumps(metrics, indent=1, sort_keys=True) + "\n"
    (TARGET / "metrics.json").write_text(text, encoding="utf-8")
    print(f"wrote {TARGET}")


if __name__ == "__main__":
    main()
