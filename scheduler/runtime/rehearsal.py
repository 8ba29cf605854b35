"""The rehearsal clock (演练时钟): `QM_NOW` set to a moment makes the commands and the web console
work as if it were then, so staff can rehearse a campaign before it starts (and tests do not depend
on the date they run). The clock starts at that moment and runs on. The daemon refuses to start
under it, so it never moves real publishing; the commands that record a person's decision or fill the
queue (`cli.context.Context.filled_queue`: planning, auto-approval and cancelling from the rehearsal's day),
and the web console, refuse it on a database a daemon has run on (the live one: `refuse_on_live`), where
they would record the rehearsal's moment among the real records."""

from __future__ import annotations

import datetime as dt
import os
import time
from pathlib import Path
from typing import TYPE_CHECKING

from ..support.commands import shown_path
from ..support.errors import InputError

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

VARIABLE = "QM_NOW"
EXAMPLE = "2027-09-08T09:00+08:00"  # a day of a September quality month; `show_example` puts one of the campaign's
_offsets: dict[str, float] = {}  # QM_NOW's text -> its moment minus the system time when first read
_example: dict[str, str] = {}  # "moment": 09:00 on a day of the campaign the command reads, as QM_NOW is written


def show_example(moment: dt.datetime) -> None:
    """Write `moment` (a moment of the campaign the command reads) as the example when QM_NOW is malformed."""
    _example["moment"] = moment.isoformat(timespec="minutes")


def rehearsal_moment() -> dt.datetime | None:
    """The moment QM_NOW names, or None when it is not set; InputError when it is not a moment with its zone."""
    text = os.environ.get(VARIABLE, "").strip()
    if not text:
        return None
    try:
        moment = dt.datetime.fromisoformat(text)
    except ValueError:
        moment = None
    if moment is None or moment.tzinfo is None:
        raise InputError(
            f"环境变量 {VARIABLE}（演练时钟）的值“{text}”不是带时区的日期时间："
            f"请写成 {_example.get('moment', EXAMPLE)} 这样（日期、时刻和时区），或删除这个环境变量按真实时间运行"
        )
    return moment


def now_seconds() -> float:
    """The time, as `time.time()`: the rehearsal clock's when QM_NOW is set, else the system's."""
    moment = rehearsal_moment()
    if moment is None:
        return time.time()
    text = os.environ[VARIABLE].strip()
    offset = _offsets.setdefault(text, moment.timestamp() - time.time())
    return time.time() + offset


def now_in(zone: dt.tzinfo) -> dt.datetime:
    """The time in `zone`: the rehearsal clock's when QM_NOW is set, else the system's."""
    return dt.datetime.fromtimestamp(now_seconds(), zone)


def refuse_rehearsal(what: str) -> None:
    """InputError when QM_NOW is set: `what` (the daemon) works only on the real time."""
    if rehearsal_moment() is not None:
        raise InputError(
            f"设置了环境变量 {VARIABLE}（演练时钟）时不能启动{what}：演练时钟只用于演练命令和网页审核台，"
            f"真实发布只按真实时间进行。要看后台服务怎样按时发布，运行 qm simulate：它在自己的数据库上用模拟的时钟把整个活动发布一遍，"
            f"结束后写出查看结果的命令（qm queue --db 它保存的数据库）；要正式启动，先删除这个环境变量（unset {VARIABLE}）再启动"
        )


def refuse_on_live(engine: Engine, what: str) -> None:
    """InputError when QM_NOW is set and a daemon has run on this database (its heartbeats are there): `what`
    (审核) would be recorded at the rehearsal's moment in the live database's history."""
    moment = rehearsal_moment()
    if moment is None:
        return
    import sqlalchemy as sa  # not at the top: qm check and qm plan read the clock without loading the database

    from .lock_tables import daemon_info, daemons

    with engine.connect() as conn:
        ran = conn.execute(sa.select(daemons.c.id).limit(1)).first() or conn.execute(sa.select(daemon_info.c.id)).first()
    if ran is None:
        return
    raise InputError(
        f"设置了环境变量 {VARIABLE}（演练时钟）时不能{what}：后台服务在这个数据库上运行过，它是正式使用的数据库，"
        f"演练的操作会按演练的时刻（{moment:%Y-%m-%d %H:%M}）写进正式的审核记录。"
        f"{_copy_advice(engine.url.database if engine.url.get_backend_name() == 'sqlite' else None)}"
        f"要正式操作，先删除这个环境变量（unset {VARIABLE}）"
    )


def _copy_advice(database: str | None) -> str:
    """How to make a copy to rehearse on: the project folder without its state folder, whose database carries
    the daemon's heartbeats (a copy of it is refused as live too), as commands with the folders' names filled in
    when the database is a file in the state folder next to the project's config.yaml."""
    generic = "请在副本上演练：复制一份项目目录（不要带状态目录里的数据库），或用 -c 指定一份 database: 指向别的文件的配置；"
    if not database or database == ":memory:":
        return generic
    state = Path(database).resolve().parent
    project = state.parent
    if not (project / "config.yaml").is_file():
        return generic
    names = (project.with_name(f"{project.name}演练{n if n > 1 else ''}") for n in range(1, 100))
    copy = next((c for c in names if not c.exists()), None)
    if copy is None:  # 99 rehearsal copies already
        return generic
    here, there, left = shown_path(project), shown_path(copy), shown_path(copy / state.name)
    return (
        f"请在副本上演练：复制项目目录，但不要带状态目录 {state.name}（里面的数据库有后台服务的记录，复制过去仍算正式的数据库）："
        f"cp -r {here} {there} && rm -r {left}，然后 cd {there} 再演练"
        f"（已经连 {state.name} 一起复制出来的副本，删掉副本里的 {state.name} 就可以，不要删正式目录里的）；"
        f"也可以用 -c 指定一份 database: 指向别的文件的配置。"
    )
