"""What a person is told, in Chinese, when the queue database cannot be used.

A corrupt SQLite file is named with its latest backup and the command that puts it back; a PostgreSQL
server's failures are told by `postgres_errors`; SQLite's usual troubles (locked, cannot open, read-only,
disk full) are said in Chinese with what to check; any other database error says which database could
not be used, quoting SQLite.
"""

from __future__ import annotations

from pathlib import Path

from ..support.errors import InputError, QmError, RuntimeFailure

POSTGRESQL = ("postgresql:", "postgres:", "postgresql+")
# SQLite's words for a file it cannot read, and what they mean to a person.
CORRUPT = {
    "malformed": "文件内容已损坏",
    "not a database": "它不是 SQLite 数据库文件，可能被别的文件覆盖了",
    "file is encrypted": "它不是可以读取的 SQLite 数据库文件，可能被别的文件覆盖了",
    "disk i/o error": "读取时磁盘出错，磁盘或文件已损坏",
}


# SQLite's words for a file it cannot use for now, what they mean and what to check.
TROUBLE = {
    "database is locked": "数据库正被另一个程序占用，等了一会儿仍没有释放：稍后再试；一直这样时，查看是否有卡住的 qm 命令，"
    "数据库文件是否放在网络共享目录上（SQLite 文件要放在本机磁盘上）",
    "unable to open database file": "打不开数据库文件：检查配置中 database 指向的路径是文件而不是文件夹、所在的文件夹存在，"
    "以及运行 qm 的用户能读写它",
    "readonly database": "数据库文件是只读的：检查运行 qm 的用户对这个文件和它所在的文件夹有写权限",
    "database or disk is full": "磁盘已满：腾出空间后再试",
}


def is_busy(exc: BaseException) -> bool:
    """SQLite's write lock held by another program past the busy timeout: the database's own error (or what it was
    raised from), not another error met while handling one."""
    seen: set[int] = set()
    cause: BaseException | None = exc
    while cause is not None and id(cause) not in seen:
        seen.add(id(cause))
        if type(cause).__name__ == "OperationalError" and any(w in str(cause).lower() for w in BUSY):
            return True
        cause = cause.__cause__
    return False


BUSY = ("database is locked", "database table is locked")


def is_corrupt(message: str) -> bool:
    return any(word in message.lower() for word in CORRUPT)


def _meaning(message: str) -> str:
    return next(meaning for word, meaning in CORRUPT.items() if word in message.lower())


def database_error(exc: Exception, url: str, shown_url: str) -> QmError:
    """A database error a person can act on: corrupt file (with the latest backup), or cannot open."""
    if url.startswith(POSTGRESQL):
        from .postgres_errors import postgres_error  # it names the server with SQLAlchemy's URL parser: only then

        return postgres_error(exc, url)
    text = str(getattr(exc, "orig", None) or exc)
    path = sqlite_file(url)
    if is_corrupt(text) and path is not None:
        backup = latest_backup(path)
        where = f"最近的备份是 {backup}" if backup else f"{path.parent} 下没有找到备份"
        import logging  # only here: a check that reads the queue loads no logging

        from ..support.logs import event

        event(logging.getLogger("qm.db"), "database_corrupt", path=path, sqlite=text)  # SQLite's words: for the log only
        return InputError(
            f"数据库文件 {path} 已损坏，无法读取（{_meaning(text)}）。{where}。"
            f"（停止后台服务，把损坏的文件改名保存，再{'运行 qm restore ' + str(backup) + ' 恢复' if backup else '运行 qm queue 重建发布队列，已发布内容的记录需要对照发件箱或平台核实'}）"
        )
    trouble = next((meaning for word, meaning in TROUBLE.items() if word in text.lower()), None)
    if trouble is not None:
        return RuntimeFailure(f"无法使用数据库 {shown_url}：{trouble}")
    return RuntimeFailure(f"无法使用数据库 {shown_url}（SQLite 报告：{text}）：检查配置中的 database 和数据库文件")


def latest_backup(path: Path) -> Path | None:
    """The newest backup the daemon took of a SQLite file (`backups/` beside it), or None."""
    from .backup import existing, folder_for  # backup imports db, which imports this module

    found = existing(folder_for(path))
    return found[-1] if found else None


def sqlite_file(url: str) -> Path | None:
    """The file of a `sqlite:///path` URL, read without SQLAlchemy; None for any other database."""
    prefix = "sqlite:///"
    if not url.startswith(prefix) or url == prefix + ":memory:":
        return None
    return Path(url[len(prefix) :].split("?", 1)[0])
