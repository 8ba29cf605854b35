"""Approved posts that a refresh of the queue sent back to review because their words or pictures changed
(an editor's content file edit, a template, a layout): reviewers are told, or the post misses its time.

Whoever refreshes (`qm queue` and the commands that refresh, the web console after an edit, the daemon) records
one notice of the posts it sent back, in the transaction that sends them back (`notices_due`, as the rules'
【审核规则已改】 is): a post is sent back once per change, so no later refresh, restart or takeover tells it
again, and the daemon sends it at its next heartbeat. The posts are listed most urgent first; those due today
or tomorrow (as the notice goes out) are marked. A post whose return the refresher tells itself (the daemon
finding it at publishing time, `daemon.as_approved`; the screens' held slides) is left out (`told`).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy.engine import Connection

from ..channels.kinds import label_of
from ..inputs.campaign import Campaign
from ..support.moments import moment
from ..support.notify import APPROVAL, Notice
from ..views.console_links import link_line, post_url
from . import notices_due

NOTICE = "words-back"  # the notice's topic (`notices_due`): {"posts": [`Back` as a mapping, most urgent first]}
TITLE = "【回到待审核】"
SHOWN = 10  # posts a notice lists; the rest are counted
WHAT_SHOWN = 80  # characters of what changed, per post (`qm queue` and its --diff tell it whole)
FOLDERS = re.compile(r"(?<=\s)[^\s、；（]*/")  # of a file named in what changed: the file's name is enough


@dataclass(frozen=True)
class Back:
    """An approved post the refresh sent back to review: its slot and what changed, in a few words."""

    post: str
    channel: str
    at: float
    what: str


def ordered(backs: Iterable[Back]) -> list[Back]:
    """Most urgent first: by their time, then id."""
    return sorted(backs, key=lambda b: (b.at, b.post))


def record(conn: Connection, backs: Iterable[Back], told: frozenset[str], now: float) -> None:
    """Record the one notice of these posts (but those in `told`) in the refresh's transaction."""
    if new := ordered(b for b in backs if b.post not in told):
        notices_due.record(conn, NOTICE, {"posts": [dataclasses.asdict(b) for b in new]}, now)


def recorded(campaign: Campaign, body: dict[str, Any], now: float) -> Notice:
    """The notice `record` recorded, as the daemon sends it at `now`."""
    return notice(campaign, [Back(**p) for p in body["posts"]], now)


def notice(campaign: Campaign, backs: list[Back], now: float, linked: bool = True) -> Notice:
    """The posts sent back, as at `now` (today and tomorrow marked); `linked`: each followed by its console link, on a
    line of its own (`link_line`: the other lines are text, where a link would show as written)."""
    lines = listed(campaign, backs, now, linked)
    lines.append("审核后内容文字或图片又改过，原来的审核不再有效，重新审核通过前不会发布；看改了什么：qm queue --diff 编号")
    return Notice(APPROVAL, f"{TITLE}{len(backs)} 条已审核的内容改了文字或图片，需要重新审核{urgent(campaign, backs, now)}", tuple(lines))


def listed(campaign: Campaign, backs: list[Back], now: float, linked: bool = True) -> list[str]:
    """The first `SHOWN` of `backs` (most urgent first) waiting for review, as at `now`, one a line with how to
    approve it (and its console link when `linked`); the rest counted."""
    lines = [line for b in backs[:SHOWN] for line in (_line(campaign, b, now), *link_line(post_url(campaign, b.post) if linked else ""))]
    if len(backs) > SHOWN:
        lines.append(f"……共 {len(backs)} 条，其余的用 qm queue --state 待审核 查看")
    return lines


def urgent(campaign: Campaign, backs: list[Back], now: float) -> str:
    """A title's ending for the posts of `backs` due today or tomorrow (as at `now`); "" when none is."""
    soon = sum(1 for b in backs if _days(campaign, b.at, now) <= 1)
    return f"，{soon} 条今明两天发布，请尽快审核" if soon else ""


def _line(campaign: Campaign, b: Back, now: float) -> str:
    days = _days(campaign, b.at, now)
    at = dt.datetime.fromtimestamp(b.at, campaign.timezone)
    if b.at <= now:
        when = f"【已到发布时间 {at:%m-%d %H:%M}】"
    elif days <= 1:
        when = f"【{'今天' if days == 0 else '明天'} {at:%H:%M}】"
    else:
        when = moment(b.at, campaign.timezone, campaign.start.year) + " "
    what = FOLDERS.sub("", b.what)
    what = what if len(what) <= WHAT_SHOWN else what[: WHAT_SHOWN - 1] + "…"
    return f"{when}{b.post}（{label_of(campaign, b.channel)}）：{what}；审核：qm approve {b.post}"


def _days(campaign: Campaign, at: float, now: float) -> int:
    """Days from `now`'s day to the post's, in the campaign's time zone (0: today; negative: past)."""
    tz = campaign.timezone
    return (dt.datetime.fromtimestamp(at, tz).date() - dt.datetime.fromtimestamp(now, tz).date()).days
