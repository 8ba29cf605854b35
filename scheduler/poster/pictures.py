"""Pictures drawn for posters, with Pillow, at any size: a pictogram per topic and neutral illustrative
drawings of the marks the cards teach (the SC number, the CCC mark, a green-food leaf, a geographical
indication pin, the registered-trademark R). They are our own simple drawings, not copies of official
artwork: they show what to look for, not the mark itself.

`kind_of` picks the picture for a content item from its tags, topic and area; a slogan (whose topic says
only that it is a slogan) is pictured by the topic its title names ("注册商标护品牌": a trademark). `draw`
paints it in one colour (the layout's) on a transparent square.
"""

from __future__ import annotations

import contextlib
import functools
import math
from typing import TYPE_CHECKING

from ..inputs.vocabulary import SLOGAN_TOPIC, TOPICS

if TYPE_CHECKING:  # Pillow loads when a picture is drawn: `qm plan` only asks which picture an item gets
    from PIL import Image

KINDS = ("sc", "ccc", "leaf", "pin", "registered", "shield", "box", "bowl", "scales", "gear", "megaphone", "star")
BY_TAG = {"SC": "sc", "CCC": "ccc", "3C": "ccc", "绿色食品": "leaf", "有机": "leaf", "地理标志": "pin"}
BY_TOPIC = {
    "geo-indication": "pin",
    "certification": "leaf",
    "anti-fake": "shield",
    "food-drug": "bowl",
    "school-canteen": "bowl",
    "law": "scales",
    "brand": "star",
    "trademark": "registered",
    "qc-group": "gear",
    "five-factors": "gear",
    "five-small": "gear",
    "mechanism": "gear",
    "interaction": "megaphone",
    "story": "megaphone",
    "launch": "megaphone",
    "slogan": "megaphone",
}
BY_AREA = {"brand": "star", "rights": "shield", "mechanism": "gear", "grassroots": "gear", "publicity": "megaphone"}
SS = 4  # drawn at 4× and reduced: smooth edges


def kind_of(tags: tuple[str, ...], topic: str, area: str, title: str = "") -> str:
    for tag in tags:
        if tag in BY_TAG:
            return BY_TAG[tag]
    if topic == SLOGAN_TOPIC and (named := _named_in(title)):
        return named
    return _by_topic(topic) or BY_AREA.get(area, "star")


def _by_topic(topic: str) -> str | None:
    return "box" if topic.startswith("goods-") else BY_TOPIC.get(topic)


# The words that name a topic with a picture of its own: the marks (BY_TAG) and the topics' names ("商标", "食盐").
NAMED = {**{TOPICS[t]: k for t in TOPICS if t != SLOGAN_TOPIC and (k := _by_topic(t))}, **BY_TAG}


def _named_in(title: str) -> str | None:
    """The picture of the topic a title names first (the longer name where two start together), if it names one."""
    found = [(at, -len(word), kind) for word, kind in NAMED.items() if (at := title.find(word)) >= 0]
    return min(found)[2] if found else None


