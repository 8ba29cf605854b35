"""Channel kinds and their registry: everything that knows one kind of channel, in one object.

A kind (WeChat, Weibo, a screen, or one added later) lives in one package (`channels/<kind>/`) and
hands the registry one object saying how its section of config.yaml is read, how a planned post
becomes its payload, which platform rules the payload must keep (one function, called by `qm check`
and by every publisher), what text the editorial checks read, how a preview shows it, which
publishers it has besides the outbox, and the hooks the planner, the daemon and the statistics call
(extra items on a day, work prepared before a time, warnings for staff, a post moved for a quota,
a statistics source). Nothing outside the kind's package tests for a kind by name. See
CONTRIBUTING.md, "Adding a channel kind".
"""

from __future__ import annotations

import datetime as dt
import importlib
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ..fakes.platforms import Simulated
    from ..inputs.campaign import Campaign, ChannelConfig
    from ..inputs.content import ContentItem
    from ..inputs.located_yaml import Mapping as YamlMapping
    from ..inputs.readers import Reader
    from ..planning.planner import Plan, PlannedPost
    from ..planning.slots import Slot
    from ..publishing.queue import Queue
    from ..rendering.payloads import RenderedPost
    from ..runtime.clock import Clock
    from ..stats.sources import Source
    from ..support.notify import Notice
    from ..support.values import ImageRef, ImageSource
    from .base import Channel
    from .timing import Deadline, Postponed, Preparation

Maker = Callable[["Campaign", "ChannelConfig", "ImageSource"], "Channel"]


class Kind:
    """One kind of channel. Subclasses set the names and implement what differs."""

    name = ""  # the kind's name: "wechat"; channels are named "<name>" or "<name>:<id>"
    section = ""  # its key under `channels:` in config.yaml (defaults to `name`)
    settings: tuple[tuple[str, tuple[str, ...]], ...] = ()  # a finding's opening words -> its keys (`settings_behind`)
    label = ""  # what people call it: 微信公众号
    template = ""  # its template under templates/: "wechat/article.html.j2"
    short_label = ""  # what a list calls it, briefly: 公众号 (defaults to `label`)
    needs_body = False  # its posts carry an item's body: an item without one may not go to it
    # payload fields it computes from the others (a length count): not part of a post's version, so
    # a new way of counting sends nothing back to review
    derived: frozenset[str] = frozenset()
    # its publishers besides the outbox (`publisher:` in config.yaml), each the module of the kind's
    # package whose `make` builds the channel: imported only when one is made
    publishers: Mapping[str, str] = {}

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

    def settings_behind(self, reason: str) -> tuple[str, ...]:
        """The keys of the kind's section of config.yaml (`limits.title`) that set what `reason`, one of
        its findings, measures against, most likely first (`settings`: by the finding's opening words).
        `qm check` points a finding most of the channel's posts share at the first of them config.yaml
        writes, rather than at the template."""
        return next((keys for opening, keys in self.settings if reason.startswith(opening)), ())

    def texts(self, payload: Mapping[str, Any]) -> list[str]:
        """The words readers see, for the editorial checks (sensitive words, hotlines, wording)."""
        return []

    def preview(
        self, campaign: Campaign, post: PlannedPost, rendered: RenderedPost, src: Callable[[ImageRef], str], meta: str, findings: str
    ) -> str:
        """The post as readers see it, in HTML (`src`: an image's address; `meta`: time, area, id;
        `findings`: the check's verdict, to show under it). Escape what comes from content."""
        raise NotImplementedError

    def summary(self, payload: Mapping[str, Any]) -> str:
        """What a one-line listing of a post (`qm preview` in the terminal) shows after its title."""
        return ""

    def title_of(self, item: ContentItem) -> str:
        """What a post of `item` is called in lists: the title its readers see (a screen shows its headline)."""
        return item.title

    def channel_label(self, config: ChannelConfig) -> str:
        return self.label or config.name

    def seen_until(self, campaign: Campaign, config: ChannelConfig, slot: Slot) -> dt.datetime:
        """Until when people see a post put out in `slot` (a screen shows it until the wall goes dark)."""
        return slot.at

    def deadline(self, campaign: Campaign, config: ChannelConfig, slot: Slot, due: dt.datetime) -> Deadline:
        """Until when a post of `slot`, due at `due` (its slot time, or when a person sent it again), may
        still go out late: by default the channel's `grace_minutes` after `due`."""
        from .timing import Deadline

        return Deadline(due + dt.timedelta(minutes=config.grace_minutes), f"补发时限（{config.grace_minutes} 分钟）")

    def publisher(self, name: str) -> Maker | None:
        """What makes this kind's channel for `publisher: <name>` (one of `publishers`; the outbox
        serves every kind). Imported only when asked: `qm plan` never loads an HTTP client."""
        module = self.publishers.get(name)
        if module is None:
            return None
        package = type(self).__module__.rpartition(".")[0]
        maker: Maker = importlib.import_module(f"{package}.{module}").make
        return maker

    def slot_count(self, campaign: Campaign, config: ChannelConfig, day: dt.date) -> int:
        """How many posts each of the channel's slot times holds on `day`."""
        return config.per_slot

    def preparation(self, config: ChannelConfig) -> Preparation | None:
        """Work the daemon does ahead each day for this channel, besides its regular watch."""
        return None

    def notices(self, campaign: Campaign, config: ChannelConfig, today: dt.date, queue: Queue | None) -> dict[str, Notice]:
        """Warnings staff should get before a post's time (a token about to expire; with the `queue`,
        what its posts will run into), each under a key of its own: the daemon sends each key once."""
        return {}

    def postponements(self, campaign: Campaign, config: ChannelConfig, plan: Plan) -> list[Postponed]:
        """The planned posts the channel will not be able to take at their time (`qm check`, `qm plan`)."""
        return []

    def postponement(self, campaign: Campaign, config: ChannelConfig, queue: Queue, post_id: str) -> Postponed | None:
        """Whether the daemon must move this post, due now, to a later slot rather than send it."""
        return None

    def stats_source(self, campaign: Campaign, config: ChannelConfig, env: Mapping[str, str], clock: Clock | None) -> Source | None:
        """Where the channel's figures come from, or None (no API, no credentials)."""
        return None

    def simulated(self, config: ChannelConfig) -> Simulated | None:
        """How `qm simulate` runs the channel's own publisher against a stand-in (a local fake server,
        simulated staff); None: the simulation's counting platform stands in for it."""
        return None

    def source_label(self, name: str) -> str:
        """What a person calls the statistics source of the channel named `name`."""
        return self.short_label or self.label or name


