"""Slogans rotate on the screens without review (README: 标语始终轮播), but never one `qm check` reports:
its words (an Advertising-Law term, a sensitive word, another hotline) or what the content guide asks of it
(markup in its text) keep it out of every playlist until it is fixed; the build and the daemon say so.

Checked once per command or daemon round (`checked`, kept by `cli.context.Context.slogans`): the playlists
rotate from the `Vetted` library it gives, and whoever reports holds its `refused`."""

from __future__ import annotations

import dataclasses
from typing import NamedTuple, NewType

from ..inputs.campaign import Campaign
from ..inputs.content import Library
from ..inputs.content_markup import guide_problems
from ..rendering.lint import printed_problems

Refused = dict[str, list[str]]  # by slogan id: what `qm check` reports against it, as it words it (file:line：what（how）)
Vetted = NewType("Vetted", Library)  # a library without the slogans `qm check` reports: the one playlists rotate from


class Checked(NamedTuple):
    library: Vetted  # the library the playlists rotate slogans from
    refused: Refused  # the slogans left out of it, with their reasons


def refused_slogans(campaign: Campaign, library: Library) -> Refused:
    """The screens' slogans `qm check` reports, with its reasons."""
    out = {}
    for item in library.items:
        if item.is_slogan and item.allows("screen") and (found := printed_problems(campaign, (item,)) + guide_problems((item,))):
            out[item.id] = [str(p) for p in found]
    return out


def checked(campaign: Campaign, library: Library) -> Checked:
    """The library the playlists rotate slogans from (those `qm check` reports left out), and those left out.
    Without screens nothing rotates: nothing is checked."""
    refused = refused_slogans(campaign, library) if campaign.screens else {}
    if not refused:
        return Checked(Vetted(library), refused)
    return Checked(Vetted(dataclasses.replace(library, items=tuple(i for i in library.items if i.id not in refused))), refused)


def refused_lines(refused: Refused) -> list[str]:
    """What a person reads: which slogans stay off the screens, why, and what to do."""
    if not refused:
        return []
    lines = [f"有 {len(refused)} 条标语 qm check 报出问题，没有放入播放列表（标语不经审核轮播，有问题的不上屏）；改好内容后重新生成即可："]
    lines += [f"  - {reason}" for _, reasons in sorted(refused.items()) for reason in reasons]  # each names its slogan
    return lines
