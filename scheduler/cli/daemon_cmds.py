"""The background daemon: `qm daemon` runs it (its SQLite backups: `backup_cmds`)."""

from __future__ import annotations

import argparse
import datetime as dt
import logging
import signal
import threading
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

from ..publishing import states as st
from ..runtime.rehearsal import refuse_rehearsal
from ..support.commands import qm_command
from ..support.logs import event, setup_logging
from ..views.campaign_over import over
from . import zh_argparse
from .context import Context

if TYPE_CHECKING:  # the daemon's machinery is imported when a command runs, not for every qm command
    from sqlalchemy.engine import Engine

    from ..channels.base import Channel
    from ..inputs.campaign import Campaign, ChannelConfig
    from ..planning.planner import Plan
    from ..publishing.queue import Queue
    from ..rendering.payloads import Renderer
    from ..runtime.work_ahead import Ahead
    from ..support.notify import Notifications
    from ..views.daemon_status import Status

log = logging.getLogger("qm.daemon")
KEEP_BACKUPS = 14  # nightly SQLite backups kept by default: two weeks


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser], common: argparse.ArgumentParser) -> None:
    p = sub.add_parser(
        "daemon",
        parents=[common],
        description=(
            "加载活动配置与内容库，把排期放入发布队列，并按时发布审核通过的内容。SQLite 数据库只能运行一个后台服务；"
            "PostgreSQL 数据库可在多台机器上各运行一个：一个主服务发布，其余作为备用，主服务停止或断开后在租约超时（config.yaml 的 daemon.lease_timeout，默认 30 秒）内接管。"
            "运行中增删或修改 config.yaml 的渠道（channels）不用重启：下一次发布前或每天 06:00 刷新时改用新的渠道设置，删除的渠道未发出的内容改为已取消并通知。"
            "按 Ctrl+C 或发送 SIGTERM 停止：正在进行的发布会先完成，退出码为 0。日志写入 状态目录/qm.log。"
        ),
    )
    keep_backups(p, 0, f"SQLite 数据库每天 03:00 备份到 状态目录/backups/，保留最近的份数（0–365，默认 {KEEP_BACKUPS}，0 表示不备份）")
    p.set_defaults(run=run_daemon)


def keep_backups(p: argparse.ArgumentParser, lowest: int, help: str) -> None:
    """--keep-backups: how many backups the daemon's and `qm backup`'s rotation keeps."""
    kind = zh_argparse.NumberIn(int, lowest, 365, KEEP_BACKUPS)
    p.add_argument("--keep-backups", type=kind, default=KEEP_BACKUPS, metavar="份数", help=help)


def _fresh(config_path: Path, engine: Engine) -> Context:
    """The config, content and templates read again, so edits made while the daemon runs are picked up; a
    config that became another campaign's (copied over this one's) is refused before anything of it is used,
    as at start (`campaign_identity.claim`: an edit of one of its name, organiser or period is recorded)."""
    from ..publishing.campaign_identity import claim

    ctx = Context(config_path)
    claim(engine, ctx.campaign, ctx.clock())
    return ctx


def _fresh_source(config_path: Path, engine: Engine) -> tuple[Plan, Renderer]:
    ctx = _fresh(config_path, engine)
    return ctx.plan, ctx.renderer


def _ahead(config_path: Path, queue: Queue, ahead: Ahead, notifications: Notifications, now: dt.datetime) -> None:
    """Posters for the coming posts and the screens' playlists, drawn before they are needed."""
    from ..screens import held_words
    from ..screens.daily import approval, pause_states, queue_states

    ctx = _fresh(config_path, queue.engine)
    recent = queue.find(start=now.timestamp() - 86400)
    today = now.astimezone(ctx.campaign.timezone).date()
    if ctx.readable_library.problems:  # one broken file: the other items' posters, the paused screens emptied, then say which file
        coming = [p for p in recent if p.state in st.APPROVED_STATES]
        raise ahead.held_back(ctx.campaign, ctx.readable_library, coming, now, approval(pause_states(queue), today))
    edited = held_words.hold(ctx.campaign, ctx.plan, ctx.renderer, queue, recent, now) if ctx.campaign.screens else []
    if edited:  # refilled: read again
        recent = queue.find(start=now.timestamp() - 86400)
    approved = approval(queue_states(queue, recent, edited), today)
    done = ahead(ctx.campaign, ctx.plan, ctx.slogans.library, now, approved)  # the slogans checked once a round
    if ctx.campaign.screens:
        _tell_refused(queue, notifications, ctx.slogans.refused, now)
    if done.drawn:
        event(log, "posters_drawn", count=done.drawn)
    for built in done.built:
        if built.changed:
            event(log, "screen_playlist", screen=built.screen, version=built.version)


REFUSED = "slogans-refused"  # the topic of the slogans kept off the screens in the notices table


def _tell_refused(queue: Queue, notifications: Notifications, refused: dict[str, list[str]], now: dt.datetime) -> None:
    """Log and tell staff which slogans `qm check` reports and the playlists leave out: once while they stay
    the same (the work ahead runs every few minutes), again when they change (`notices_sent.stand`)."""
    from ..publishing import notices_sent
    from ..screens.slogan_check import refused_lines
    from ..support.notify import APPROVAL, Notice

    lines = refused_lines(refused)
    key = notices_sent.standing_key(REFUSED, "\n".join(lines)) if lines else ""
    with queue.engine.connect() as conn:  # most rounds find it as it was: no write then
        if notices_sent.standing(conn, REFUSED) == ({key} - {""}):
            return
    if not lines:
        with queue.engine.begin() as conn:
            notices_sent.clear(conn, REFUSED)
        return

    def tell() -> None:  # once the slogans stand (committed): the robot is called holding no write lock
        why = "；".join(r for reasons in refused.values() for r in reasons)
        event(log, "slogans_left_out", logging.WARNING, slogans=",".join(sorted(refused)), why=why)
        notifications.send(Notice(APPROVAL, "【标语未上屏】" + lines[0], tuple(line.removeprefix("  - ") for line in lines[1:])))

    notices_sent.send_once(queue.engine, [key], now.timestamp(), tell, topic=REFUSED)


