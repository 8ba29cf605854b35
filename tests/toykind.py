"""A channel kind that lives only in the test tree: a short note on a notice board.

It proves that a kind is one object the registry hands out: registering it is all it takes for
config.yaml to configure it, and for planning, rendering, `qm check`, the preview and the outbox
to handle it, with no file under scheduler/ knowing its name.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from markupsafe import escape

from scheduler.channels.kinds import Kind
from scheduler.inputs.campaign import Campaign, ChannelConfig
from scheduler.inputs.config import COMMON_CHANNEL_KEYS, common_channel
from scheduler.inputs.located_yaml import Mapping as YamlMapping
from scheduler.inputs.readers import Reader
from scheduler.planning.planner import PlannedPost
from scheduler.rendering.payloads import RenderedPost
from scheduler.support.values import ImageRef

TEMPLATE = "{{ toy.greeting }}{{ item.title }}（{{ campaign.hotline }}）"


@dataclass(frozen=True)
class BoardConfig(ChannelConfig):
    greeting: str = ""
    limit: int = 60  # the board's note holds this many characters


class BoardKind(Kind):
    name = "board"
    label = "公告栏"
    template = "board/note.txt.j2"
    derived = frozenset({"chars"})  # counted from the note: not part of a post's version

    def read(self, r: Reader, channels: YamlMapping, window: tuple[dt.date, dt.date] | None) -> tuple[ChannelConfig, ...]:
        m = r.section(channels, "board", "channels", required=False)
        if m is None:
            return ()
        path = "channels.board"
        r.keys(m, path, (*COMMON_CHANNEL_KEYS, "greeting", "limit"))
        common = common_channel(r, m, path, window)
        greeting, limit = r.text(m, "greeting", path, ""), r.integer(m, "limit", path, 60, lo=1, hi=500)
        return (BoardConfig(name="board", greeting=greeting, limit=limit, **common),)  # type: ignore[arg-type]

    def render(
        self, run: Callable[[dict[str, Any]], str], post: PlannedPost, channel: ChannelConfig, base: dict[str, Any]
    ) -> tuple[dict[str, Any], tuple[ImageRef, ...]]:
        note = run({**base, "toy": channel}).strip()
        return {"note": note, "chars": len(note)}, ()

    def problems(self, config: ChannelConfig, payload: Mapping[str, Any], files: Mapping[str, Path]) -> list[str]:
        assert isinstance(config, BoardConfig)
        note = str(payload.get("note", ""))
        return [f"公告超过 {config.limit} 字（现为 {len(note)} 字）"] if len(note) > config.limit else []

    def texts(self, payload: Mapping[str, Any]) -> list[str]:
        return [str(payload["note"])]

    def preview(
        self, campaign: Campaign, post: PlannedPost, rendered: RenderedPost, src: Callable[[ImageRef], str], meta: str, findings: str
    ) -> str:
        return f'<div class="card board"><div class="text">{escape(rendered.payload["note"])}</div><div class="meta">{meta}</div>{findings}</div>'


KIND = BoardKind()
