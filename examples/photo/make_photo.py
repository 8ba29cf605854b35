"""Draws the example photograph used by the photo poster family (templates/posters/photo/example-city.jpg).

It is made here, procedurally, so the project ships no third-party picture: a town at dusk, with a sky
gradient, hills, buildings with lit windows, a street and film grain. Run: python examples/photo/make_photo.py
"""

from __future__ import annotations

import random
from pathlib import Path

from PIL import Image, ImageDraw, ImageFilter

W, H = 1800, 1350


def main() -> None:
    rnd = random.Random(2027)
    img = Image.new("RGB", (W, H))
    d = ImageDraw.Draw(img)
    for y in range(H):  # sky: warm at the horizon, deep blue above
        t = min(1.0, y / (H * 0.62))
        top, low = (38, 62, 120), (246, 170, 96)
        d.line([(0, y), (W, y)], fill=tuple(round(a + (b - a) * t) for a, b in zip(top, low, strict=True)))
    d.ellipse((1180, 560, 1380, 760), fill=(255, 214, 140))
    for k, (base, colour) in enumerate(((780, (92, 86, 120)), (860, (64, 62, 96)))):  # two rows of hills
        pts = [(0, H)] + [(x, base - 90 * abs(((x / 300 + k) % 2) - 1)) for x in range(0, W + 60, 60)] + [(W, H)]
        d.polygon(pts, fill=colour)
    for x in range(0, W, 110):  # buildings with lit windows
        h = rnd.randint(180, 460)
        top = 1000 - h
        shade = rnd.randint(30, 55)
        d.rectangle((x, top, x + 96, 1010), fill=(shade, shade + 4, shade + 18))
        for wy in range(top + 20, 990, 34):
            for wx in range(x + 12, x + 90, 24):
                if rnd.random() < 0.45:
                    d.rectangle((wx, wy, wx + 12, wy + 18), fill=(255, rnd.randint(190, 225), 120))
    d.rectangle((0, 1010, W, H), fill=(44, 44, 56))  # the street and its lamps
    for x in range(80, W, 260):
        d.line([(x, 1010), (x, 860)], fill=(20, 20, 24), width=8)
        d.ellipse((x - 16, 846, x + 16, 878), fill=(255, 236, 170))
    img = img.filter(ImageFilter.GaussianBlur(1.2))
    grain = Image.effect_noise((W, H), 18).convert("RGB")
    img = Image.blend(img, grain, 0.06)
    out = Path(__file__).resolve().parents[2] / "templates" / "posters" / "photo" / "example-city.jpg"
    img.save(out, quality=84, optimize=True)
    print(out)


if __name__ == "__main__":
    main()
