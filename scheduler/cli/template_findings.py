"""The check's findings against planned posts, with those a channel's template causes told once.

A finding (the same reason, word for word) that at least SHARE of a channel's planned posts and at least
LEAST of them have comes from what those posts share, the channel's template (or its config), not from
their content: it is reported once, at the template file (and the line that holds the words it quotes),
or at the line of config.yaml that sets the limit it breaks, with how many posts it affects. The others
are reported per post, pointing at the content."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from ..channels.kinds import kind_named, label_of
from ..inputs.content import TEXT_FIELDS
from ..rendering.lint import about_timing, as_written, quoted
from ..support.errors import Problem

if TYPE_CHECKING:
    from ..inputs.campaign import Campaign, Pin
    from ..inputs.content import ContentItem
    from ..planning.planner import PlannedPost

SHARE = 0.8
LEAST = 3
MOST_NAMED = 6  # posts named in a finding several posts of one item share


def post_problems(campaign: Campaign, posts: Sequence[PlannedPost], found: Sequence[tuple[PlannedPost, str]]) -> list[Problem]:
    """`found`: (post, reason) for each finding against one of `posts` (the plan's). The template's first."""
    from ..planning.plan_checks import pin_of  # loaded by every command that checks posts already

    planned = Counter(post.channel for post in posts)
    having = dict.fromkeys((post.channel, post.id, reason) for post, reason in found)  # each post once, in order
    shared = Counter((channel, reason) for channel, _post_id, reason in having)
    common = [key for key, n in shared.items() if n >= LEAST and n >= SHARE * planned[key[0]]]
    setting = _Settings(campaign)
    out = [_template_problem(campaign, setting, channel, reason, shared[channel, reason], planned[channel]) for channel, reason in common]
    alike: dict[tuple[str, str, str, tuple[str, str] | None, bool], list[PlannedPost]] = {}  # one content mistake, its posts
    for post, reason in found:
        if (post.channel, reason) in common:
            continue
        if about_timing(reason) and (pin := pin_of(campaign, post)) is not None:
            out.append(_pin_problem(campaign, post, pin, reason))
        else:
            in_item = next((said for text in _texts(post.item) if (said := as_written(reason, text))), "")  # as the file writes it
            key = (
                post.item.id,
                in_item or reason,
                post.item.where_text(quoted(in_item or reason)),
                setting(post.channel, reason),
                bool(in_item),
            )
            alike.setdefault(key, []).append(post)
    return out + [_content_problem(campaign, *key, posts) for key, posts in alike.items()]


def _texts(item: ContentItem) -> tuple[str, ...]:
    """The item's words a finding may quote, in the order `ContentItem.where_text` looks through them."""
    return (*(getattr(item, name) for name in TEXT_FIELDS), item.body)


def _content_problem(
    campaign: Campaign, item: str, reason: str, where: str, written: tuple[str, str] | None, own: bool, posts: list[PlannedPost]
) -> Problem:
    """A finding in an item's words, told once however many of its posts carry it: at the post when one does,
    else at the content's line with the posts listed. `own`: the words it quotes are the item's own, so the
    template is not to blame."""
    channels = {post.channel for post in posts}
    at = f"（{where}）" if len(posts) == 1 else ""  # several: the finding is said at that line
    template = "" if own else f"，或{'该渠道' if len(channels) == 1 else '这些渠道'}的模板"
    hint = f"修改内容 {item}{at}{template}"
    if written:  # a limit config.yaml lowered, say
        hint += f"；这个限制来自 config.yaml 的 {written[0]}（{written[1]}）"
    if len(posts) == 1:
        return Problem(reason, f"{posts[0].id}（{label_of(campaign, posts[0].channel)}）", hint)
    named = "、".join(f"{post.id}（{label_of(campaign, post.channel)}）" for post in posts[:MOST_NAMED]) + (
        " 等" if len(posts) > MOST_NAMED else ""
    )
    return Problem(reason, where, f"{len(posts)} 条排期：{named}；{hint}")


def _pin_problem(campaign: Campaign, post: PlannedPost, pin: Pin, reason: str) -> Problem:
    """A post at the wrong time for its words because a pin puts it there (the launch moved since, say): the pin
    is what to change, at its config.yaml line, not the content or the template."""
    at = post.at.astimezone(campaign.timezone)
    hint = (
        f"这条是 config.yaml 的 pins 固定在 {at:%Y-%m-%d %H:%M} 的（{post.id}，{label_of(campaign, post.channel)}）：把这个 pin 的 date"
        f"（或 time）改到与文案相符的时候（启动活动是 {campaign.launch_label}），或删去这个 pin；不是改内容或模板"
    )
    return Problem(reason, pin.date_where or pin.where, hint)


def _template_problem(campaign: Campaign, setting: _Settings, channel: str, reason: str, count: int, planned: int) -> Problem:
    config = campaign.channel(channel)
    kind = kind_named(config.kind) if config is not None else None
    if config is None or kind is None or not kind.template:  # an unknown channel: its own finding says so
        return Problem(reason, channel, f"排期中这个渠道的 {count} 条内容都是这样")
    label = label_of(campaign, channel)
    path = campaign.paths.templates / kind.template
    share = f"排期中的 {planned} 条{label}都是这样" if count == planned else f"排期中的 {planned} 条{label}有 {count} 条是这样"
    if written := setting(channel, reason):  # a limit or a value config.yaml writes
        return Problem(reason, written[1], f"{share}：来自 config.yaml 的 {written[0]}：改这一项，不是改内容或模板")
    return Problem(reason, f"{path}{_line(path, quoted(reason))}", f"{share}：改模板，不是改内容")


class _Settings:
    """(its dotted key, its file:line) of the first of the settings behind a channel's finding
    (`Kind.settings_behind`) that config.yaml writes; None when it writes none of them (the defaults).
    config.yaml is read again for its lines, once, and only when a finding has settings behind it."""

    def __init__(self, campaign: Campaign) -> None:
        self._campaign = campaign
        self._data: object = None

    def __call__(self, channel: str, reason: str) -> tuple[str, str] | None:
        config = self._campaign.channel(channel)
        kind = kind_named(config.kind) if config is not None else None
        keys = kind.settings_behind(reason) if kind is not None else ()
        if kind is None or not keys:
            return None
        from ..inputs.located_yaml import Mapping, YamlSyntaxError, load

        if self._data is None:
            try:
                self._data = load(self._campaign.config_path)
            except YamlSyntaxError:  # changed since it was read a moment ago: the template is the next best place
                self._data = False
        for key in keys:
            parts = ["channels", kind.section, *key.split(".")]
            node = self._data
            for part in parts[:-1]:
                node = node.get(part) if isinstance(node, Mapping) else None
            if isinstance(node, Mapping) and parts[-1] in node:
                return ".".join(parts), node.where(parts[-1])
        return None


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