@functools.lru_cache(maxsize=64)
def draw(kind: str, side: int, colour: str, font_path: str, font_index: int) -> Image.Image:
    """The picture `kind` in `colour` on a transparent `side`×`side` square."""
    from PIL import Image, ImageDraw, ImageFont

    n = max(8, side) * SS
    img = Image.new("RGBA", (n, n), (0, 0, 0, 0))
    d = ImageDraw.Draw(img)
    w = max(2, n // 22)  # stroke width

    def font(size: float) -> ImageFont.FreeTypeFont:
        f = ImageFont.truetype(font_path, max(4, round(size)), index=font_index)
        with contextlib.suppress(OSError, ValueError):
            f.set_variation_by_name("Black")
        return f

    c = colour
    u = n / 100  # drawing units: the square is 100 × 100
    if kind == "sc":  # a package label with the letters and a row of digits
        d.rounded_rectangle((8 * u, 22 * u, 92 * u, 78 * u), radius=8 * u, outline=c, width=w)
        d.text((50 * u, 44 * u), "SC", font=font(30 * u), fill=c, anchor="mm")
        for i in range(14):
            x = 16 * u + i * 5 * u
            d.rectangle((x, 62 * u, x + 3 * u, 70 * u), fill=c)
    elif kind == "ccc":  # a ring with the three letters
        d.ellipse((10 * u, 10 * u, 90 * u, 90 * u), outline=c, width=w)
        d.text((50 * u, 51 * u), "CCC", font=font(26 * u), fill=c, anchor="mm")
    elif kind == "registered":  # a ring with a capital R, as beside a registered trademark
        d.ellipse((10 * u, 10 * u, 90 * u, 90 * u), outline=c, width=w)
        d.text((50 * u, 51 * u), "R", font=font(52 * u), fill=c, anchor="mm")
    elif kind == "leaf":  # a sprout in a ring: an upright stem and two leaves (no line across the ring: not a 禁止 sign)
        d.ellipse((8 * u, 8 * u, 92 * u, 92 * u), outline=c, width=w)
        d.line([(50 * u, 82 * u), (50 * u, 50 * u)], fill=c, width=w)
        d.polygon(_leaf((50 * u, 64 * u), (20 * u, 44 * u), 10 * u), fill=c)
        d.polygon(_leaf((50 * u, 50 * u), (80 * u, 26 * u), 11 * u), fill=c)
        d.line([(70 * u, 33 * u), (55 * u, 46 * u)], fill=(0, 0, 0, 0), width=max(1, w // 3))  # the big leaf's vein
    elif kind == "pin":  # a map pin with a hill and the sun inside
        d.pieslice((22 * u, 8 * u, 78 * u, 64 * u), 150, 390, fill=c)
        d.polygon([(26 * u, 48 * u), (74 * u, 48 * u), (50 * u, 92 * u)], fill=c)
        d.ellipse((38 * u, 22 * u, 62 * u, 46 * u), fill=(0, 0, 0, 0))
        d.polygon([(40 * u, 42 * u), (50 * u, 28 * u), (60 * u, 42 * u)], fill=c)
    elif kind == "shield":  # a shield with a tick
        d.polygon(
            [(50 * u, 8 * u), (86 * u, 20 * u), (82 * u, 58 * u), (50 * u, 92 * u), (18 * u, 58 * u), (14 * u, 20 * u)], outline=c, width=w
        )
        d.line([(32 * u, 50 * u), (46 * u, 64 * u), (70 * u, 36 * u)], fill=c, width=w * 2, joint="curve")
    elif kind == "box":  # a parcel seen from the corner
        d.polygon([(50 * u, 12 * u), (88 * u, 28 * u), (50 * u, 44 * u), (12 * u, 28 * u)], outline=c, width=w)
        d.line([(12 * u, 28 * u), (12 * u, 72 * u), (50 * u, 90 * u), (88 * u, 72 * u), (88 * u, 28 * u)], fill=c, width=w, joint="curve")
        d.line([(50 * u, 44 * u), (50 * u, 90 * u)], fill=c, width=w)
    elif kind == "bowl":  # a bowl with steam
        d.chord((12 * u, 30 * u, 88 * u, 90 * u), 0, 180, fill=c)
        d.rectangle((36 * u, 84 * u, 64 * u, 90 * u), fill=c)
        for x in (34, 50, 66):
            d.arc((x * u - 6 * u, 10 * u, x * u + 6 * u, 40 * u), 100, 260, fill=c, width=w)
    elif kind == "scales":  # the scales of justice
        d.line([(50 * u, 12 * u), (50 * u, 84 * u)], fill=c, width=w)
        d.line([(18 * u, 24 * u), (82 * u, 24 * u)], fill=c, width=w)
        d.rectangle((30 * u, 84 * u, 70 * u, 90 * u), fill=c)
        for x in (18, 82):
            d.line([(x * u, 24 * u), (x * u - 12 * u, 56 * u)], fill=c, width=max(1, w // 2))
            d.line([(x * u, 24 * u), (x * u + 12 * u, 56 * u)], fill=c, width=max(1, w // 2))
            d.chord((x * u - 14 * u, 46 * u, x * u + 14 * u, 66 * u), 0, 180, fill=c)
    elif kind == "gear":  # a gear wheel
        teeth = [
            (50 * u + r * math.cos(t), 50 * u + r * math.sin(t))
            for i, t in enumerate(_steps(0, 2 * math.pi, 48))
            for r in ((40 if (i // 3) % 2 else 31) * u,)
        ]
        d.polygon(teeth, fill=c)
        d.ellipse((36 * u, 36 * u, 64 * u, 64 * u), fill=(0, 0, 0, 0))
    elif kind == "megaphone":  # a loudhailer with sound waves
        d.polygon([(14 * u, 40 * u), (30 * u, 40 * u), (62 * u, 18 * u), (62 * u, 82 * u), (30 * u, 60 * u), (14 * u, 60 * u)], fill=c)
        d.line([(26 * u, 60 * u), (32 * u, 84 * u)], fill=c, width=w * 2)
        for r in (14, 26):
            d.arc((62 * u - r * u, 50 * u - r * u, 62 * u + r * u + 8 * u, 50 * u + r * u), -45, 45, fill=c, width=w)
    else:  # star
        pts = [
            (
                50 * u + (42 if i % 2 == 0 else 18) * u * math.sin(i * math.pi / 5),
                54 * u - (42 if i % 2 == 0 else 18) * u * math.cos(i * math.pi / 5),
            )
            for i in range(10)
        ]
        d.polygon(pts, fill=c)
    return img.resize((side, side), Image.Resampling.LANCZOS)


def _leaf(base: tuple[float, float], tip: tuple[float, float], half_width: float) -> list[tuple[float, float]]:
    """A leaf's outline from `base` to `tip`: two arcs, widest half-way, `half_width` from its axis."""
    length = math.dist(base, tip)
    nx, ny = (tip[1] - base[1]) / length, -(tip[0] - base[0]) / length  # the unit normal to the axis

    def edge(sign: int) -> list[tuple[float, float]]:
        points = []
        for t in _steps(0, 1, 24):
            b = sign * half_width * math.sin(math.pi * t)
            points.append((base[0] + t * (tip[0] - base[0]) + b * nx, base[1] + t * (tip[1] - base[1]) + b * ny))
        return points

    return edge(1) + edge(-1)[::-1]


def _steps(a: float, b: float, count: int) -> list[float]:
    return [a + (b - a) * i / (count - 1) for i in range(count)]
