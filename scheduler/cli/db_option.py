"""`--db`: look at another SQLite database than the config's, such as the one `qm simulate` keeps (its
`状态目录/simulate/qm.sqlite3`). One option for `qm report`, `qm queue`, `qm history` and `qm status`; the
database is only read: `qm queue --db` lists it as it is, without bringing it in line with the plan."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

from ..support.errors import InputError

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

    from ..publishing.queue import Queue
    from .context import Context


def add_db_option(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--db", type=Path, metavar="数据库文件", help="改看这个 SQLite 数据库（例如 qm simulate 保存的 状态目录/simulate/qm.sqlite3）"
    )


def db_engine(ctx: Context, db: Path | None) -> Engine:
    """The config's database, or the one `--db` names."""
    if db is None:
        return ctx.engine
    if not db.is_file():
        raise InputError(f"找不到数据库文件 {db}（先运行 qm simulate，或检查 --db 的路径）")
    from ..publishing.db import open_db

    return open_db(f"sqlite:///{db.resolve()}")


def db_words(db: Path | None) -> str:
    """`--db` as the user gave it, for a command suggested to them (" --db 文件"; "" without it)."""
    from ..support.commands import shell_word

    return f" --db {shell_word(str(db))}" if db is not None else ""


def db_queue(ctx: Context, db: Path) -> Queue:
    """The queue of the database `--db` names, as it stands: its messages name `qm queue --db` for its ids."""
    from ..publishing.queue import Queue

    return Queue(db_engine(ctx, db), listing=f"qm queue{db_words(db)}")
