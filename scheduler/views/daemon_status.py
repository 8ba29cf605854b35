"""What `qm status` reports: every daemon (active, standbys) and its heartbeat, pauses, notices waiting to be sent
(`notices_waiting`), next fire times, counts, recent failures.

Reads the database only (APScheduler's job table through `job_table`: no job is unpickled), so it
works while the daemon runs and never changes anything.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import itertools
import socket
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy.engine import Engine

from .. import jobs as job_ids
from ..channels.kinds import kind_of
from ..inputs.campaign import Campaign
from ..planning.reminders import Reminder
from ..publishing import notices_due
from ..publishing import states as st
from ..publishing.queue import Queue
from ..publishing.review import paused
from ..runtime.job_table import next_runs
from ..runtime.lease import lease_held
from ..runtime.lock import ACTIVE, ENDED, ROLE_LABELS, DaemonInfo, read_all, read_info
from ..support.db_names import is_postgresql
from ..support.logs import escaped
from ..support.moments import moment
from . import notices_waiting
from .pause_notes import local_time, pause_lines

JOB_LABELS = {
    "post": "发布",
    "poll": "确认发布结果",
    "reminder": "提醒",
    "refresh": "每日刷新队列",
    "backup": "每日备份数据库",
    "stats": "收集统计数据、检查单位报送",
}


@dataclass(frozen=True)
class NextJob:
    id: str
    at: float

    def label(self, names: Mapping[str, str]) -> str:
        """What the job does, in Chinese: by its name in `names` (`job_names`), else by its kind and target
        (a screen missing from `names` is one no longer configured: said so, in the form the named ones take)."""
        kind, _, target = self.id.partition(":")
        if self.id in names:
            return names[self.id]
        if kind == "ahead":
            return "提前准备海报和播放列表" if target == "watch" else f"电子屏 {target}（配置里已没有）：开屏前更新播放列表"
        return f"{JOB_LABELS.get(kind, kind)} {target}".strip()

    def dropped(self, names: Mapping[str, str]) -> bool:
        """Work ahead for a screen config.yaml no longer has: the daemon drops it, so it is not upcoming work."""
        return self.id.startswith(job_ids.AHEAD_PREFIX) and self.id != f"{job_ids.AHEAD_PREFIX}watch" and self.id not in names


def job_names(campaign: Campaign, reminders: Iterable[Reminder]) -> dict[str, str]:
    """What people call the daemon's jobs, by job id: a reminder by its text, a screen's work ahead as its kind
    names it (by the screen's name, not its id)."""
    names = {f"reminder:{r.id}": "提醒：" + r.message.removeprefix("【提醒】") for r in reminders}
    for config in campaign.channels:
        if prep := kind_of(config).preparation(config):
            names[f"ahead:{prep.key}"] = prep.label
    return names


@dataclass(frozen=True)
class Status:
    now: float
    daemon: DaemonInfo | None
    pauses: dict[str, tuple[str, str, float]]
    counts: dict[str, int]
    next_jobs: list[NextJob]
    failures: list[tuple[str, str, str, float]]  # post id, state, reason, when
    daemons: list[DaemonInfo] = dataclasses.field(default_factory=list)  # every daemon, active first
    notices: list[notices_waiting.Group] = dataclasses.field(default_factory=list)  # waiting to be sent, or given up
    leased: bool = False  # PostgreSQL: a daemon holds the lease now (as the server sees it, whatever the heartbeats say)

    @property
    def alive(self) -> bool:
        return self.daemon is not None and self.daemon.alive(self.now)

    @property
    def others(self) -> list[DaemonInfo]:
        """The daemons besides the one `daemon` describes that still run or stopped answering (standbys, dead ones)."""
        me = self.daemon
        return [
            d
            for d in self.daemons
            if d.stopped is None and d is not me and not (me and d.role == ACTIVE and (d.pid, d.host) == (me.pid, me.host))
        ]


def gather(engine: Engine, now: float, jobs: int = 8, failures: int = 5, names: Mapping[str, str] | None = None) -> Status:
    """`names`: what people call the jobs (`job_names`): given, work ahead for a screen config.yaml no longer has
    is left out before the list is cut to `jobs`, so that it does not take the place of work still to come."""
    queue = Queue(engine)
    recent = queue.find([st.FAILED, st.MISSED])
    recent.sort(key=lambda p: p.updated, reverse=True)
    every = read_all(engine)
    active = next((d for d in every if d.role == ACTIVE and d.alive(now)), None)
    with engine.connect() as conn:
        held = notices_due.held(conn, now)
    return Status(
        now=now,
        daemon=active or read_info(engine),
        daemons=every,
        pauses=paused(queue),
        counts=queue.counts(),
        next_jobs=_pending(queue, jobs, names),
        failures=[(p.id, p.state, p.last_error, p.updated) for p in recent[:failures]],
        notices=notices_waiting.groups(held),
        leased=active is None and is_postgresql(engine) and lease_held(engine),  # asked only when no heartbeat says so
    )


def _pending(queue: Queue, limit: int, names: Mapping[str, str] | None) -> list[NextJob]:
    """The `limit` jobs that fire next, leaving out publish and poll jobs of posts no longer waiting for them
    (cancelled, published, failed…): such a job does nothing when it fires, and the daemon drops it at its next start."""
    waiting = {job_ids.publish_id(b.id) for b in queue.brief([st.SCHEDULED, st.APPROVED])}
    waiting |= {job_ids.poll_id(b.id) for b in queue.brief([st.ACCEPTED])}
    found = (NextJob(job_id, at) for job_id, at in next_runs(queue.engine))
    kept = (
        j for j in found if (not j.id.startswith(("post:", "poll:")) or j.id in waiting) and not (names is not None and j.dropped(names))
    )
    return list(itertools.islice(kept, limit))


def to_json(status: Status, tz: dt.tzinfo, names: Mapping[str, str]) -> dict[str, Any]:
    """`names`: what people call the jobs (`job_names`), for each job's `label`."""

    def iso(t: float | None) -> str | None:
        return None if t is None else dt.datetime.fromtimestamp(t, tz).isoformat(timespec="seconds")

    d = status.daemon
    return {
        "alive": status.alive,
        "leased": status.leased,
        "daemon": None
        if d is None
        else {
            "pid": d.pid,
            "host": d.host,
            "started": iso(d.started),
            "took_over": iso(d.took_over),
            "heartbeat": iso(d.heartbeat),
            "stopped": iso(d.stopped),
        },
        "daemons": [
            {
                "pid": x.pid,
                "host": x.host,
                "role": x.role,
                "started": iso(x.started),
                "took_over": iso(x.took_over),
                "heartbeat": iso(x.heartbeat),
                "alive": x.alive(status.now),
                "ended": x.ended,
                "clock_ahead": None if (ahead := x.clock_ahead(status.now)) is None else round(ahead),
            }
            for x in status.daemons
            if x.stopped is None
        ],
        "paused": {ch: {"reason": r, "by": who, "since": iso(at)} for ch, (r, who, at) in status.pauses.items()},
        "counts": {s: status.counts.get(s, 0) for s in st.STATES},
        "next": [{"job": j.id, "label": j.label(names), "at": iso(j.at)} for j in status.next_jobs if not j.dropped(names)],
        "failures": [{"id": pid, "state": state, "reason": why, "at": iso(at)} for pid, state, why, at in status.failures],
        "notices": notices_waiting.to_json(status.notices, status.alive or status.leased, tz),
    }


def _span(seconds: float) -> str:
    whole = round(seconds)
    return f"{whole} 秒" if whole < 120 else f"{whole // 60} 分钟" if whole < 7200 else f"{whole / 3600:.1f} 小时"


def _ahead(d: DaemonInfo, ahead: float) -> str:
    return f"时钟不一致：进程 {d.pid}（主机 {d.host}）最近心跳的时间比本机现在晚 {_span(ahead)}，那台机器的时钟比本机快，看不出它是否在运行"


SYNC_CLOCKS = "请让各台机器用 NTP 同步时钟"


def daemon_text(status: Status, tz: dt.tzinfo) -> str:
    """Whether the daemon runs, in one sentence."""
    d = status.daemon
    if d is None:
        return "从未启动（用 qm daemon 启动）"
    if status.alive:
        role = "主服务，" if any(not o.ended for o in status.others) else ""  # standbys share the database
        took = "" if d.took_over is None else f"，接管于 {local_time(d.took_over, tz)}"  # it waited as a standby since it started
        return f"运行中（{role}进程 {d.pid}，主机 {d.host}），启动于 {local_time(d.started, tz)}{took}，最近心跳 {status.now - d.heartbeat:.0f} 秒前"
    if d.stopped is not None:
        return f"已停止（{local_time(d.stopped, tz)} 正常退出）"
    if d.gone:  # on this machine, and its process is not there: no need to wait for its heartbeat to go stale
        return f"已意外终止（进程 {d.pid}，主机 {d.host}，最近心跳在 {local_time(d.heartbeat, tz)}），没有正常退出：请重新启动 qm daemon（可在 qm.log 中查看它最后的记录）"
    if (ahead := d.clock_ahead(status.now)) is not None:
        return f"{_ahead(d, ahead)}；{SYNC_CLOCKS}"
    if status.leased:  # the server says the active daemon's session is there: stuck, or its heartbeat only looks old here
        age, look = _span(status.now - d.heartbeat), "在本机" if d.host == socket.gethostname() else f"到主机 {d.host} 上"
        return (
            f"主服务持有租约（进程 {d.pid}，主机 {d.host}），但按本机时钟它的最近心跳在 {age}前，没有响应："
            f"它可能卡住了（进程被暂停、机器休眠或过载），也可能只是那台机器的时钟比本机慢（{SYNC_CLOCKS}）。"
            f"{look}查看 qm.log 和进程 {d.pid}：确实卡住时结束它（kill -9 {d.pid}），租约随之释放，备用服务或重新启动的 qm daemon 接管"
        )
    return f"无响应！最近心跳在 {local_time(d.heartbeat, tz)}（进程 {d.pid} 可能已崩溃，请检查并重新启动 qm daemon）"


def other_daemons(status: Status, tz: dt.tzinfo) -> list[str]:
    """One line for each standby daemon (PostgreSQL active/standby) and the latest one that died or stopped
    answering; the older dead ones (a daemon killed again and again) in one line that counts them."""
    lines = []
    dead = sorted((o for o in status.others if not o.alive(status.now) and o.clock_ahead(status.now) is None), key=lambda o: -o.heartbeat)
    for other in [o for o in status.others if o not in dead[1:]]:
        role = ROLE_LABELS.get(other.role, other.role)
        if other.ended:  # no takeover on SQLite, or its process is gone from this machine: it ended without a clean stop
            beat = f"最近心跳在 {local_time(other.heartbeat, tz)}"
            who = f"{role} {other.pid}" if other.role == ENDED else f"{role}：进程 {other.pid}"
            lines.append(f"{who} 已意外终止（主机 {other.host}，{beat}），没有正常退出；可在 qm.log 中查看它最后的记录")
        elif other.alive(status.now):
            beat = f"最近心跳 {status.now - other.heartbeat:.0f} 秒前"
            lines.append(f"{role}：进程 {other.pid}，主机 {other.host}，启动于 {local_time(other.started, tz)}，{beat}")
        elif (ahead := other.clock_ahead(status.now)) is not None:
            lines.append(f"{role}：{_ahead(other, ahead)}")
        else:
            lines.append(f"无响应的{role}：进程 {other.pid}，主机 {other.host}，最近心跳在 {local_time(other.heartbeat, tz)}")
    if older := dead[1:]:
        hosts = "、".join(sorted({o.host for o in older}))
        lines.append(f"另有 {len(older)} 个更早的旧进程已停止或无响应（主机 {hosts}，最近心跳最晚在 {local_time(older[0].heartbeat, tz)}）")
    return lines


def upcoming(status: Status, tz: dt.tzinfo, names: Mapping[str, str], year: int) -> list[tuple[str, str, bool]]:
    """The next jobs, soonest first: when, what (see `NextJob.label`), and whether its time passed while the
    daemon is stopped. The year is written only when a job falls outside `year` (the campaign's), and then
    for every job of the list, so that one list reads in one style and its columns line up."""
    jobs = sorted((j for j in status.next_jobs if not j.dropped(names)), key=lambda j: j.at)
    years = {dt.datetime.fromtimestamp(j.at, tz).year for j in jobs}
    shown = year if years <= {year} else None
    return [(moment(j.at, tz, shown), j.label(names), not status.alive and j.at < status.now) for j in jobs]


def jobs_heading(status: Status) -> str:
    """What the list of next jobs is: jobs the running daemon does, or waits for (a daemon stuck with the lease
    is running as far as the database knows: nobody else can do them until it answers or is ended)."""
    if status.alive:
        return "接下来："
    if status.leased:
        return "接下来（持有租约的主服务没有响应：它恢复或被结束之前，这些任务不会执行）："
    return "后台服务没有运行；启动后将执行："


def overdue_note(status: Status) -> str:
    """Why a job whose time passed did not run."""
    return "已过时间，主服务没有响应" if status.leased else "已过时间，后台服务未运行"


def to_text(status: Status, tz: dt.tzinfo, names: Mapping[str, str], year: int, label: Callable[[str], str] | None = None) -> str:
    """`names`: what people call the jobs (`job_names`); `year`: the campaign's (see `upcoming`); `label`: what they
    call a channel (`channels.kinds.label_of`)."""

    lines = [f"后台服务：{daemon_text(status, tz)}"]
    lines += [f"  {line}" for line in other_daemons(status, tz)]
    lines += pause_lines(status.pauses, tz, label)
    lines += notices_waiting.to_text(status.notices, status.alive or status.leased, tz)
    counts = "，".join(f"{st.label(s)} {status.counts[s]}" for s in st.STATES if status.counts.get(s))
    lines.append(f"队列：{counts or '空'}")
    if coming := upcoming(status, tz, names, year):
        lines.append(jobs_heading(status))
        lines += [f"  {at}  {what}" + ("（已过时间）" if overdue else "") for at, what, overdue in coming]
    if status.failures:
        lines.append("最近的问题：")
        lines += [f"  {pid}  {st.label(state)}：{why}" for pid, state, why, _ in status.failures]
    return "\n".join(map(escaped, lines)) + "\n"  # reasons and names staff wrote: no terminal escapes, no forged lines
