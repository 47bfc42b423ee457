"""Draw the app icon and splash image (assets/icon.png, assets/splash.png).

Kept as code so the artwork is reproducible and reviewable: a navy tile (the
colour of the handhavers' uniform) with a white shield and Haarlem's red.
"""

from __future__ import annotations

from pathlib import Path

from PIL import Image, ImageDraw

NAVY = (11, 58, 110)
RED = (200, 16, 46)
WHITE = (255, 255, 255)
ASSETS = Path(__file__).resolve().parent.parent / "assets"


def shield(draw: ImageDraw.ImageDraw, cx: int, top: int, width: int, height: int) -> None:
    half = width // 2
    body = [
        (cx - half, top),
        (cx + half, top),
        (cx + half, top + int(height * 0.55)),
        (cx, top + height),
        (cx - half, top + int(height * 0.55)),
    ]
    draw.polygon(body, fill=WHITE)
    inner = 0.78
    ih, iw = int(height * inner), int(width * inner)
    itop = top + (height - ih) // 3
    ihalf = iw // 2
    draw.polygon(
        [
            (cx - ihalf, itop),
            (cx + ihalf, itop),
            (cx + ihalf, itop + int(ih * 0.55)),
            (cx, itop + ih),
            (cx - ihalf, itop + int(ih * 0.55)),
        ],
        fill=RED,
    )
    # Haarlem's arms: an upright sword, point up, between four stars.
    blade_w = max(width // 14, 4)
    tip, hilt = itop + ih // 10, itop + int(ih * 0.72)
    draw.polygon(
        [
            (cx, tip),
            (cx + blade_w // 2, tip + blade_w),
            (cx + blade_w // 2, hilt),
            (cx - blade_w // 2, hilt),
            (cx - blade_w // 2, tip + blade_w),
        ],
        fill=WHITE,
    )
    draw.rectangle([cx - iw // 5, hilt, cx + iw // 5, hilt + blade_w], fill=WHITE)
    draw.rectangle(
        [cx - blade_w // 3, hilt + blade_w, cx + blade_w // 3, hilt + 3 * blade_w], fill=WHITE
    )
    r = max(width // 26, 3)
    for dx, dy in ((-0.22, 0.22), (0.22, 0.22), (-0.22, 0.45), (0.22, 0.45)):
        x, y = cx + int(iw * dx), itop + int(ih * dy)
        draw.polygon([(x, y - 2 * r), (x + r, y), (x, y + 2 * r), (x - r, y)], fill=WHITE)
        draw.polygon([(x - 2 * r, y), (x, y - r), (x + 2 * r, y), (x, y + r)], fill=WHITE)


def icon(size: int = 1024) -> Image.Image:
    image = Image.new("RGB", (size, size), NAVY)
    draw = ImageDraw.Draw(image)
    shield(draw, size // 2, int(size * 0.16), int(size * 0.56), int(size * 0.68))
    return image


def splash(size: int = 768) -> Image.Image:
    image = Image.new("RGBA", (size, size), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    shield(draw, size // 2, int(size * 0.2), int(size * 0.5), int(size * 0.6))
    return image


def main() -> None:
    ASSETS.mkdir(exist_ok=True)
    icon().save(ASSETS / "icon.png", optimize=True)
    splash().save(ASSETS / "splash.png", optimize=True)
    print(f"wrote {ASSETS / 'icon.png'} and {ASSETS / 'splash.png'}")


if __name__ == "__main__":
    main()