def run_daemon(ctx: Context, args: argparse.Namespace) -> int:
    from apscheduler.executors.pool import ThreadPoolExecutor
    from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore

    from ..channels import make_channel, make_channels
    from ..daemon import ChannelSource, Daemon
    from ..poster.files import PosterFiles
    from ..publishing import backup
    from ..publishing.db import sqlite_path
    from ..publishing.queue import Queue
    from ..runtime.clock import SystemClock
    from ..runtime.disk_full import GuardedScheduler
    from ..runtime.work_ahead import Ahead
    from ..stats.daily import StatsJob
    from ..support.notify import Notifications
    from ..views.daemon_status import gather

    campaign = ctx.campaign
    ctx.plan  # noqa: B018 - a broken config or library stops here, before anything starts
    setup_logging(campaign.paths.state, tz=campaign.timezone)
    engine = ctx.engine
    db_file = sqlite_path(campaign.db_url)
    poster_files = PosterFiles(campaign)
    channels = make_channels(campaign, poster_files)  # posters drawn at publishing time when missing or drawn from other inputs
    made = list(channels.values())  # and those made for channels config.yaml adds or changes while it runs: closed at the end

    def remake(fresh: Campaign, config: ChannelConfig) -> Channel:
        made.append(make_channel(fresh, config, poster_files))
        return made[-1]

    channel_source = ChannelSource(lambda: _fresh(ctx.config_path, engine).campaign, remake)  # another campaign's: refused
    notifications = Notifications(campaign.notifiers)
    notifications.warn_unconfigured()

    backups = None
    if db_file is not None and args.keep_backups > 0:
        backups = partial(backup.take, db_file, backup.folder_for(db_file), tz=campaign.timezone, keep=args.keep_backups)

    def make_daemon() -> Daemon:
        scheduler = GuardedScheduler(
            jobstores={"default": SQLAlchemyJobStore(engine=engine)},
            executors={"default": ThreadPoolExecutor(1)},  # one publish at a time
            timezone=campaign.timezone,
        )
        return Daemon(
            campaign,
            engine,
            channels,
            clock=SystemClock(),
            scheduler=scheduler,
            source=lambda: _fresh_source(ctx.config_path, engine),
            notifications=notifications,
            lock_file=db_file.with_name(db_file.name + ".lock") if db_file else None,
            ahead=partial(_ahead, ctx.config_path, Queue(engine), Ahead(), notifications),
            stats=StatsJob(campaign, engine, notifications.send, office=notifications),
            backups=backups,
            pictures=poster_files.unapproved,  # pictures changed since the approval: back to review, not published
            channel_source=channel_source,  # config.yaml's channels taken up before each publish and at each refresh
        )

    refuse_rehearsal("后台服务")  # real publishing keeps the real time (after the config, log and database checks)
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    try:
        while not stop.is_set():
            daemon = make_daemon()
            if not daemon.start(standby=stop, waiting=_waiting):
                break
            now = SystemClock().now().timestamp()
            print(greeting(campaign, gather(engine, now), Queue(engine), now), flush=True)
            try:
                daemon.run(stop)
            finally:
                daemon.stop()
            if not daemon.lost_lease:
                break
            print("qm 后台服务失去了主服务租约（与数据库的连接中断），已停止发布，转为备用。", flush=True)
    finally:
        for channel in made:
            channel.close()
    print("qm 后台服务已停止。", flush=True)
    return 0


def _waiting() -> None:
    print("qm 后台服务：另一个后台服务正在负责发布，本服务作为备用等待接管，它停止时接替（qm status 查看全部服务）。", flush=True)


def greeting(campaign: Campaign, status: Status, queue: Queue, now: float) -> str:
    """What `qm daemon` prints once started. The next publication named is one still to come: posts
    whose time passed while the daemon was down are counted apart (published late within their grace
    window, otherwise marked missed), never announced as next."""
    tz = campaign.timezone
    counts = status.counts
    waiting = counts.get(st.PLANNED, 0)
    ready = queue.find([st.APPROVED, st.SCHEDULED])
    overdue = [p for p in ready if p.fire_at < now]
    nxt = min((p for p in ready if p.fire_at >= now), key=lambda p: p.fire_at, default=None)
    lines = [f"qm 后台服务已启动：{campaign.name}，队列 {sum(counts.values())} 条，已发布 {counts.get(st.PUBLISHED, 0)} 条。"]
    if overdue:
        lines.append(
            f"服务停止期间已到发布时间的 {len(overdue)} 条内容：补发时限内的现在补发，超过时限的记为已错过并通知（{qm_command()} queue --state 已错过）。"
        )
    if nxt:
        lines.append(f"下一次发布：{dt.datetime.fromtimestamp(nxt.fire_at, tz):%Y-%m-%d %H:%M}（{nxt.id}）。")
    elif ended := over(campaign, dt.datetime.fromtimestamp(now, tz).date()):
        lines.append(ended)
    qm = qm_command()  # typed in another window, where qm may not be on PATH: as `qm init` writes it
    if waiting:
        lines.append(f"有 {waiting} 条内容待审核，审核通过后才会发布（另开一个窗口）：{qm} queue --state 待审核，{qm} approve 编号。")
    lines.append(f"查看状态：{qm} status；停止：Ctrl+C。")
    return "\n".join(lines)
