"""Channels added, removed or changed in config.yaml while the daemon runs: taken up between jobs.

The daemon makes one channel per configured one at start. Each time it reads the config again (the morning
refresh, and a publish of a post whose channel it does not run: a `qm` command's fill may queue the posts of a
channel added meanwhile), it compares the config's channels with its own (`take_up`): a channel added is made,
one whose settings changed (times, grace_minutes, on_hours, credentials, api_base…) is made again, one removed is
retired. That happens inside a job, and jobs run one at a time, so no publish call is in flight then.

A retired channel sends nothing more; it is kept to follow up the posts it handed to its platform (`accepted`,
or left in `publishing`: `follow_up`) and closed when the daemon stops. The fill that follows the change
cancels the posts of a removed channel (their slots left the plan).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from ..channels.base import Channel
from ..channels.kinds import named_channel
from ..inputs.campaign import Campaign, ChannelConfig
from ..publishing import approvals_lost
from ..publishing.queue import Post
from ..support.errors import QmError


@dataclass(frozen=True)
class ChannelSource:
    """Where the daemon gets its channels anew: the config as it is now, and a channel made for one of its channels."""

    read: Callable[[], Campaign]  # config.yaml read again
    make: Callable[[Campaign, ChannelConfig], Channel]


@dataclass(frozen=True)
class Change:
    """What a `take_up` changed: the campaign with the config's channels, and the channels' names by change."""

    campaign: Campaign
    added: tuple[str, ...]
    removed: tuple[str, ...]
    changed: tuple[str, ...]


class ChannelSet:
    """The channels a daemon publishes to (`running`, changed in place: every part sees the same ones)."""

    def __init__(self, running: dict[str, Channel], source: ChannelSource | None) -> None:
        self.running = running
        self.source = source
        self.retired: dict[str, Channel] = {}

    def take_up(self, campaign: Campaign) -> Change | None:
        """Make the running channels those of the config as it is now (None when they are already, or there
        is no `source`: the channels then stay those given at start). `campaign` is the one the daemon runs with."""
        if self.source is None:
            return None
        fresh = self.source.read().channels
        if _by_name(fresh) == _by_name(campaign.channels) and set(self.running) == {c.name for c in fresh}:
            return None
        now = dataclasses.replace(campaign, channels=fresh)
        remake = [c for c in fresh if c.name not in self.running or campaign.channel(c.name) != c]
        made: dict[str, Channel] = {}
        try:
            for config in remake:
                made[config.name] = self.source.make(now, config)
        except Exception:  # a secret missing, say: nothing changes, the running channels go on
            for channel in made.values():
                channel.close()
            raise
        added = tuple(name for name in made if name not in self.running)
        changed = tuple(name for name in made if name in self.running)
        removed = tuple(name for name in self.running if now.channel(name) is None)
        for name in (*changed, *removed):
            self.retired[name] = self.running.pop(name)
        self.running.update(made)
        return Change(now, added, removed, changed)

    def read(self) -> Campaign | None:
        """config.yaml read again (None without `source`)."""
        return None if self.source is None else self.source.read()

    @staticmethod
    def stale(campaign: Campaign, fresh: Campaign | None) -> bool:
        """Whether config.yaml's channels (`fresh`: read again, None when not) are no longer those of `campaign`."""
        return fresh is not None and _by_name(fresh.channels) != _by_name(campaign.channels)

    def dropped(self, name: str) -> bool:
        """Whether config.yaml, read again, has no channel `name` (False without `source`, or when it cannot be read)."""
        try:
            fresh = self.read()
        except QmError:
            return False
        return fresh is not None and fresh.channel(name) is None

    def follow_up(self, name: str) -> Channel | None:
        """The channel that follows up a post handed to its platform before: the running one, else the retired one."""
        return self.running.get(name) or self.retired.get(name)


def _by_name(channels: tuple[ChannelConfig, ...]) -> dict[str, ChannelConfig]:
    return {c.name: c for c in channels}


def net_change(before: Campaign, after: Campaign) -> Change:
    """How `after`'s channels differ from `before`'s: several changes taken up one after another, as one."""
    was, now = _by_name(before.channels), _by_name(after.channels)
    added = tuple(n for n in now if n not in was)
    changed = tuple(n for n in now if n in was and was[n] != now[n])
    return Change(after, added, tuple(n for n in was if n not in now), changed)


def change_lines(change: Change, before: Campaign, gone: list[Post], lost: Sequence[Post] = (), put_in: str = "") -> tuple[str, ...]:
    """What staff are told of a change: the channels added, changed and removed, the posts cancelled with those
    removed (`gone`), and the approved posts cancelled with the slots of those changed (`lost`: then publishing does
    not simply go on), with what became of the posts put in instead (`put_in`: `approvals_lost.put_in`, "" when
    none). `before`: the campaign the daemon ran with until then (names the channels removed)."""
    lines = []
    if change.added:
        names = "、".join(named_channel(change.campaign, n) for n in change.added)
        lines.append(f"新增渠道：{names}。它的排期已加入队列，审核通过后按时发布，无需重启后台服务")
    if change.changed:
        names = "、".join(named_channel(change.campaign, n) for n in change.changed)
        if lost:
            lines.append(
                f"设置有改动的渠道：{names}。排期随之调整，{len(lost)} 条已审核的内容被取消，不会发出"
                f"{'，' + put_in if put_in else ''}（见{approvals_lost.TITLE}通知）；其余的发布按新设置（时间、补发时限、账号等）进行"
            )
        else:
            lines.append(f"设置有改动的渠道：{names}。之后的发布按新设置（时间、补发时限、账号等）进行")
    if change.removed:
        names = "、".join(named_channel(before, n) for n in change.removed)
        cancelled = f"其未发布的 {len(gone)} 条内容已取消：{'、'.join(p.id for p in gone)}" if gone else "没有待发布的内容需要取消"
        lines.append(f"已删除的渠道：{names}。{cancelled}；已发出、等待平台确认的内容继续确认结果")
    return tuple(lines)
