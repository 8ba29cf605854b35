"""Channel kinds and their registry: everything that knows one kind of channel, in one object.

A kind (WeChat, Weibo, a screen, or one added later) says how its section of config.yaml is read,
how a planned post becomes its payload, which platform rules the payload must keep (one function,
called by `qm check` and by every publisher), what text the editorial checks read, and how a
preview shows it. Render, check, preview, export and publishing ask the registry, never test for a
kind by name. See CONTRIBUTING.md, "Adding a channel kind".
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import datetime as dt

    from ...inputs.campaign import Campaign, ChannelConfig
    from ...inputs.located_yaml import Mapping as YamlMapping
    from ...inputs.readers import Reader
    from ...planning.planner import PlannedPost
    from ...planning.slots import Slot
    from ...rendering.payloads import RenderedPost
    from ...support.values import ImageRef


class Kind:
    """One kind of channel. Subclasses set the names and implement what differs."""

    name = ""  # the kind's name: "wechat"; channels are named "<name>" or "<name>:<id>"
    section = ""  # its key under `channels:` in config.yaml (defaults to `name`)
    label = ""  # what people call it: 微信公众号
    template = ""  # its template under templates/: "wechat/article.html.j2"

    def read(self, r: Reader, channels: YamlMapping, window: tuple[dt.date, dt.date] | None) -> tuple[ChannelConfig, ...]:
        """The configured channels of this kind from `channels:` (problems reported to `r`)."""
        raise NotImplementedError

    def render(
        self, run: Callable[[dict[str, Any]], str], post: PlannedPost, channel: ChannelConfig, base: dict[str, Any]
    ) -> tuple[dict[str, Any], tuple[ImageRef, ...]]:
        """The payload of a post and the images it needs; `run(context)` renders the kind's template."""
        raise NotImplementedError

    def problems(self, config: ChannelConfig, payload: Mapping[str, Any], files: Mapping[str, Path]) -> list[str]:
        """Every reason the platform would refuse this payload (`files`: its image files that exist)."""
        return []

    def advice(self, config: ChannelConfig, payload: Mapping[str, Any]) -> list[str]:
        """What only the check points out (the platform accepts it, readers would suffer)."""
        return []

    def texts(self, payload: Mapping[str, Any]) -> list[str]:
        """The words readers see, for the editorial checks (sensitive words, hotlines, wording)."""
        return []

    def preview(
        self, campaign: Campaign, post: PlannedPost, rendered: RenderedPost, src: Callable[[ImageRef], str], meta: str, findings: str
    ) -> str:
        """The post as readers see it, in HTML (`src`: an image's address; `meta`: time, area, id;
        `findings`: the check's verdict, to show under it). Escape what comes from content."""
        raise NotImplementedError

    def channel_label(self, config: ChannelConfig) -> str:
        return self.label or config.name

    def seen_until(self, campaign: Campaign, config: ChannelConfig, slot: Slot) -> dt.datetime:
        """Until when people see a post put out in `slot` (a screen shows it until the wall goes dark)."""
        return slot.at


_kinds: dict[str, Kind] = {}
_builtins_loaded = False


def register_kind(kind: Kind) -> Kind:
    """Make a kind known: config.yaml may then configure it under `channels.<section>`."""
    _load_builtins()
    if not kind.section:
        kind.section = kind.name
    _kinds[kind.name] = kind
    return kind


def unregister_kind(name: str) -> None:
    _kinds.pop(name, None)


def _load_builtins() -> None:
    global _builtins_loaded
    if _builtins_loaded:
        return
    _builtins_loaded = True
    from . import screen, wechat, weibo

    for kind in (wechat.KIND, weibo.KIND, screen.KIND):
        kind.section = kind.section or kind.name
        _kinds.setdefault(kind.name, kind)


def kinds() -> tuple[Kind, ...]:
    _load_builtins()
    return tuple(_kinds.values())


def kind_names() -> tuple[str, ...]:
    return tuple(k.name for k in kinds())


def kind_named(name: str) -> Kind | None:
    _load_builtins()
    return _kinds.get(name)


def kind_of(config: ChannelConfig) -> Kind:
    found = kind_named(config.kind)
    if found is None:
        raise LookupError(f"unknown channel kind {config.kind!r}")
    return found
