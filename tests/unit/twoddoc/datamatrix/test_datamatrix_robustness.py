"""Scanning photos and scans: rotated, blurred, faded, noisy, JPEG, tiny, huge, keystoned.

The degradations are synthetic and seeded (PIL only), applied to a rendered reference code at
4 pixels per module; ``bench/bench_datamatrix.py --robustness`` runs the same kinds over more
codes and compares the libraries (``docs/dev/datamatrix-choice.md``).
"""

from __future__ import annotations

import io
import random
from collections.abc import Callable

import pytest
from PIL import Image, ImageDraw, ImageFilter, ImageOps

from sealdoc.twoddoc import datamatrix

MODULE = 4  # pixels per module of the clean rendering


def _clean(code: str) -> Image.Image:
    return datamatrix.render_stamp(code, module_size=MODULE)


def _rotate(image: Image.Image, angle: float) -> Image.Image:
    return image.rotate(angle, Image.Resampling.BICUBIC, expand=True, fillcolor=255)


def _contrast(image: Image.Image, dark: int, light: int) -> Image.Image:
    return image.point(lambda v: dark + (light - dark) * v // 255)


def _jpeg(image: Image.Image, quality: int) -> Image.Image:
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=quality)
    return Image.open(io.BytesIO(out.getvalue()))


def _scale(image: Image.Image, factor: float) -> Image.Image:
    size = (round(image.width * factor), round(image.height * factor))
    return image.resize(size, Image.Resampling.BICUBIC if factor > 1 else Image.Resampling.BOX)


def _noise(image: Image.Image, sigma: float) -> Image.Image:
    """Gaussian noise around mid-grey blended in (seeded: Image.effect_noise is not)."""
    rng = random.Random(7)
    values = bytes(
        min(255, max(0, round(rng.gauss(128, sigma)))) for _ in range(image.width * image.height)
    )
    return Image.blend(image, Image.frombytes("L", image.size, values), 0.35)


def _salt_and_pepper(image: Image.Image, fraction: float) -> Image.Image:
    rng = random.Random(11)
    out = image.copy()
    for _ in range(int(out.width * out.height * fraction)):
        out.putpixel((rng.randrange(out.width), rng.randrange(out.height)), rng.choice((0, 255)))
    return out


def _shade(image: Image.Image) -> Image.Image:
    gradient = Image.linear_gradient("L").rotate(90).resize(image.size)
    return Image.composite(
        image, Image.new("L", image.size, 0), gradient.point(lambda v: 90 + v * 165 // 255)
    )


def _keystone(image: Image.Image, strength: float) -> Image.Image:
    padded = ImageOps.expand(image, border=image.width // 4, fill=255)
    w, h = padded.size
    d = strength * w
    return padded.transform(
        (w, h), Image.Transform.QUAD, (d, 0, 0, h, w, h, w - d, 0), Image.Resampling.BICUBIC
    )


def _photo(image: Image.Image) -> Image.Image:
    out = _keystone(_rotate(image, 17), 0.08)
    out = _shade(_contrast(out.filter(ImageFilter.GaussianBlur(1.2)), 60, 200))
    return _jpeg(_noise(out, 25), 40)


def _on_a4_page(image: Image.Image) -> Image.Image:
    page = Image.new("L", (2480, 3508), 255)
    draw = ImageDraw.Draw(page)
    rng = random.Random(3)
    for y in range(300, 3200, 60):  # lines of dark blocks standing for text
        x = 200
        while x < 2200:
            width = rng.randrange(40, 220)
            draw.rectangle((x, y, x + width, y + 28), fill=rng.randrange(0, 80))
            x += width + 25
    page.paste(image, (2480 - image.width - 150, 120))
    return page


DEGRADATIONS: dict[str, Callable[[Image.Image], Image.Image]] = {
    "rotated 10": lambda im: _rotate(im, 10),
    "rotated 45": lambda im: _rotate(im, 45),
    "rotated 90": lambda im: _rotate(im, 90),
    "rotated 135": lambda im: _rotate(im, 135),
    "rotated 200": lambda im: _rotate(im, 200),
    "rotated 333": lambda im: _rotate(im, 333),
    "blurred half a module": lambda im: im.filter(ImageFilter.GaussianBlur(MODULE / 2)),
    "low contrast 100/160": lambda im: _contrast(im, 100, 160),
    "very low contrast 150/185": lambda im: _contrast(im, 150, 185),
    "uneven lighting": lambda im: _shade(_contrast(im, 40, 220)),
    "gaussian noise": lambda im: _noise(im, 60),
    "salt and pepper 8%": lambda im: _salt_and_pepper(im, 0.08),
    "jpeg quality 10": lambda im: _jpeg(im, 10),
    "small 2 px per module": lambda im: _scale(im, 0.5),
    "small 1.5 px per module": lambda im: _scale(im, 0.375),
    "large 24 px per module": lambda im: _scale(im, 6),
    "keystone": lambda im: _keystone(im, 0.12),
    "inverted": ImageOps.invert,
    "photo: rotated keystone blur dim noise jpeg": _photo,
    "small on an A4 page with text": _on_a4_page,
}


@pytest.mark.parametrize("name", list(DEGRADATIONS))
def test_degraded_picture_is_still_read(name: str, small_code: str) -> None:
    picture = DEGRADATIONS[name](_clean(small_code))
    assert datamatrix.scan_image(picture) == [small_code]


@pytest.mark.parametrize("name", ["rotated 45", "jpeg quality 10", "gaussian noise", "keystone"])
def test_degraded_large_symbol_is_still_read(name: str, sample_code: str) -> None:
    picture = DEGRADATIONS[name](_clean(sample_code))
    assert datamatrix.scan_image(picture) == [sample_code]


def test_degraded_picture_saved_as_jpeg_file_is_read(small_code: str) -> None:
    out = io.BytesIO()
    _photo(_clean(small_code)).convert("RGB").save(out, format="JPEG", quality=60)
    assert datamatrix.scan_image(out.getvalue()) == [small_code]


def test_blur_of_a_whole_module_is_beyond_reach_and_gives_an_empty_list(small_code: str) -> None:
    # The documented limit (docs/dev/datamatrix-choice.md): no decoder reads this.
    picture = _clean(small_code).filter(ImageFilter.GaussianBlur(MODULE))
    assert datamatrix.scan_image(picture) == []
