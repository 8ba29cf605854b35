"""File writes that never leave a half-written file behind."""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

from .os_messages import path_error


def atomic_write_bytes(path: Path, data: bytes, durable: bool = True, replace: bool = True, private: bool = False) -> None:
    """Write to a temporary file in the same folder, then rename over the target.

    `replace=False` never puts it over a file that is there (perhaps one written meanwhile): it raises
    FileExistsError instead.

    `durable=False` skips fsync: for files that can be made again (posters), where a crash may lose
    the new file but never leaves a half-written one. `private`: readable by its owner alone (a key). A target that is no file (`/dev/null`, a pipe,
    `/dev/stdout`) is written into, never replaced: renaming over it would put a file in its place."""
    try:
        if _special(path):
            with open(path, "wb") as f:
                f.write(data)
            return
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = _new_file(path, 0o600 if private else 0o666)
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(data)
                if durable:
                    f.flush()
                    os.fsync(f.fileno())
            if replace:
                os.replace(tmp, path)
            else:
                _link_new(Path(tmp), path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
    except FileExistsError:
        raise
    except OSError as exc:
        raise path_error(exc, "写入", path) from exc


def _new_file(path: Path, mode: int = 0o666) -> tuple[int, str]:
    """A new, empty file beside `path` with an unused name, opened for writing, with the permissions any
    written file gets (`mode`, 0666 by default, less the umask). Like `tempfile.mkstemp`, without importing `tempfile`
    (with shutil, random, bz2 and lzma), which every command that writes a file would pay at start."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
    for _ in range(100):
        tmp = os.path.join(path.parent, f".{path.name}.{os.urandom(6).hex()}.tmp")
        try:
            return os.open(tmp, flags, mode), tmp
        except FileExistsError:
            continue
    raise FileExistsError(errno.EEXIST, "No usable temporary name", str(path.parent))


def temp_beside(path: Path) -> Path:
    """A new, empty file beside `path` with a name no other writer uses, for a writer that opens it by name (a PDF
    library): two writes of the same file at once never write into one temporary file. The caller renames it over
    `path` or removes it."""
    try:
        fd, tmp = _new_file(path)
    except OSError as exc:
        raise path_error(exc, "写入", path) from exc
    os.close(fd)
    return Path(tmp)


def _link_new(tmp: Path, path: Path) -> None:
    """Give `tmp` the name `path` only if no file has it (a hard link fails on one that exists)."""
    try:
        os.link(tmp, path)
    except FileExistsError:
        raise
    except OSError as exc:
        if exc.errno not in (errno.EPERM, errno.ENOTSUP, errno.EOPNOTSUPP):
            raise
        if path.exists():  # a file system without hard links (a FAT USB stick): checked, then renamed
            raise FileExistsError(errno.EEXIST, "File exists", str(path)) from exc
        os.replace(tmp, path)
    else:
        tmp.unlink()


def _special(path: Path) -> bool:
    """True if `path` is a device, a pipe or a socket (a folder or a missing path is not)."""
    try:
        mode = os.stat(path).st_mode
    except FileNotFoundError:
        return False
    return not (stat.S_ISREG(mode) or stat.S_ISDIR(mode))


def atomic_write_text(path: Path, text: str) -> None:
    atomic_write_bytes(path, text.encode("utf-8"))


def fsync_dir(path: Path) -> None:
    """Make a rename or a new entry in `path` durable."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def file_inside(root: Path, relative: str) -> Path | None:
    """The file a URL path names inside `root`, or None for anything else (a 404).

    Every part is checked (no hidden names, backslashes or NULs) and the path is resolved, symlinks
    included, before it must still lie inside `root`."""
    parts = [p for p in relative.split("/") if p]
    if not parts or any(p.startswith(".") or "\\" in p or "\0" in p for p in parts):
        return None
    base = root.resolve()
    try:
        path = base.joinpath(*parts).resolve()
    except (OSError, RuntimeError):
        return None
    return path if path.is_relative_to(base) and path.is_file() else None


def unused_name(path: Path) -> Path:
    """The default file, or, when it exists (perhaps edited since in WPS or Word), the first free
    工作总结（2）.docx, 工作总结（3）.docx… (for a default name): a file named by nobody is never overwritten."""
    n = 1
    found = path
    while found.exists():
        n += 1
        found = path.with_name(f"{path.stem}（{n}）{path.suffix}")
    return found
