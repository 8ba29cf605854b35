"""Each channel kind's platform rules: one function per kind that `qm check` and every publisher of
that kind (API, assisted, outbox) call, so a post the check passes is never refused at publishing.

    problems(config, payload, files) -> list[str]   empty when the post fits

`files` maps a post's image placeholders to their files (only those that exist, for the check).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from ..campaign import ChannelConfig, ScreenConfig, WeChatConfig, WeiboConfig
from . import screen_rules, wechat_rules, weibo_rules

Rules = Callable[[Any, Mapping[str, Any], Mapping[str, Path]], list[str]]
_RULES: tuple[tuple[type[ChannelConfig], Rules], ...] = (
    (WeChatConfig, wechat_rules.problems),
    (WeiboConfig, weibo_rules.problems),
    (ScreenConfig, screen_rules.problems),
)


def problems(config: ChannelConfig, payload: Mapping[str, Any], files: Mapping[str, Path]) -> list[str]:
    rules = next((r for t, r in _RULES if isinstance(config, t)), None)
    return [] if rules is None else rules(config, payload, files)
