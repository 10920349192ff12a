"""The PDF/A pieces of the notice template: XMP identification and an sRGB output intent.

The ICC profile is built here, byte by byte, as an ICC v2 matrix/TRC display profile of sRGB
(IEC 61966-2-1): primaries adapted to D50 with the Bradford transform (the values every
"sRGB IEC61966-2.1" v2 profile carries), white point D65, and the sRGB transfer curve sampled
at 1024 points. A v2 profile is what PDF/A validators accept without discussion (PDF/A-1 needs
it; PDF/A-2 and -3 accept it), and building it avoids shipping a binary blob of unclear origin.
"""

from __future__ import annotations

import functools
import struct
from xml.sax.saxutils import escape

__all__ = ["SRGB_OUTPUT_CONDITION", "srgb_icc_profile", "xmp_metadata"]

SRGB_OUTPUT_CONDITION = "sRGB IEC61966-2.1"

_D50 = (0.9642, 1.0, 0.8249)
_D65 = (0.9505, 1.0, 1.0891)
_RED = (0.4360747, 0.2225045, 0.0139322)
_GREEN = (0.3850649, 0.7168786, 0.0971045)
_BLUE = (0.1430804, 0.0606169, 0.7141733)


def _s15f16(value: float) -> bytes:
    return struct.pack(">i", round(value * 65536))


def _xyz(values: tuple[float, float, float]) -> bytes:
    return b"XYZ \0\0\0\0" + b"".join(_s15f16(v) for v in values)


def _text_description(text: str) -> bytes:
    ascii_text = text.encode("ascii") + b"\0"
    return (
        b"desc\0\0\0\0"
        + struct.pack(">I", len(ascii_text))
        + ascii_text
        + struct.pack(">II", 0, 0)  # Unicode language code and count
        + struct.pack(">HB", 0, 0)  # ScriptCode code and count
        + b"\0" * 67
    )


def _srgb_curve(points: int = 1024) -> bytes:
    values = []
    for i in range(points):
        v = i / (points - 1)
        linear = v / 12.92 if v <= 0.04045 else ((v + 0.055) / 1.055) ** 2.4
        values.append(round(linear * 65535))
    return b"curv\0\0\0\0" + struct.pack(">I", points) + struct.pack(f">{points}H", *values)


@functools.cache
def srgb_icc_profile() -> bytes:
    """An ICC v2 sRGB display profile (about 2.6 kB)."""
    curve = _srgb_curve()
    tags = [
        (b"desc", _text_description(SRGB_OUTPUT_CONDITION)),
        (b"cprt", b"text\0\0\0\0" + b"No copyright, use freely (sealdoc)\0"),
        (b"wtpt", _xyz(_D65)),
        (b"rXYZ", _xyz(_RED)),
        (b"gXYZ", _xyz(_GREEN)),
        (b"bXYZ", _xyz(_BLUE)),
        (b"rTRC", curve),
        (b"gTRC", curve),
        (b"bTRC", curve),
    ]
    table_size = 4 + 12 * len(tags)
    offset = 128 + table_size
    entries = []
    data = b""
    shared: dict[bytes, int] = {}
    for signature, body in tags:
        if body in shared:  # the three TRC tags share one curve
            entries.append(struct.pack(">4sII", signature, shared[body], len(body)))
            continue
        while (offset + len(data)) % 4:
            data += b"\0"
        position = offset + len(data)
        shared[body] = position
        entries.append(struct.pack(">4sII", signature, position, len(body)))
        data += body
    while len(data) % 4:
        data += b"\0"
    size = 128 + table_size + len(data)
    header = (
        struct.pack(">I", size)
        + b"\0\0\0\0"  # preferred CMM
        + bytes((2, 0x10, 0, 0))  # version 2.1
        + b"mntrRGB XYZ "
        + struct.pack(">6H", 2000, 1, 1, 0, 0, 0)  # creation date (fixed: reproducible)
        + b"acsp"
        + b"\0\0\0\0"  # platform
        + struct.pack(">I", 0)  # flags
        + b"\0\0\0\0" * 2  # manufacturer, model
        + b"\0" * 8  # attributes
        + struct.pack(">I", 0)  # rendering intent: perceptual
        + b"".join(_s15f16(v) for v in _D50)  # PCS illuminant
        + b"\0\0\0\0"  # creator
    )
    header += b"\0" * (128 - len(header))
    return header + struct.pack(">I", len(tags)) + b"".join(entries) + data


def xmp_metadata(*, part: int, title: str, language: str) -> bytes:
    """XMP packet identifying PDF/A-``part`` conformance level B, with a title."""
    if part not in (2, 3):
        raise ValueError(f"PDF/A part {part} is not produced here")
    lang = {"fr": "fr-FR", "en": "en"}.get(language, "x-default")
    packet = f"""<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>
<x:xmpmeta xmlns:x="adobe:ns:meta/">
 <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
  <rdf:Description rdf:about=""
    xmlns:pdfaid="http://www.aiim.org/pdfa/ns/id/"
    xmlns:dc="http://purl.org/dc/elements/1.1/"
    xmlns:pdf="http://ns.adobe.com/pdf/1.3/"
    xmlns:xmp="http://ns.adobe.com/xap/1.0/">
   <pdfaid:part>{part}</pdfaid:part>
   <pdfaid:conformance>B</pdfaid:conformance>
   <dc:format>application/pdf</dc:format>
   <dc:title><rdf:Alt><rdf:li xml:lang="x-default">{escape(title)}</rdf:li></rdf:Alt></dc:title>
   <dc:language><rdf:Bag><rdf:li>{lang}</rdf:li></rdf:Bag></dc:language>
   <pdf:Producer>sealdoc</pdf:Producer>
   <xmp:CreatorTool>sealdoc notice template</xmp:CreatorTool>
  </rdf:Description>
 </rdf:RDF>
</x:xmpmeta>
<?xpacket end="w"?>"""
    return packet.encode("utf-8")
