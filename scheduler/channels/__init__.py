"""Publishing channels and the factory that makes one for each configured channel.

A channel kind (`kinds.py`, one package per kind: `wechat/`, `weibo/`, `screen/`) names its
publishers besides the outbox and makes them when asked (`Kind.publisher`), so a publisher's module,
and the HTTP client, load only when a channel on it is made. Another publisher for an existing kind
may be added from outside with

    @register("wechat", "pigeon")
    def make(campaign: Campaign, config: ChannelConfig, images: ImageSource) -> Channel: ...

`images` yields the file of an image reference (posters, drawn when missing): the daemon and the
CLI hand it over, so a channel never loads content or draws posters itself.

The outbox serves every registered kind with `publisher: outbox`, checking each post against its
kind's platform rules first. Kind-neutral pieces live beside this module: the channel interface
(`base`), the outbox, the HTTP plumbing the API publishers share (`api`, `api_config`), image
files (`images`), the fake platform of the simulation (`fake`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING

from ..inputs.campaign import Campaign, ChannelConfig
from ..support.errors import ConfigError, Problem, QmError
from .kinds import Maker, kind_of

if TYPE_CHECKING:  # `qm plan` reads the channel kinds (channels.kinds) without loading the publishers
    from ..support.values import ImageSource
    from .base import Channel

_makers: dict[tuple[str, str], Maker] = {}


def register(kind: str, publisher: str) -> Callable[[Maker], Maker]:
    def decorate(maker: Maker) -> Maker:
        _makers[(kind, publisher)] = maker
        return maker

    return decorate


def _outbox(campaign: Campaign, config: ChannelConfig, images: ImageSource) -> Channel:
    from . import rules
    from .images import PostImages
    from .kinds import label_of
    from .outbox import OutboxChannel

    def now() -> dt.datetime:
        return dt.datetime.now(campaign.timezone)

    check, label = partial(rules.problems, config), label_of(campaign, config.name)
    return OutboxChannel(config.name, campaign.paths.state / "outbox", now=now, images=PostImages(images), check=check, label=label)


def make_channel(campaign: Campaign, config: ChannelConfig, images: ImageSource) -> Channel:
    kind = kind_of(config)
    maker = _makers.get((config.kind, config.publisher)) or kind.publisher(config.publisher)
    if maker is None and config.publisher == "outbox":
        return _outbox(campaign, config, images)  # every kind; no publisher module (nor the HTTP client) needed
    if maker is None:
        available = sorted({"outbox", *kind.publishers, *(p for k, p in _makers if k == config.kind)})
        raise ConfigError(
            f"渠道 {config.name} 的发布方式 publisher: {config.publisher} 还不可用（可用：{'、'.join(available)}；修改 config.yaml 中 channels 的 publisher）"
        )
    return maker(campaign, config, images)


def make_channels(campaign: Campaign, images: ImageSource) -> dict[str, Channel]:
    """Every configured channel; what is missing (secrets, settings) is reported for all channels at once."""
    made: dict[str, Channel] = {}
    problems: list[Problem] = []
    for config in campaign.channels:
        try:
            made[config.name] = make_channel(campaign, config, images)
        except QmError as exc:
            problems += exc.problems or [Problem(str(exc))]
    if problems:
        for channel in made.values():
            channel.close()
        raise ConfigError(f"有 {len(problems)} 个渠道无法启动", problems)
    return made
