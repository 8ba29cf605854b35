"""Publishing channels and the factory that picks one for each configured channel.

A channel module registers a maker for a (channel kind, publisher) pair:

    @register("wechat", "api")
    def make(campaign: Campaign, config: ChannelConfig, images: ImageSource) -> Channel: ...

`images` yields the file of an image reference (posters, drawn when missing): the daemon and the
CLI hand it over, so a channel never loads content or draws posters itself.

The modules in `PLUGINS` (the API publishers) are imported on first use and register themselves;
the outbox serves every registered kind (`channels/kinds/`) with `publisher: outbox`, checking
each post against its kind's platform rules first.
"""

from __future__ import annotations

import datetime as dt
import importlib
from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING

from ..inputs.campaign import Campaign, ChannelConfig
from ..support.errors import ConfigError, Problem, QmError

if TYPE_CHECKING:  # `qm plan` reads the channel kinds (channels.kinds) without loading the publishers
    from ..support.values import ImageSource
    from .base import Channel

Maker = Callable[[Campaign, ChannelConfig, "ImageSource"], "Channel"]
PLUGINS = ("scheduler.channels.wechat", "scheduler.channels.weibo")
_makers: dict[tuple[str, str], Maker] = {}
_plugins_loaded = False


def register(kind: str, publisher: str) -> Callable[[Maker], Maker]:
    def decorate(maker: Maker) -> Maker:
        _makers[(kind, publisher)] = maker
        return maker

    return decorate


def _outbox(campaign: Campaign, config: ChannelConfig, images: ImageSource) -> Channel:
    from . import rules
    from .images import PostImages
    from .outbox import OutboxChannel

    def now() -> dt.datetime:
        return dt.datetime.now(campaign.timezone)

    return OutboxChannel(
        config.name, campaign.paths.state / "outbox", now=now, images=PostImages(images), check=partial(rules.problems, config)
    )


def _load_plugins() -> None:
    global _plugins_loaded
    if _plugins_loaded:
        return
    _plugins_loaded = True
    for module in PLUGINS:
        importlib.import_module(module)


def make_channel(campaign: Campaign, config: ChannelConfig, images: ImageSource) -> Channel:
    if config.publisher == "outbox" and (config.kind, "outbox") not in _makers:
        return _outbox(campaign, config, images)  # every kind; no plugin (nor the HTTP client) needed
    if (config.kind, config.publisher) not in _makers:
        _load_plugins()
    maker = _makers.get((config.kind, config.publisher))
    if maker is None:
        available = sorted({"outbox", *(p for k, p in _makers if k == config.kind)})
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
