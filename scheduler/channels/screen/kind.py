"""The outdoor screen kind (户外电子屏): a slide at the screen's pixel size, shown from its slot
until the wall goes dark; published through the outbox and the playlists of `scheduler/screens/`,
which the daemon rebuilds before each wall switches on (`preparation`)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ...inputs.campaign import ChannelConfig
from ...support.values import IMAGE_SCHEME, ImageRef
from ..kinds import Kind
from .config import ScreenConfig, read_screens

if TYPE_CHECKING:
    from ...inputs.campaign import Campaign
    from ...inputs.content import ContentItem
    from ...inputs.located_yaml import Mapping as YamlMapping
    from ...inputs.readers import Reader
    from ...planning.planner import PlannedPost
    from ...planning.slots import Slot
    from ...rendering.payloads import RenderedPost
    from ...runtime.clock import Clock
    from ...stats.sources import Source
    from ..timing import Deadline, Preparation


_NOT_DRAWN = (  # a command is never broken across lines
    '播放的画面还没有画出<br>后台服务会提前画好；急用请管理员运行 <span style="white-space:nowrap">qm posters</span> 或 '
    '<span style="white-space:nowrap">qm screen build</span>'
)


class ScreenKind(Kind):
    name = "screen"
    section = "screens"
    label = "户外电子屏"
    template = "screen/slide.html.j2"
    short_label = "电子屏"

    def read(self, r: Reader, channels: YamlMapping, window: tuple[dt.date, dt.date] | None) -> tuple[ChannelConfig, ...]:
        return read_screens(r, channels, window)

    def render(
        self, run: Callable[[dict[str, Any]], str], post: PlannedPost, channel: ChannelConfig, base: dict[str, Any]
    ) -> tuple[dict[str, Any], tuple[ImageRef, ...]]:
        from ...screens.playlist import screen_layout

        assert isinstance(channel, ScreenConfig)
        item = post.item
        html = run({**base, "screen": channel, "headline": item.headline, "line": item.line})
        size = f"{channel.width}x{channel.height}"
        image = ImageRef(f"{IMAGE_SCHEME}{item.id}/{channel.id}", item.id, screen_layout(post), size)
        payload = {
            "headline": item.headline,
            "line": item.line,
            "screen": channel.id,
            "size": size,
            "html": html.strip(),
            "image": image.ref,
        }
        return payload, (image,)

    def problems(self, config: ChannelConfig, payload: Mapping[str, Any], files: Mapping[str, Path]) -> list[str]:
        from . import rules

        assert isinstance(config, ScreenConfig)
        return rules.problems(config, payload, files)

    def texts(self, payload: Mapping[str, Any]) -> list[str]:
        return [str(payload["headline"]), str(payload["line"])]

    def preview(
        self, campaign: Campaign, post: PlannedPost, rendered: RenderedPost, src: Callable[[ImageRef], str], meta: str, findings: str
    ) -> str:
        from markupsafe import escape  # previews only: `qm plan` does not load it

        from ...views.day_preview import poster_file

        screen = campaign.channel(post.channel)
        assert isinstance(screen, ScreenConfig)
        p = rendered.payload
        frame = f'<div class="slide-frame" style="aspect-ratio:{screen.width}/{screen.height}">'
        slide = rendered.images[0]
        if poster_file(campaign, slide) is not None:  # the very picture the screen will play
            shown, note = f'<img src="{src(slide)}" alt="电子屏画面" style="width:100%;height:100%;display:block">', "播放的画面"
        else:  # the same box, with the slide's words in type a phone reads and how to draw the picture
            shown = (
                f'<div class="slide-todo" style="height:100%;box-sizing:border-box;display:flex;flex-direction:column;'
                f"justify-content:center;align-items:center;gap:6px;padding:8px 12px;text-align:center;"
                f'background:{escape(campaign.brand.primary)};color:#fff;line-height:1.35">'
                f'<b style="font-size:18px">{escape(p["headline"])}</b><span style="font-size:14px">{escape(p["line"])}</span>'
                f'<span style="font-size:13px;background:rgba(0,0,0,.45);padding:2px 8px;border-radius:4px">'
                f"{_NOT_DRAWN}</span></div>"
            )
            note = "画面尚未画出，上面是它的文字"
        return (
            f'<div class="slide-box">{frame}{shown}</div>'
            f'<div class="meta">{escape(self.channel_label(screen))}（{screen.width}×{screen.height}）｜{meta}｜{note}</div>{findings}</div>'
        )

    def channel_label(self, config: ChannelConfig) -> str:
        return getattr(config, "title", "") or config.name

    def title_of(self, item: ContentItem) -> str:
        return item.headline  # the slide's words: the title unless the item has a shorter one for screens

    def seen_until(self, campaign: Campaign, config: ChannelConfig, slot: Slot) -> dt.datetime:
        assert isinstance(config, ScreenConfig)
        return max(slot.at, campaign.at(slot.day, config.on_to))

    def deadline(self, campaign: Campaign, config: ChannelConfig, slot: Slot, due: dt.datetime) -> Deadline:
        """Late, a featured item still goes on its day's playlist while the wall is on (it is seen from its
        slot until the wall goes dark), whatever `grace_minutes` says; once the wall is dark it is missed."""
        from ..timing import Deadline

        assert isinstance(config, ScreenConfig)
        return Deadline(self.seen_until(campaign, config, slot), f"当天开屏时段（{config.on_from:%H:%M}-{config.on_to:%H:%M}）")

    def slot_count(self, campaign: Campaign, config: ChannelConfig, day: dt.date) -> int:
        """The wall features `launch_extra` more items on launch day."""
        assert isinstance(config, ScreenConfig)
        return config.per_slot + (config.launch_extra if day == campaign.key_dates.launch else 0)

    def preparation(self, config: ChannelConfig) -> Preparation | None:
        """The wall's playlist, rebuilt shortly before it switches on."""
        from ..timing import Preparation

        assert isinstance(config, ScreenConfig)
        return Preparation(config.id, config.on_from, f"{config.title or config.id}：开屏前更新播放列表")

    def stats_source(self, campaign: Campaign, config: ChannelConfig, env: Mapping[str, str], clock: Clock | None) -> Source | None:
        """Counted from proof of play, whatever the publisher."""
        from .stats import ScreenStats

        assert isinstance(config, ScreenConfig)
        return ScreenStats(config, campaign.paths.state, campaign.timezone, clock)

    def source_label(self, name: str) -> str:
        return f"电子屏 {name.partition(':')[2]}"


KIND = ScreenKind()