BUILTIN = ("wechat", "weibo", "screen")  # the packages beside this module that hold the built-in kinds
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
    for name in BUILTIN:
        kind: Kind = importlib.import_module(f"{__package__}.{name}").KIND
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


def post_title(channel: str, item: ContentItem) -> str:
    """What a post of `item` on `channel` ("<kind>" or "<kind>:<id>") is called: the console's pages and
    the work summary name a post alike (a screen post by its headline)."""
    kind = kind_named(channel.split(":", 1)[0])
    return kind.title_of(item) if kind is not None else item.title


def kind_of(config: ChannelConfig) -> Kind:
    found = kind_named(config.kind)
    if found is None:
        raise LookupError(f"unknown channel kind {config.kind!r}")
    return found


def label_of(campaign: Campaign, channel: str) -> str:
    """What staff call `channel` (微博; a screen's display name, 市中心户外大屏), with its name in config.yaml where that
    alone would not tell which: another channel is called the same (two screens named 户外大屏: 户外大屏（screen:east）),
    or it has no name of its own (a screen without one: 户外电子屏（screen:center）); the name itself when config.yaml
    does not have it (any more). The one way every message names a channel."""
    config = campaign.channel(channel)
    kind = kind_named(config.kind) if config is not None else None
    if kind is None or config is None:
        return channel
    label = kind.channel_label(config)
    if label == channel:
        return f"{kind.label}（{channel}）" if kind.label else channel
    same = [c for c in campaign.channels if (k := kind_named(c.kind)) is not None and k.channel_label(c) == label]
    return f"{label}（{channel}）" if len(same) > 1 else label


def named_channel(campaign: Campaign, channel: str) -> str:
    """A channel in a message staff read: what they call it, then always its name in config.yaml (微信公众号（wechat）)."""
    label = label_of(campaign, channel)
    return label if label == channel or label.endswith(f"（{channel}）") else f"{label}（{channel}）"
