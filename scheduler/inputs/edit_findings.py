"""What the checks of `qm check` say of an item's edited words, told under the form's fields.

A post's finding quotes the words it is about: it is told under every field that writes them (a word in
the title and again in the body is told twice, once under each), a body only for the channels that carry
it. Words posters and print sheets show are checked planned or not; a body only where the item may go to
a channel that publishes it (WeChat), planned now or not, since the plan may put it there later."""

from __future__ import annotations

import dataclasses
from collections.abc import Hashable, Mapping
from typing import TypeVar

from ..channels.kinds import kind_named, label_of
from ..planning.planner import Plan
from ..rendering.lint import BODY_HINT, PRINTED_HINT, PRINTED_PLACES, as_written, body_words, lint_post, printed_words, quoted
from ..rendering.payloads import Renderer
from ..support.errors import QmError
from .campaign import Campaign
from .content import ContentItem
from .content_edit import EDITABLE, FIELD_LABELS

GENERAL = ""  # problems that concern no single field
K = TypeVar("K", bound=Hashable)


def add(by_key: dict[K, list[str]], key: K, message: str) -> None:
    if message not in by_key.setdefault(key, []):
        by_key[key].append(message)


def post_findings(campaign: Campaign, plan: Plan, renderer: Renderer, item: ContentItem, by_field: dict[str, list[str]]) -> None:
    """Add to `by_field` what the checks find in the posts the plan makes of `item` and in its printed words."""
    values = {f: getattr(item, f) for f in EDITABLE}
    said: dict[tuple[str, str], list[str]] = {}  # (field, what is wrong) -> the channels it is wrong on, said once
    for post in plan.posts:
        if post.item.id != item.id:
            continue
        label = label_of(campaign, post.channel)
        try:
            rendered = renderer.render(dataclasses.replace(post, item=item))
        except QmError as exc:
            add(said, (GENERAL, str(exc)), label)
            continue
        config = campaign.channel(post.channel)
        kind = kind_named(config.kind) if config is not None else None
        for finding in lint_post(campaign, rendered):
            for key in _finding_fields(finding.reason, values, kind is not None and kind.needs_body):
                add(said, key, label)
    printed = printed_words(campaign, item)  # what posters and print sheets show, planned or not
    on_paper = {(f, quoted(reason)) for f, reason in printed if quoted(reason)}
    for (f, reason), channels in said.items():  # a word also printed: every place it appears is named
        places = [*channels, *PRINTED_PLACES] if (f, quoted(reason)) in on_paper else channels
        add(by_field, f, f"{'、'.join(places)}：{reason}")
    found = {(f, quoted(reason)) for f, reason in said}  # words a field was found to have: not told twice (as `qm check`)
    for f, reason in printed:
        if (f, quoted(reason)) not in found:
            add(by_field, f, f"{FIELD_LABELS[f]}{reason}（{PRINTED_HINT}）")
    for reason in body_words(campaign, item):  # a body a channel it may go to publishes
        if ("body", quoted(reason)) not in found:
            add(by_field, "body", f"{FIELD_LABELS['body']}{reason}（{BODY_HINT}）")


_FINDING_FIELDS = (
    ("电子屏标题", "headline"),
    ("电子屏文字", "line"),
    ("标题", "title"),
    ("摘要", "summary"),
    ("微博超过", "summary"),
    ("正文", "body"),
)


def _finding_fields(reason: str, values: Mapping[str, str], carries_body: bool) -> list[tuple[str, str]]:
    """The fields a lint finding is about, each with the finding quoting the words as that field writes them
    (the post's text may read them otherwise): every field holding the quoted words (the body only on a
    channel that carries it; the headline only when it is not the title: the item has none of its own then),
    else the field it names."""
    if quoted(reason):
        told = [f for f in EDITABLE if (f != "body" or carries_body) and (f != "headline" or values[f] != values["title"])]
        fields = [(f, said) for f in told if (said := as_written(reason, values[f]))]
        return fields or [(GENERAL, reason)]
    return [(next((f for word, f in _FINDING_FIELDS if reason.startswith(word)), GENERAL), reason)]
