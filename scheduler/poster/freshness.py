"""Whether a poster file on disk shows what its post says now.

A poster drawn before an editor changed the item's words (or the hotline, the layout, the brand) is
still on disk until something draws it again. Its file must never go out in place of the new one,
nor be shown to a reviewer as if it were current. A poster is current when the key it was drawn
under (kept beside it, see `cache.py`) is the key its inputs give now. Computing the key reads the
layout, the words and the font files' identities: no drawing code (Pillow) is loaded.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from ..inputs.campaign import Campaign
from ..inputs.content import ContentItem
from ..support.errors import QmError
from ..support.values import ImageRef, drawn_at
from . import cache, fonts, job_for
from .layout import family_folder, layout_label
from .prepared import prepare
from .sizes import size_label
from .texts import PosterText

OUT_OF_DATE = (
    "海报图片还是改动前画的，现在看到的不是将要发布的样子：运行 qm posters（审核台上按这条内容下的“重画海报”）重画，"
    "看过新图片后再审核（改动前画的海报不能审核通过）"
)


def is_current(
    campaign: Campaign, source: ContentItem | PosterText, image: ImageRef, font_files: Sequence[fonts.FontFile] | None = None
) -> bool:
    """True when the poster for `image` is on disk and was drawn from the inputs it has now."""
    key = _key_now(campaign, source, image, font_files)
    return key is not None and cache.fresh_files(*key) is not None


def drawn_from_now(campaign: Campaign, item: ContentItem, image: ImageRef, name: str, data: bytes) -> bool:
    """True when `data`, read from the poster file `name` of `image`, was drawn from the inputs it has now."""
    key = _key_now(campaign, item, image)
    return key is not None and cache.drawn_as(*key, name, data)


def _key_now(
    campaign: Campaign, source: ContentItem | PosterText, image: ImageRef, font_files: Sequence[fonts.FontFile] | None = None
) -> tuple[Path, str] | None:
    """Where the poster for `image` is kept and the key its inputs give now; None when its layout does not
    load or fit (drawing it again says why)."""
    job = job_for(campaign, source, image)
    try:
        prepared = prepare(campaign, job, font_files if font_files is not None else fonts.candidates(campaign.brand.font))
    except QmError:
        return None
    return job.out, prepared.key


def drawn_stamp(campaign: Campaign, item: ContentItem, images: Sequence[ImageRef]) -> tuple[int, ...]:
    """When each poster of `images` was drawn and when the layout file it is drawn from last changed (ns, 0
    for a missing file): a stat each, nothing read. A verdict of `out_of_date` kept under this stamp (and
    the words) holds until a poster is drawn again or a layout template is edited."""
    folder = family_folder(campaign.paths.templates, campaign.posters.family_for(item.area))
    return tuple(t for image in images for t in (drawn_at(campaign.paths.posters, image), _changed_at(folder / f"{image.layout}.yaml")))


def _changed_at(path: Path) -> int:
    try:
        return path.stat().st_mtime_ns
    except OSError:
        return 0


def out_of_date(campaign: Campaign, item: ContentItem, images: Sequence[ImageRef]) -> list[ImageRef]:
    """The images of `item` whose poster is on disk but was drawn from other inputs (missing ones are not
    out of date: they are drawn when needed, and pages say they are not drawn yet)."""
    drawn = [image for image in images if drawn_at(campaign.paths.posters, image)]
    if not drawn:
        return []
    font_files = fonts.candidates(campaign.brand.font)
    return [image for image in drawn if not is_current(campaign, item, image, font_files)]


def named(campaign: Campaign, item: ContentItem, images: Sequence[ImageRef]) -> str:
    """The pictures as staff call them: 方图“知识卡片（知识单）”、公众号封面“知识卡片（知识单）” (a layout that does
    not load: its file name)."""
    folder = family_folder(campaign.paths.templates, campaign.posters.family_for(item.area))
    return "、".join(f"{size_label(i.size)}“{layout_label(folder, i.layout)}”" for i in images)


def unseen(
    campaign: Campaign, post_id: str, item: ContentItem | None, images: Sequence[ImageRef], old: Sequence[ImageRef] | None = None
) -> str:
    """Why `post_id` may not be approved: a poster of it on disk shows words from before a change, so the
    reviewer could not see the picture that would go out; "" when none does (or the item is gone). `old`:
    those of `images` out of date, when the caller knows them (the console keeps them: `pages.posts.Checks`)."""
    if item is not None and old is None:
        old = out_of_date(campaign, item, images)
    if item is None or not old:
        return ""
    return (
        f"{post_id} 的海报{named(campaign, item, old)}还是改动前画的，你看到的图片不是将要发布的样子，没有审核通过："
        "请先重画（运行 qm posters，或在审核台按这条内容下的“重画海报”），看过新图片后再审核"
    )
