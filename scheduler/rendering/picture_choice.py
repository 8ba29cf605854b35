"""The picture a template asks for: `{{ image('card', layout='mdj-card', size='wechat-square') }}` in the WeChat
article. A layout is named by its file in the item's poster family (templates/posters/mdj-card.yaml) or by its
Chinese label (明德街卡片), a size by any name `qm poster --size` takes; a name qm does not have stops the
rendering at the template's line, with the names there are (`TemplateCallError`)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .template_errors import TemplateCallError

if TYPE_CHECKING:
    from ..inputs.campaign import Campaign


def chosen(campaign: Campaign, area: str, role: str, layout: object, size: object, default: tuple[str, str]) -> tuple[str, str]:
    """(layout, size) of the picture `role` of an item of `area`: `default` for what the template did not name.
    Nothing is read when it named neither: the pictures are those of an earlier qm, their versions unchanged."""
    if layout is None and size is None:
        return default
    from ..inputs.config import SIZE_RE
    from ..poster import sizes  # only for a template that names a layout or size
    from ..poster.layout import family_folder, layout_named, load_layout
    from ..poster.prepared import refuse_unfit
    from ..support.errors import PosterError
    from ..support.suggest import did_you_mean

    family = campaign.posters.family_for(area)
    folder = family_folder(campaign.paths.templates, family)
    try:
        name = default[0] if layout is None else layout_named(folder, str(layout))
    except PosterError as exc:
        where = "" if family == "red" else f"；这条内容的海报属于 {family} 系列（config.yaml 的 posters），它的版式文件放在 {folder}"
        raise TemplateCallError(f"图片 {role} 的 layout：{exc}{where}") from exc
    at = default[1] if size is None else sizes.canonical(str(size), campaign)
    known = sizes.names(campaign)
    if at not in known and not SIZE_RE.match(at):
        guess = did_you_mean(at, known)
        raise TemplateCallError(
            f"图片 {role} 的 size：没有海报尺寸 {at!r}{f'（{guess}）' if guess else ''}，可用 {'、'.join(known)}，或写作 宽x高，如 1080x1080"
        )
    try:
        refuse_unfit(campaign, load_layout(folder, name), sizes.resolve(at, campaign))
    except PosterError as exc:
        raise TemplateCallError(f"图片 {role}：{exc}") from exc
    return name, at
