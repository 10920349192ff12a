"""DataMatrix benchmark: render and scan rates per library, and robustness on degraded images.

    python bench/bench_datamatrix.py               # rates (renders/s, scans/s), n=50
    python bench/bench_datamatrix.py -n 200        # more repetitions
    python bench/bench_datamatrix.py --robustness  # success rate per decoder and degradation
    python bench/bench_datamatrix.py --interop     # who reads whose symbols
    python bench/bench_datamatrix.py --passes      # which scan_image pass reads which image

``run(n)`` is what ``bench/run.py`` calls: it returns the rates as a flat dict. The robustness
table is what ``docs/dev/datamatrix-choice.md`` reports; every image is synthesised here from
the reference codes of spec §16 (deterministic: fixed seeds), plus the shared specimen images.
"""

from __future__ import annotations

import argparse
import io
import json
import random
import statistics
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import segno
import zxingcpp
from PIL import Image, ImageDraw, ImageFilter, ImageOps

from sealdoc.twoddoc import datamatrix
from sealdoc.twoddoc._dm import backends

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "twoddoc"
VECTORS = FIXTURES / "spec_vectors" / "spec_v326_reference_codes_verified.json"
IMAGES = FIXTURES / "images"


# --- inputs ---------------------------------------------------------------------------------


def reference_codes() -> list[bytes]:
    """The C40 reference codes of spec §16 (v02-v04), as bytes."""
    if not VECTORS.is_file():
        return [_fallback_code(i) for i in range(8)]
    rows = json.loads(VECTORS.read_text(encoding="utf-8"))
    return [row["message"].encode("latin-1") for row in rows if "message" in row]


def _fallback_code(i: int) -> bytes:
    body = f"DC04FR0000011E6D1E6DL101FR10M/SAMPLE/{i:04d}\x1d24{75000 + i}\x1f"
    return (body + "A" * 103).encode()


