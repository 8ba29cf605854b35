"""What a variant becomes where some of its regions are not drawn: the QR code on a screen, a cover or
a banner (nobody scans it there) or without `brand.qr_link`; the logo without `brand.logo`.

A variant is designed with them. Where the missing ones leave a band across the canvas empty (nothing
else drawn in those rows, as under the launch poster's text on a tall screen), what is above the band
is spread down over it: each box moves and grows in proportion, and so does the largest type of the
text in it, so the words fill the space instead of leaving a strip. A phrase that fits on one line
at the type as written keeps that line (`arrange`): the larger type would only break it in two. What is below (the footer) stays.
Where a missing region sat beside other content (the QR code next to the date on a wide canvas),
nothing moves: that content was placed to stand where it is.
"""

from __future__ import annotations

from collections.abc import Container
from dataclasses import replace

from .layout import Box, Region, Variant

_EDGE = 0.005  # boxes that only touch the band (to a rounding) are not in it
MAX_GROWTH = 1.5  # type grows at most this much, however wide the band


def _bottom(box: Box) -> float:
    return box[1] + box[3]


def closing_gaps(variant: Variant, missing: Container[str]) -> Variant:
    """`variant` without the regions named in `missing`, what was above them spread over their band."""
    gone = [r.box for r in variant.regions if r.name in missing]
    if not gone:
        return variant
    kept = tuple(r for r in variant.regions if r.name not in missing)
    band_top, band_bottom = min(b[1] for b in gone), max(_bottom(b) for b in gone)
    boxes = [r.box for r in kept] + [s.box for s in variant.shapes]
    if any(_bottom(b) > band_top + _EDGE and b[1] < band_bottom - _EDGE for b in boxes):
        return replace(variant, regions=kept)  # beside other content: the band is not empty

    def is_above(box: Box) -> bool:  # what is below the band (the footer) stays
        return _bottom(box) <= band_top + _EDGE

    above = [b for b in boxes if is_above(b)]
    start = min((b[1] for b in above), default=0.0)
    end = max((_bottom(b) for b in above), default=0.0)
    if end <= start:
        return replace(variant, regions=kept)
    scale = (band_bottom - start) / (end - start)
    growth = min(scale, MAX_GROWTH)

    def spread(box: Box) -> Box:
        return (box[0], start + (box[1] - start) * scale, box[2], box[3] * scale) if is_above(box) else box

    def moved(r: Region) -> Region:
        if not is_above(r.box):
            return r
        if r.is_text and r.max_lines > 1:  # type grows with its box; one line is bounded by its width
            return replace(r, box=spread(r.box), max_size=r.max_size * growth, grew_from=r.max_size)
        return replace(r, box=spread(r.box))

    regions = tuple(moved(r) for r in kept)
    shapes = tuple(replace(s, box=spread(s.box)) for s in variant.shapes)
    return replace(variant, regions=regions, shapes=shapes)
