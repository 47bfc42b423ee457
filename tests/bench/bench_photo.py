"""Photo pipeline: a 12-megapixel camera JPEG with EXIF to the stored form."""

from __future__ import annotations

import io
import random
import statistics
import time
from dataclasses import dataclass

from PIL import Image, ImageFilter


@dataclass
class PhotoResult:
    input_bytes: int
    input_size: tuple[int, int]
    seconds: float
    seconds_all: list[float]
    output_bytes: int
    output_size: tuple[int, int]
    thumbnail_bytes: int
    gps_read: bool


def camera_jpeg(width: int = 4000, height: int = 3000, seed: int = 12) -> bytes:
    """A photo-like 12 MP JPEG (smooth shapes, edges and sensor noise, quality 92)
    with the EXIF a phone writes: GPS, time, make, model, orientation."""
    rng = random.Random(seed)
    small = Image.new("RGB", (160, 120))
    small.putdata(
        [
            (rng.randint(40, 220), rng.randint(40, 220), rng.randint(40, 220))
            for _ in range(160 * 120)
        ]
    )
    picture = small.resize((width, height), Image.Resampling.BICUBIC)
    detail = Image.effect_noise((width, height), 28).convert("RGB")
    picture = Image.blend(picture, detail, 0.18).filter(ImageFilter.DETAIL)
    exif = Image.Exif()
    exif[0x010F] = "Samsung"  # Make
    exif[0x0110] = "SM-A546B"  # Model
    exif[0x0112] = 1  # Orientation
    exif[0x0132] = "2026:11:27 14:03:22"
    ifd = exif.get_ifd(0x8769)
    ifd[0x9003] = "2026:11:27 14:03:22"  # DateTimeOriginal
    ifd[0x9011] = "+01:00"  # OffsetTimeOriginal
    gps = exif.get_ifd(0x8825)
    gps.update({1: "N", 2: (52.0, 23.0, 14.0), 3: "E", 4: (4.0, 38.0, 49.0)})
    out = io.BytesIO()
    picture.save(out, "JPEG", quality=92, exif=exif)
    return out.getvalue()


def run_photo(repeat: int = 3) -> PhotoResult:
    from fieldapp.photos import process_photo

    raw = camera_jpeg()
    with Image.open(io.BytesIO(raw)) as probe:
        size = probe.size
    times = []
    result = None
    for _ in range(repeat):
        started = time.perf_counter()
        result = process_photo(raw)
        times.append(time.perf_counter() - started)
    assert result is not None
    return PhotoResult(
        len(raw), size, statistics.median(times), times, len(result.data),
        (result.width, result.height), len(result.thumbnail), result.gps is not None,
    )  # fmt: skip