def sample_codes(count: int = 6) -> list[bytes]:
    """A spread of sizes (40x40 to 72x72): shortest to longest of the reference codes."""
    codes = sorted(reference_codes(), key=len)
    step = max(1, (len(codes) - 1) // max(1, count - 1))
    return codes[::step][:count]


def render_clean(code: bytes, module_px: int = 4) -> Image.Image:
    return datamatrix.render_stamp(code, module_size=module_px, label=True)


# --- encoders -------------------------------------------------------------------------------


def encode_sealdoc(code: bytes) -> Image.Image:
    return datamatrix.render_stamp(code, label=False)


def encode_zxing(code: bytes) -> Image.Image:
    # As str: given bytes, zxing-cpp's writer prepends an ECI designator (ECI 899) that
    # 2D-Doc readers do not expect (libdmtx returns it as data).
    barcode = zxingcpp.create_barcode(code.decode("latin-1"), zxingcpp.BarcodeFormat.DataMatrix)
    img = barcode.to_image(scale=5)
    return Image.frombytes("L", (img.shape[1], img.shape[0]), memoryview(img))  # type: ignore[arg-type]


def encode_libdmtx(code: bytes) -> Image.Image:
    matrix = backends.encode_libdmtx(code)
    if matrix is None:
        raise RuntimeError("libdmtx could not encode")
    n = len(matrix)
    image = Image.new("L", (n, n), 255)
    image.putdata([0 if dark else 255 for row in matrix for dark in row])
    return ImageOps.expand(image.resize((n * 5, n * 5), Image.Resampling.NEAREST), 10, fill=255)


ENCODERS: dict[str, Callable[[bytes], Image.Image]] = {
    "sealdoc": encode_sealdoc,
    "zxing-cpp": encode_zxing,
    "libdmtx": encode_libdmtx,
}


# --- decoders -------------------------------------------------------------------------------


def decode_zxing(image: Image.Image) -> list[bytes]:
    return [d.data for d in backends.read_zxing(image)]


def decode_libdmtx(image: Image.Image) -> list[bytes]:
    return [d.data for d in backends.read_libdmtx(image, timeout_ms=3000)]


def decode_sealdoc(image: Image.Image) -> list[bytes]:
    return [c.encode("latin-1") for c in datamatrix.scan_image(image)]


DECODERS: dict[str, Callable[[Image.Image], list[bytes]]] = {
    "zxing-cpp": decode_zxing,
    "libdmtx": decode_libdmtx,
    "sealdoc scan_image": decode_sealdoc,
}


# --- degradations (PIL only, seeded) --------------------------------------------------------


def rotate(image: Image.Image, angle: float) -> Image.Image:
    return image.rotate(angle, Image.Resampling.BICUBIC, expand=True, fillcolor=255)


def blur(image: Image.Image, radius: float) -> Image.Image:
    return image.filter(ImageFilter.GaussianBlur(radius))


def contrast(image: Image.Image, dark: int, light: int) -> Image.Image:
    return image.point(lambda v: dark + (light - dark) * v // 255)


def shade(image: Image.Image) -> Image.Image:
    """Uneven lighting: a left-to-right gradient multiplied in (a photo near a window)."""
    gradient = Image.linear_gradient("L").rotate(90).resize(image.size)
    gradient = gradient.point(lambda v: 90 + v * 165 // 255)
    return Image.composite(image, Image.new("L", image.size, 0), gradient)


def noise(image: Image.Image, sigma: float, seed: int = 1) -> Image.Image:
    """Gaussian noise around mid-grey blended in (seeded: Image.effect_noise is not)."""
    rng = random.Random(seed)
    count = image.width * image.height
    values = bytes(min(255, max(0, round(rng.gauss(128, sigma)))) for _ in range(count))
    return Image.blend(image, Image.frombytes("L", image.size, values), 0.35)


def salt_pepper(image: Image.Image, fraction: float, seed: int = 2) -> Image.Image:
    rng = random.Random(seed)
    out = image.copy()
    px = out.load()
    assert px is not None
    for _ in range(int(image.width * image.height * fraction)):
        px[rng.randrange(image.width), rng.randrange(image.height)] = rng.choice((0, 255))
    return out


def jpeg(image: Image.Image, quality: int) -> Image.Image:
    buf = io.BytesIO()
    image.save(buf, format="JPEG", quality=quality)
    return Image.open(io.BytesIO(buf.getvalue())).convert("L")


def scale(image: Image.Image, factor: float) -> Image.Image:
    size = (max(1, round(image.width * factor)), max(1, round(image.height * factor)))
    return image.resize(size, Image.Resampling.BICUBIC if factor > 1 else Image.Resampling.BOX)


def perspective(image: Image.Image, strength: float = 0.12) -> Image.Image:
    """A keystone: the top edge shorter than the bottom one (a phone held at an angle)."""
    padded = ImageOps.expand(image, border=image.width // 4, fill=255)
    pw, ph = padded.size
    d = strength * pw
    quad = (d, 0, 0, ph, pw, ph, pw - d, 0)  # source quad: UL, LL, LR, UR
    return padded.transform((pw, ph), Image.Transform.QUAD, quad, Image.Resampling.BICUBIC)


def invert(image: Image.Image) -> Image.Image:
    return ImageOps.invert(image)


def with_neighbours(image: Image.Image) -> Image.Image:
    """A QR code and a non-2D-Doc DataMatrix right beside the 2D-Doc."""
    qr_png = io.BytesIO()
    segno.make("https://example.org/verify?doc=DC04FR00", error="m").save(
        qr_png, kind="png", scale=5, border=2
    )
    qr = Image.open(io.BytesIO(qr_png.getvalue())).convert("L")
    other = datamatrix.render_stamp(b"LOT 4711 SERIAL 0042 NOT A 2DDOC", label=False)
    canvas = Image.new(
        "L",
        (
            image.width + qr.width + other.width + 40,
            max(image.height, qr.height, other.height) + 20,
        ),
        255,
    )
    canvas.paste(qr, (10, 10))
    canvas.paste(image, (qr.width + 20, 10))
    canvas.paste(other, (qr.width + image.width + 30, 10))
    return canvas


def on_page(image: Image.Image) -> Image.Image:
    """Small symbol in the corner of an A4 page at 300 dpi, with lines of fake text."""
    page = Image.new("L", (2480, 3508), 255)
    draw = ImageDraw.Draw(page)
    rng = random.Random(3)
    for y in range(300, 3200, 60):
        x = 200
        while x < 2200:
            w = rng.randrange(40, 220)
            draw.rectangle((x, y, x + w, y + 28), fill=rng.randrange(0, 80))
            x += w + 25
    page.paste(image, (2480 - image.width - 150, 120))
    return page


def photo(image: Image.Image) -> Image.Image:
    """The works: rotated, keystoned, blurred, dim and uneven, noisy, JPEG."""
    out = perspective(rotate(image, 17), 0.08)
    out = shade(contrast(blur(out, 1.2), 60, 200))
    return jpeg(noise(out, 25), 40)


Degradation = Callable[[Image.Image], Image.Image]

DEGRADATIONS: dict[str, tuple[str, Degradation]] = {
    "clean": ("clean", lambda im: im),
    "rot 10": ("rotation", lambda im: rotate(im, 10)),
    "rot 30": ("rotation", lambda im: rotate(im, 30)),
    "rot 45": ("rotation", lambda im: rotate(im, 45)),
    "rot 135": ("rotation", lambda im: rotate(im, 135)),
    "rot 200": ("rotation", lambda im: rotate(im, 200)),
    "rot 290": ("rotation", lambda im: rotate(im, 290)),
    "blur 0.5 mod": ("blur", lambda im: blur(im, 2.0)),
    "blur 0.75 mod": ("blur", lambda im: blur(im, 3.0)),
    "blur 1 mod": ("blur", lambda im: blur(im, 4.0)),
    "contrast 100/160": ("contrast", lambda im: contrast(im, 100, 160)),
    "contrast 150/185": ("contrast", lambda im: contrast(im, 150, 185)),
    "shade+contrast": ("contrast", lambda im: shade(contrast(im, 40, 220))),
    "noise 30": ("noise", lambda im: noise(im, 30)),
    "noise 60": ("noise", lambda im: noise(im, 60)),
    "salt&pepper 8%": ("noise", lambda im: salt_pepper(im, 0.08)),
    "jpeg q15": ("jpeg", lambda im: jpeg(im, 15)),
    "jpeg q5": ("jpeg", lambda im: jpeg(im, 5)),
    "small 2px/mod": ("scale", lambda im: scale(im, 0.5)),
    "small 1.5px/mod": ("scale", lambda im: scale(im, 0.375)),
    "large 24px/mod": ("scale", lambda im: scale(im, 6)),
    "perspective": ("perspective", lambda im: perspective(im, 0.12)),
    "inverted": ("inverted", invert),
    "QR + other DM beside": ("neighbours", with_neighbours),
    "A4 page 300dpi": ("page", on_page),
    "photo combo": ("photo", photo),
    "photo combo rot 60": ("photo", lambda im: photo(rotate(im, 43))),
}


@dataclass(frozen=True)
class Case:
    name: str
    category: str
    image: Image.Image
    expected: bytes


def corpus(codes: list[bytes] | None = None) -> Iterator[Case]:
    """Every degradation applied to sample codes rendered at 4 px/module.

    Six codes (40x40 to 72x72) for most degradations; all 55 C40 reference codes for the photo
    combinations, the hardest and most variable ones.
    """
    few = codes or sample_codes()
    every = codes or reference_codes()
    for name, (category, degrade) in DEGRADATIONS.items():
        for code in every if category == "photo" else few:
            yield Case(name, category, degrade(render_clean(code)), code)


SPECIMEN_DEGRADATIONS = ("blur 0.5 mod", "noise 60", "salt&pepper 8%", "jpeg q5", "photo combo")


def degraded_specimen_cases() -> Iterator[Case]:
    """A few degradations applied to the real specimen images (their modules are 3-5 px)."""
    for case in specimen_cases():
        if case.image.width >= 1000:
            continue
        for name in SPECIMEN_DEGRADATIONS:
            _, degrade = DEGRADATIONS[name]
            yield Case(f"specimen {name}", "specimen-degraded", degrade(case.image), case.expected)


def specimen_cases() -> Iterator[Case]:
    """The shared specimen images; expected = what zxing-cpp reads at full resolution."""
    for path in sorted(IMAGES.iterdir()) if IMAGES.is_dir() else ():
        if path.suffix == ".md":
            continue
        image = Image.open(path)
        gray = Image.alpha_composite(
            Image.new("RGBA", image.size, "white"), image.convert("RGBA")
        ).convert("L")
        expected = decode_zxing(gray)
        yield Case(path.name, "specimen", gray, expected[0] if expected else b"DC")


# --- measurements ---------------------------------------------------------------------------


def _rate(func: Callable[[], object], n: int) -> float:
    func()  # warm-up (imports, caches)
    start = time.perf_counter()
    for _ in range(n):
        func()
    return n / (time.perf_counter() - start)


def run(n: int) -> dict[str, float]:
    """Rates per library on the same inputs, and the ratios the choice rests on.

    Renders/s of each encoder on 4 reference codes (40x40 to 64x64 symbols); scans/s of each
    decoder on those 4 clean renderings and on the 12 specimen images under 1000 px (libdmtx,
    10 to 100 times slower, repeats n // 10 times).
    """
    codes = sample_codes(4)
    clean = [render_clean(code) for code in codes]
    specimens = [case.image for case in specimen_cases() if case.image.width < 1000]
    results: dict[str, float] = {}
    for name, encoder in ENCODERS.items():
        results[f"render {name} symbols/s"] = _rate_each(encoder, codes, n)
    results["render_png sealdoc PNG/s"] = _rate_each(datamatrix.render_png, codes, n)
    results["render_svg sealdoc SVG/s"] = _rate_each(datamatrix.render_svg, codes, n)
    for name, decoder in DECODERS.items():
        reps = max(1, n // 10) if name == "libdmtx" else n
        short = "scan_image" if name.startswith("sealdoc") else f"scan {name}"
        results[f"{short} clean images/s"] = _rate_each(decoder, clean, reps)
        if specimens:
            results[f"{short} specimens images/s"] = _rate_each(decoder, specimens, reps)
    results["ratio render sealdoc / libdmtx"] = (
        results["render sealdoc symbols/s"] / results["render libdmtx symbols/s"]
    )
    results["ratio scan zxing-cpp / libdmtx clean"] = (
        results["scan zxing-cpp clean images/s"] / results["scan libdmtx clean images/s"]
    )
    if specimens:
        results["ratio scan zxing-cpp / libdmtx specimens"] = (
            results["scan zxing-cpp specimens images/s"]
            / results["scan libdmtx specimens images/s"]
        )
    return results


def _rate_each(func: Callable[[Any], object], inputs: list[Any], n: int) -> float:
    return _rate(lambda: [func(x) for x in inputs], n) * len(inputs)


def interop(codes: list[bytes] | None = None) -> dict[tuple[str, str], tuple[int, int]]:
    """{(encoder, decoder): (exact reads, symbols)}: who reads whose symbols."""
    codes = codes or sample_codes()
    table: dict[tuple[str, str], tuple[int, int]] = {}
    for enc_name, encoder in ENCODERS.items():
        images = [ImageOps.expand(encoder(code), border=10, fill=255) for code in codes]
        for dec_name, decoder in (("zxing-cpp", decode_zxing), ("libdmtx", decode_libdmtx)):
            ok = sum(code in decoder(image) for code, image in zip(codes, images, strict=True))
            table[(enc_name, dec_name)] = (ok, len(codes))
    return table


Row = tuple[int, int, float]


def robustness(codes: list[bytes] | None = None) -> dict[str, dict[str, Row]]:
    """{decoder: {degradation: (successes, cases, median ms)}}, specimen images included.

    The last column, "libdmtx rescues", counts the images libdmtx read and scan_image missed.
    """
    cases = [*corpus(codes), *degraded_specimen_cases(), *specimen_cases()]
    outcomes: dict[str, list[tuple[str, bool, float]]] = {}
    for name, decoder in DECODERS.items():
        for case in cases:
            start = time.perf_counter()
            found = decoder(case.image)
            elapsed = (time.perf_counter() - start) * 1000
            if case.category == "specimen":
                ok = any(f.startswith(b"DC") for f in found)
                key = "specimen images"
            else:
                ok, key = case.expected in found, case.name
            outcomes.setdefault(name, []).append((key, ok, elapsed))
    rescues = [
        (key, lib_ok and not ours_ok, 0.0)
        for (key, lib_ok, _), (_, ours_ok, _) in zip(
            outcomes["libdmtx"], outcomes["sealdoc scan_image"], strict=True
        )
    ]
    outcomes["libdmtx rescues"] = rescues
    table: dict[str, dict[str, Row]] = {}
    for name, rows in outcomes.items():
        grouped: dict[str, list[tuple[bool, float]]] = {}
        for key, ok, elapsed in rows:
            grouped.setdefault(key, []).append((ok, elapsed))
        table[name] = {
            key: (sum(ok for ok, _ in v), len(v), statistics.median(t for _, t in v))
            for key, v in grouped.items()
        }
    return table


def first_passes(codes: list[bytes] | None = None) -> dict[str, dict[str, int]]:
    """{degradation: {name of the first scan pass that reads it (or "none"): cases}}."""
    from sealdoc.twoddoc._dm import scan

    table: dict[str, dict[str, int]] = {}
    for case in [*corpus(codes), *degraded_specimen_cases()]:
        winner = "none"
        for attempt in scan.PASSES:
            if case.expected in [d.data for d in attempt.decode(attempt.prepare(case.image))]:
                winner = attempt.name
                break
        row = table.setdefault(case.name, {})
        row[winner] = row.get(winner, 0) + 1
    return table


def _print_first_passes(table: dict[str, dict[str, int]]) -> None:
    totals: dict[str, int] = {}
    for name, row in table.items():
        if set(row) != {"zxing"}:
            print(f"{name:24s} " + ", ".join(f"{k}: {v}" for k, v in row.items()))
        for key, value in row.items():
            totals[key] = totals.get(key, 0) + value
    print("total".ljust(24), ", ".join(f"{k}: {v}" for k, v in totals.items()))


def _print_robustness(table: dict[str, dict[str, Row]]) -> None:
    names = list(table)
    keys = list(next(iter(table.values())))
    print("| degradation | " + " | ".join(names) + " |")
    print("|---|" + "---|" * len(names))
    for key in keys:
        cells = []
        for name in names:
            ok, total, ms = table[name][key]
            cells.append(
                f"{ok}/{total}" if name == "libdmtx rescues" else f"{ok}/{total} ({ms:.0f} ms)"
            )
        print(f"| {key} | " + " | ".join(cells) + " |")
    totals = [
        (sum(v[0] for v in table[n].values()), sum(v[1] for v in table[n].values())) for n in names
    ]
    print("| **total** | " + " | ".join(f"**{s}/{t}**" for s, t in totals) + " |")


def _print_interop(table: dict[tuple[str, str], tuple[int, int]]) -> None:
    print("| encoder \\ decoder | zxing-cpp | libdmtx |")
    print("|---|---|---|")
    for enc_name in ENCODERS:
        cells = [
            f"{table[(enc_name, d)][0]}/{table[(enc_name, d)][1]}" for d in ("zxing-cpp", "libdmtx")
        ]
        print(f"| {enc_name} | " + " | ".join(cells) + " |")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=50, help="repetitions per rate")
    parser.add_argument("--robustness", action="store_true", help="success per degradation")
    parser.add_argument("--interop", action="store_true", help="who reads whose symbols")
    parser.add_argument("--passes", action="store_true", help="which scan pass reads what")
    args = parser.parse_args(argv)
    if args.passes:
        _print_first_passes(first_passes())
    if args.robustness:
        _print_robustness(robustness())
    if args.interop:
        _print_interop(interop())
    if args.robustness or args.interop or args.passes:
        return 0
    for key, value in run(args.n).items():
        print(f"{key:42s} {value:10.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
