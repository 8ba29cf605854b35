"""Backups of the SQLite database: `qm backup` takes one now, `qm restore` puts one back.

`qm backup` writes exactly what the daemon's nightly backup writes (`publishing.backup.take`: SQLite's
online backup API, safe while the daemon runs, into the same folder, named and rotated the same way),
so a database can be restored from its first day on.
"""

from __future__ import annotations

import argparse
import datetime as dt
from pathlib import Path

from ..support.errors import InputError, RuntimeFailure
from .context import Context

PG_BACKUP = "PostgreSQL 请用 pg_dump 备份、pg_restore 恢复（见 qm 的 docs/guide/standby.md）"


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser], common: argparse.ArgumentParser) -> None:
    p = sub.add_parser(
        "backup",
        parents=[common],
        description=(
            "立即备份 SQLite 数据库，和后台服务每天 03:00 的备份完全一样：用 SQLite 的在线备份接口得到一致的副本"
            "（后台服务运行时也可以做），写入 状态目录/backups/qm-年月日-时分秒.sqlite3。它只增加一份，不删除任何备份"
            "（超出保留份数的最早的备份由后台服务每天备份时按 qm daemon --keep-backups 删除）。"
            f"qm restore 可以用它恢复。{PG_BACKUP}。"
        ),
    )
    p.set_defaults(run=run_backup)

    p = sub.add_parser(
        "restore",
        parents=[common],
        description=(
            "用 qm backup 或后台服务做的备份替换 SQLite 数据库（后台服务运行时拒绝）。备份之后发生的事不会盲目重来："
            "旧数据库里备份之后已发出的内容保留其发布记录；无从得知的、备份之后到期的内容，"
            f"由后台服务启动时先向渠道核实，渠道无法核实的记为失败交给人工处理。{PG_BACKUP}。"
        ),
    )
    p.add_argument("file", type=Path, metavar="备份文件", help="状态目录/backups/ 下的备份，如 .qm/backups/qm-20270907-030000.sqlite3")
    p.set_defaults(run=run_restore)


def _sqlite_file(ctx: Context, command: str) -> Path:
    from ..publishing.db import sqlite_path

    db_file = sqlite_path(ctx.campaign.db_url)
    if db_file is None:
        raise InputError(f"qm {command} 只用于 SQLite 数据库；{PG_BACKUP}")
    return db_file


def run_backup(ctx: Context, args: argparse.Namespace) -> int:
    import sqlite3

    from ..publishing import backup
    from ..runtime.rehearsal import refuse_on_live

    db_file = _sqlite_file(ctx, "backup")
    if not db_file.is_file():
        raise InputError(f"还没有数据库 {db_file}，没有可备份的内容：先运行 qm queue 或 qm daemon 把排期放入发布队列，再备份")
    refuse_on_live(ctx.engine, "备份数据库（备份里记下的备份时间会是演练的时刻，恢复时按它核对备份之后发出的内容）")
    folder = backup.folder_for(db_file)
    try:
        path = backup.take(
            db_file, folder, ctx.clock(), tz=ctx.campaign.timezone, keep=0
        )  # adds one, removes none: the daemon keeps its own count
    except sqlite3.Error as exc:
        raise RuntimeFailure(f"备份没有做成：{exc}。请检查状态目录所在磁盘的空间和权限，数据库本身没有改动") from exc
    kept = backup.existing(folder)
    print(f"已备份数据库 {db_file} 到 {path}（{folder} 下共 {len(kept)} 份）。")
    print(f"恢复：先停止后台服务，再运行 qm restore {path}")
    return 0


def run_restore(ctx: Context, args: argparse.Namespace) -> int:
    import time

    from ..publishing import backup
    from ..runtime.file_lock import held_file_lock

    campaign = ctx.campaign
    db_file = _sqlite_file(ctx, "restore")
    if not args.file.is_file():
        raise InputError(f"找不到备份文件 {args.file}（备份在 {backup.folder_for(db_file)}/ 下）")
    with held_file_lock(db_file.with_name(db_file.name + ".lock"), str(db_file)):  # no daemon may start meanwhile
        channels = {c.name: c.publisher == "outbox" for c in campaign.channels}
        done = backup.restore(args.file, db_file, time.time(), lambda name: channels.get(name, False))
    tz = campaign.timezone
    lines = [f"已从备份恢复数据库 {db_file}（备份时间 {dt.datetime.fromtimestamp(done.taken, tz):%Y-%m-%d %H:%M:%S}）。"]
    if done.kept:
        lines.append(f"备份之后已发出的 {len(done.kept)} 条保留发布记录，不会重发。")
    if done.to_check:
        lines.append(f"备份之后到期、去向不明的 {len(done.to_check)} 条：后台服务启动时先向渠道核实，确认未发出的才发布。")
    if done.to_person:
        lines.append(f"备份之后到期、渠道无法核实的 {len(done.to_person)} 条记为失败，请到平台核实：{'、'.join(done.to_person)}")
    print("\n".join(lines))
    return 0
