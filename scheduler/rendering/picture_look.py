"""What a post's pictures show besides its words: the look that counts in its version.

A poster shows more than the item's words: the literal text of its layout (labels such as
"投诉举报电话：", captions), the brand's colours and QR link, the logo file and, in the photo family,
the photograph. Staff expect all of that to be reviewed, as a Jinja template's text is: a changed
label must send the post back to review. Fonts and the drawing code are not part of it (they change
how the same words are set, not what they say).

Upgrading must not send every approved post of a running campaign back to review merely because the
version formula grew. So the look is a separate part of the picture identity (`versions.picture_identity`):
a post without pictures has none and keeps its version; a post with pictures renders both its version
and the version an earlier qm gave it (`RenderedPost.before_look`). The first sync after the upgrade
finds the stored version equal to the earlier formula's for the same rendering and carries the post,
its approval and its passed stages over to the new version, without an audit line (as with versions
of the oldest scheme, `version_records.rekey`); a post edited since its approval has its approved version
carried over when the rendering's earlier version is that one (the edit undone, the approval is restored); the look as it is then is its baseline, and any later
change of a layout's text, a colour, the logo or the photograph makes a new version like a changed word.
A layout edited between the approval and the upgrade is taken as approved: before the upgrade it was
not reviewed at all, and nothing recorded says what it looked like.
"""

from __future__ import annotations

import functools
import hashlib
import json
import re
from collections.abc import Iterable, Sequence
from pathlib import Path

from ..inputs.campaign import Campaign
from ..inputs.content import ContentItem
from ..inputs.poster_settings import Brand
from ..support.file_digest import file_digest
from ..support.values import ImageRef
from .versions import collapse, picture_identity

_FIELD = re.compile(r"\{(\w+)\}")


class Looks:
    """What the posters of a campaign show, by item and layouts; files are read once per instance (a rendering's inputs)."""

    def __init__(self, campaign: Campaign) -> None:
        self.campaign = campaign

    def identity(self, item: ContentItem, images: Sequence[ImageRef]) -> tuple[str, str]:
        """The picture identity of a post of `item` with these pictures, and the same as an earlier qm made
        it, without their look ("" when that is the same: no pictures)."""
        used = frozenset().union(*(self.fields(i.layout) for i in images))
        shown = [(i.layout, i.size) for i in images]
        words = poster_words(item, self.campaign.text_values, used)
        look = self.of(item.area, (i.layout for i in images))
        return picture_identity(shown, words, look), picture_identity(shown, words) if look else ""

    @functools.cache  # noqa: B019 - one instance per campaign state; a handful of layout names
    def fields(self, layout: str) -> frozenset[str]:
        """The fields a poster layout of this name may show, in any family (`{headline}`, `{hotline}` …)."""
        found: set[str] = set()
        for path in (self.campaign.paths.templates / "posters").rglob(f"{layout}.yaml"):
            try:
                found.update(_FIELD.findall(path.read_text(encoding="utf-8")))
            except (OSError, UnicodeDecodeError):
                found.add("*")  # unreadable: count every word (qm check reports the file)
        return frozenset(found)

    def of(self, area: str, layouts: Iterable[str]) -> str:
        """The look of the posters of an item of `area` in these layouts ("" for none: no picture, no look)."""
        names = tuple(sorted(set(layouts)))
        return self._look(self.campaign.posters.family_for(area), names) if names else ""

    @functools.cache  # noqa: B019 - one instance per rendering: each family's few layout sets, hashed once
    def _look(self, family: str, names: tuple[str, ...]) -> str:
        folder = self.campaign.paths.templates / "posters" if family == "red" else self.campaign.paths.templates / "posters" / family
        brand = self.campaign.brand
        blob = {
            "layouts": {name: self._text(folder / f"{name}.yaml") for name in names},
            "brand": [brand.primary, brand.secondary, brand.accent, brand.text, brand.background, brand.qr_link],
            "logo": self._bytes(brand.logo),
            "photo": self._bytes(self.campaign.posters.photo) if family == "photo" else "",
        }
        return hashlib.sha256(json.dumps(blob, ensure_ascii=False, sort_keys=True).encode()).hexdigest()[:32]

    @functools.cache  # noqa: B019 - one instance per rendering; a handful of layouts
    def _text(self, path: Path) -> str:
        """A layout's text as it shows: comment lines left out and runs of whitespace as one (as a template's output)."""
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            return "?"  # unreadable: qm check reports the file; the poster cannot be drawn either
        return collapse(" ".join(line for line in text.splitlines() if not line.lstrip().startswith("#")))

    @functools.cache  # noqa: B019 - the logo and the photograph: asked once per rendering
    def _bytes(self, path: Path | None) -> str:
        """The logo or the photograph by its content (read once while the file is unchanged)."""
        return "" if path is None else file_digest(path)


def brand_files(brand: Brand, photo: Path | None) -> list[Path]:
    """The picture files the look reads (for fingerprints of a rendering's inputs)."""
    return [p for p in (brand.logo, photo) if p is not None]


def poster_words(item: ContentItem, values: dict[str, str], used: frozenset[str]) -> dict[str, object]:
    """What a post's pictures say: the words their layouts show (`used`; "*" for all), and what picks the illustration."""
    words = {"title": item.title, "headline": item.headline or item.title, "line": item.line, "summary": item.summary, **values}
    shown = {k: v for k, v in words.items() if k in used or "*" in used}
    return {**shown, "area": item.area, "topic": item.topic, "tags": list(item.tags)}
