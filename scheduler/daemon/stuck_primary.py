"""A standby's watch on the primary that holds the lease but no longer beats (PostgreSQL).

A frozen primary's lease session is ended by the server within the lease timeout (`lease.PgLease`), and the
standby takes over. Where that cannot happen (a server before PostgreSQL 14; a primary whose heartbeat thread
hangs while the rest of the process runs) the primary keeps the lease, publishes nothing and nobody takes over:
the standby tells staff once. Whether the heartbeat moved is judged by the standby's own clock (the value the
primary wrote did not change), so a primary whose clock runs behind is not taken for a stuck one.
"""

from __future__ import annotations

import logging
import socket

from ..runtime.lock import ACTIVE, HEARTBEAT_SECONDS, STALE_AFTER, DaemonInfo, read_all
from ..support.logs import event
from ..support.notify import FAILURE, Notice
from ..views.pause_notes import local_time
from .context import Shared, log

UNDETECTABLE = (
    "数据库服务器低于 PostgreSQL 14（没有 idle_session_timeout）：主服务卡住（进程被暂停、机器休眠）时它的会话不会结束，"
    "备用服务不会接管；qm status 会显示“主服务持有租约……没有响应”，这时请到那台机器上结束它（kill -9 进程号），或把数据库升级到 14 以上"
)


class StuckPrimary:
    def __init__(self, shared: Shared, lease_timeout: float) -> None:
        self.shared = shared
        self.limit = max(STALE_AFTER, HEARTBEAT_SECONDS + lease_timeout)  # unchanged this long: it does not beat
        self._seen: tuple[tuple[str, int, float], float] | None = None  # (host, pid, heartbeat), first seen at
        self._told = False
        self._said = False  # UNDETECTABLE logged

    def watch(self, now: float, ends_frozen: bool | None) -> None:
        """One round of a standby that found the lease held: tell staff once when the holder's heartbeat stopped
        (and say once in the log when this server cannot end a frozen holder's session)."""
        if ends_frozen is False and not self._said:
            self._said = True
            event(log, "frozen_undetectable", logging.WARNING, why=UNDETECTABLE)
        primary = next((d for d in read_all(self.shared.queue.engine) if d.role == ACTIVE and d.stopped is None), None)
        key = None if primary is None else (primary.host, primary.pid, primary.heartbeat)
        if primary is None or self._seen is None or self._seen[0] != key:
            self._seen, self._told = (None if key is None else (key, now)), False
            return
        if self._told or now - self._seen[1] < self.limit:
            return
        self._told = True
        event(log, "primary_stuck", logging.ERROR, pid=primary.pid, host=primary.host, since=round(self._seen[1]))
        self.shared.notify(self._notice(primary, self._seen[1], ends_frozen))

    def _notice(self, primary: DaemonInfo, since: float, ends_frozen: bool | None) -> Notice:
        tz = self.shared.campaign.timezone
        where = "本机" if primary.host == socket.gethostname() else f"主机 {primary.host}"
        why = (
            "数据库服务器低于 PostgreSQL 14，不会结束卡住的主服务的会话，租约不会释放"
            if ends_frozen is False
            else "它的进程仍在运行（数据库会结束完全卡住的进程的会话），可能是它的心跳线程卡住了"
        )
        lines = (
            f"主服务：进程 {primary.pid}，{where}，最近心跳（按它的时钟）{local_time(primary.heartbeat, tz)}",
            f"本备用服务从 {local_time(since, tz)}（本机时钟）起没有看到它的心跳更新，它仍持有租约，所以备用服务不能接管，期间什么也不会发布。",
            f"原因：{why}。",
            f"请到{where}上查看 qm.log 和进程 {primary.pid}：确实卡住（进程被暂停、机器休眠或过载）时结束它（kill -9 {primary.pid}），"
            "租约随之释放，备用服务随即接管；也可用 qm status 查看。",
        )
        return Notice(FAILURE, f"【后台服务】主服务（进程 {primary.pid}）没有心跳，但仍持有租约，备用服务无法接管", lines)
