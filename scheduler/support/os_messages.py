"""What a person is told, in Chinese, when the file system says no.

`os_reason` turns an OSError's errno into a Chinese reason (the operating system's own text is
English); `path_error` makes the whole message for a path qm was asked to use; `writable_dir`
makes a folder qm must write to, or says why it cannot. (A database that cannot be read is
explained by `db_errors`.)
"""

from __future__ import annotations

import errno
import os
from pathlib import Path

from .errors import InputError, RuntimeFailure

_REASONS = {
    errno.EACCES: "没有权限",
    errno.EPERM: "没有权限",
    errno.EROFS: "所在的文件系统是只读的",
    errno.ENOENT: "文件或目录不存在",
    errno.ENOTDIR: "路径中有一段是文件，不是目录",
    errno.EISDIR: "这是一个目录，不是文件",
    errno.EEXIST: "路径中有一段是文件，不是目录（已经有一个同名的文件）",
    errno.ENOSPC: "磁盘已满",
    errno.EDQUOT: "磁盘配额已用完",
    errno.ENAMETOOLONG: "路径太长",
    errno.ELOOP: "符号链接循环",
    errno.EIO: "磁盘读写错误",
}
# What to do about it, by errno: one hint per kind of trouble.
_HINTS = {
    errno.EACCES: "检查目录和文件的权限，或换一个位置",
    errno.EPERM: "检查目录和文件的权限，或换一个位置",
    errno.EROFS: "换一个可以写入的位置",
    errno.ENOENT: "先创建所在的目录，或换一个位置",
    errno.ENOTDIR: "把它换成目录，或换一个位置",
    errno.EISDIR: "写一个文件的路径，而不是目录",
    errno.EEXIST: "把它换成目录，或换一个位置",
    errno.ENOSPC: "清理磁盘空间后重试",
    errno.EDQUOT: "清理磁盘空间后重试",
}


def os_reason(exc: OSError) -> str:
    """The Chinese reason for an OSError (never the system's English text: an unusual one gives its number)."""
    if exc.errno is None:
        return str(exc)
    return _REASONS.get(exc.errno, f"操作系统报告的错误（错误号 {exc.errno}）")


def path_error(exc: OSError, doing: str, path: Path | str | None = None, hint: str = "") -> InputError:
    """`doing` is what qm tried, e.g. "写入", "读取", "创建目录"; the path defaults to the one in the error."""
    where = path if path is not None else (exc.filename or "")
    fix = hint or _HINTS.get(exc.errno or 0, "检查路径和权限")
    error = InputError(f"无法{doing} {where}：{os_reason(exc)}（{fix}）")
    if exc.errno in (errno.ENOSPC, errno.EDQUOT, errno.EIO):
        error.exit_code = RuntimeFailure.exit_code  # the machine, not the input
    return error


def writable_dir(path: Path, what: str) -> None:
    """Create `path` (and parents) or raise a Chinese InputError naming it and `what` it is for."""
    try:
        path.mkdir(parents=True, exist_ok=True)
    except FileExistsError as exc:
        raise InputError(f"{what} {path} 是一个文件，不是目录（在配置的 paths 中改用一个目录，或把这个文件移走）") from exc
    except OSError as exc:
        raise path_error(exc, f"创建{what}", path) from exc
    if not os.access(path, os.W_OK | os.X_OK):
        raise InputError(
            f"{what} {path} 不能写入：{_REASONS[errno.EACCES if not _read_only(path) else errno.EROFS]}（检查目录权限，或在配置中换一个位置）"
        )


def _read_only(path: Path) -> bool:
    try:
        return bool(os.statvfs(path).f_flag & os.ST_RDONLY)
    except OSError:
        return False
