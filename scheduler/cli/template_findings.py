"""The check's findings against planned posts, with those a channel's template causes told once.

A finding (the same reason, word for word) that at least SHARE of a channel's planned posts and at least
LEAST of them have comes from what those posts share, the channel's template (or its config), not from
their content: it is reported once, at the template file (and the line that holds the words it quotes),
with how many posts it affects. The others are reported per post, pointing at the content."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from ..channels.kinds import kind_named
from ..rendering.lint import quoted
from ..support.errors import Problem

if TYPE_CHECKING:
    from ..inputs.campaign import Campaign
    from ..planning.planner import PlannedPost

SHARE = 0.8
LEAST = 3


def post_problems(campaign: Campaign, posts: Sequence[PlannedPost], found: Sequence[tuple[PlannedPost, str]]) -> list[Problem]:
    """`found`: (post, reason) for each finding against one of `posts` (the plan's). The template's first."""
    planned = Counter(post.channel for post in posts)
    having = dict.fromkeys((post.channel, post.id, reason) for post, reason in found)  # each post once, in order
    shared = Counter((channel, reason) for channel, _post_id, reason in having)
    common = [key for key, n in shared.items() if n >= LEAST and n >= SHARE * planned[key[0]]]
    out = [_template_problem(campaign, channel, reason, shared[channel, reason], planned[channel]) for channel, reason in common]
    for post, reason in found:
        if (post.channel, reason) not in common:
            where = post.item.where_text(quoted(reason))
            out.append(Problem(reason, f"{post.id}（{post.channel}）", f"修改内容 {post.item.id}（{where}），或该渠道的模板"))
    return out


def _template_problem(campaign: Campaign, channel: str, reason: str, count: int, planned: int) -> Problem:
    config = campaign.channel(channel)
    kind = kind_named(config.kind) if config is not None else None
    if config is None or kind is None or not kind.template:  # an unknown channel: its own finding says so
        return Problem(reason, channel, f"排期中这个渠道的 {count} 条内容都是这样")
    label = kind.channel_label(config) + ("" if channel == kind.name else f"（{channel}）")
    path = campaign.paths.templates / kind.template
    share = f"排期中的 {planned} 条{label}都是这样" if count == planned else f"排期中的 {planned} 条{label}有 {count} 条是这样"
    return Problem(reason, f"{path}{_line(path, quoted(reason))}", f"{share}：改模板，不是改内容")


def _line(path: Path, words: str) -> str:
    """The ":N" of the first line of the template file holding `words`; "" when none does (or none are quoted)."""
    if not words:
        return ""
    try:
        with path.open(encoding="utf-8") as f:
            for number, text in enumerate(f, 1):
                if words in text:
                    return f":{number}"
    except (OSError, UnicodeDecodeError):
        pass
    return ""
