"""The last result of `qm check`, replayed while nothing the check reads has changed.

A result (what was printed, the exit code) is stored with a fingerprint of every input of the check:
- the config as read (its file, and the campaign it makes: sensitive words, brand files, text values);
- every file under the content and template folders (posters' layouts included);
- the fonts the glyph check tries: the configured font, the system font folders and fontconfig's
  settings (the bundled font is an installed package);
- the environment (secrets, `<VAR>_FILE` files, the token's expiry date) and the working folder;
- today's date in the campaign's time zone (the token warning counts days);
- the posts the queue holds (the plan keeps their items);
- qm's own code (its files' bytes, read again only when a file's stat changed: `code_files`) and the
  installed packages.
Files up to SMALL bytes are fingerprinted by their bytes, so that an edit within the file system's
timestamp granularity still changes the key; larger ones and system fonts by size, times and inode.
The poster files are inputs too (the platform rules check their sizes): by size, times and inode.
A stored result whose fingerprint differs, or that cannot be read, is ignored and the check runs.
The fingerprint is taken before the check reads anything: a file changed during the check makes the
next run check again.

When the check does run, it keeps its verdicts on parts (`check_parts`).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import os
import sys
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from .. import __version__
from ..inputs.campaign import Campaign
from ..inputs.parse_cache import installed_packages
from ..support.errors import QmError
from ..support.file_digest import SETTLED_NS  # files unchanged for this long: a later write changes their stat

if TYPE_CHECKING:
    from ..planning.kept import Kept

FILE = "check-result.json"  # in the state folder
FORMAT = 2
SMALL = 1 << 20
# Set by the shell for each command or folder change; the check reads none of them.
VOLATILE_ENV = frozenset({"_", "PWD", "OLDPWD", "SHLVL", "COLUMNS", "LINES"})
FONT_FOLDERS = ("/usr/share/fonts", "/usr/local/share/fonts", "~/.fonts", "~/.local/share/fonts")
FONTCONFIG_FOLDERS = ("/etc/fonts", "~/.config/fontconfig")  # which fonts fc-list names
PACKAGE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))  # the scheduler package
CODE_RECORD = "code-files.json"  # in the package's __pycache__: the stat of qm's files when their bytes were read
_taken: str | None = None  # `code_identity()` while a waiting check answers (see `taken_code`)


@dataclass(frozen=True)
class Result:
    stdout: str
    stderr: str
    code: int

    def replay(self) -> int:
        sys.stdout.write(self.stdout)
        sys.stderr.write(self.stderr)
        return self.code


class _Digest:
    def __init__(self) -> None:
        self._hash = hashlib.sha256()

    def add(self, label: str, value: object) -> None:
        self._hash.update(f"{label}\0{value}\0".encode("utf-8", "surrogateescape"))

    def file(self, path: str | Path) -> None:
        try:
            st = os.stat(path)
            if st.st_size > SMALL:
                self.add(f"big:{path}", f"{st.st_size}:{st.st_mtime_ns}:{st.st_ctime_ns}:{st.st_ino}")
                return
            with open(path, "rb") as f:
                data = f.read()
        except OSError as exc:
            self.add(f"unreadable:{path}", type(exc).__name__)
            return
        self.add(f"file:{path}", len(data))
        self._hash.update(data)

    def tree(self, root: str | Path, *, skip: frozenset[str] = frozenset()) -> None:
        """Every file below `root` (names and bytes) and every folder's name."""
        try:
            entries = sorted(os.scandir(root), key=lambda e: e.name)
        except OSError as exc:
            self.add(f"unlistable:{root}", type(exc).__name__)
            return
        for entry in entries:
            if entry.name in skip:
                continue
            if entry.is_dir():
                self.add("dir", entry.path)
                self.tree(entry.path, skip=skip)
            else:
                self.file(entry.path)

    def stats(self, root: str) -> None:
        """Every file below `root` by its size, times and inode (font files: big, and replaced, not edited)."""
        try:
            entries = sorted(os.scandir(root), key=lambda e: e.name)
        except OSError:
            self.add("no folder", root)
            return
        for entry in entries:
            try:
                if entry.is_dir():
                    self.stats(entry.path)
                    continue
                st = entry.stat()
            except OSError as exc:
                self.add(f"unreadable:{entry.path}", type(exc).__name__)
                continue
            self.add(f"font:{entry.path}", f"{st.st_size}:{st.st_mtime_ns}:{st.st_ctime_ns}:{st.st_ino}")

    def hexdigest(self) -> str:
        return self._hash.hexdigest()


def code_identity() -> str:
    """Changes with qm's code, the Python that runs it and the installed packages (inside `taken_code`,
    the identity just taken, without reading qm's files again)."""
    if _taken is not None:
        return _taken
    d = _Digest()
    d.add("format", FORMAT)
    d.add("qm", __version__)
    d.add("python", f"{sys.prefix} {os.path.realpath(sys.executable)} {sys.version}")  # `qm` runs python3.11, `-m` python
    d.add("files", code_files())
    d.add("packages", installed_packages())
    return d.hexdigest()


def code_files() -> str:
    """The digest of qm's files (names and bytes) and folders' names. The bytes are read again only when a
    file's size, modification or change time or inode differs from the record beside the compiled modules
    (`__pycache__/code-files.json`, written like them: not while bytecode is not written). A record is
    kept only when every file was last changed SETTLED_NS before the reading began: a write within the
    file system's time tick after the reading would leave the same stat behind; the change time, which
    no one can set back, catches an edit whose modification time was put back."""
    started = time.time_ns()
    listing: list[list[str | int]] = []
    _list(PACKAGE, listing)
    record = os.path.join(PACKAGE, "__pycache__", CODE_RECORD)
    try:
        with open(record, "rb") as f:
            data = json.loads(f.read())
        if data["format"] == FORMAT and data["files"] == listing and isinstance(data["digest"], str):
            return str(data["digest"])
    except (OSError, ValueError, KeyError, TypeError):
        pass
    d = _Digest()
    d.tree(PACKAGE, skip=frozenset({"__pycache__"}))
    digest = d.hexdigest()
    if not sys.dont_write_bytecode and all(started - max(f[2:4]) > SETTLED_NS for f in listing if len(f) > 1):  # type: ignore[operator]
        from ..support.atomic_files import atomic_write_bytes

        with contextlib.suppress(QmError):
            atomic_write_bytes(Path(record), json.dumps({"format": FORMAT, "files": listing, "digest": digest}).encode(), durable=False)
    return digest


def _list(root: str, out: list[list[str | int]]) -> None:
    """Every folder (its name) and file (name, size, modification and change times, inode) below `root`."""
    for entry in sorted(os.scandir(root), key=lambda e: e.name):
        if entry.name == "__pycache__":
            continue
        if entry.is_dir():
            out.append([entry.path])
            _list(entry.path, out)
        else:
            st = entry.stat()
            out.append([entry.path, st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino])


@contextlib.contextmanager
def taken_code(code: str) -> Iterator[None]:
    """Inside it `code_identity()` is `code`: the waiting check (`qm check --stay`) takes the identity once
    per question, to leave if the code changed, and its answer's check uses that one."""
    global _taken
    _taken = code
    try:
        yield
    finally:
        _taken = None


def templates_identity(campaign: Campaign) -> str:
    """Changes with any file under the templates folder (the channels' templates, poster layouts)."""
    d = _Digest()
    d.tree(campaign.paths.templates)
    return d.hexdigest()


def key(campaign: Campaign, config_arg: Path, today: dt.date, code: str, templates: str, kept: Mapping[str, Kept]) -> str:
    """The fingerprint of every input of `qm check` on this campaign (see the module's text);
    `code` and `templates` are `code_identity()` and `templates_identity(campaign)`, `kept` the queue's posts."""
    d = _Digest()
    d.add("code", code)
    d.add("kept", sorted((post_id, k.channel, k.item, k.out) for post_id, k in kept.items()))
    d.add("cwd", os.getcwd())
    d.add("config argument", config_arg)
    d.add("today", today.isoformat())
    for name, value in sorted(os.environ.items()):
        if name in VOLATILE_ENV:
            continue
        d.add(f"env:{name}", value)
        if name.endswith("_FILE") and value:
            d.file(Path(value))
    d.file(campaign.config_path)
    d.add("campaign", repr(campaign))
    d.tree(campaign.paths.content)
    d.add("templates", templates)
    d.stats(str(campaign.paths.posters))
    for path in (campaign.brand.font, campaign.brand.logo, campaign.posters.photo):
        if path is not None:
            d.file(path)
    for folder in FONT_FOLDERS:
        d.stats(os.path.expanduser(folder))
    for folder in FONTCONFIG_FOLDERS:
        d.tree(os.path.expanduser(folder))
    return d.hexdigest()


def load(path: Path, fingerprint: str) -> Result | None:
    """The stored result if it was stored under `fingerprint`; None when absent, stale or unreadable."""
    try:
        data = json.loads(path.read_bytes())
        if data["format"] != FORMAT or data["key"] != fingerprint:
            return None
        stdout, stderr, code = data["stdout"], data["stderr"], data["code"]
    except (OSError, ValueError, KeyError, TypeError):
        return None
    if not (isinstance(stdout, str) and isinstance(stderr, str) and isinstance(code, int)):
        return None
    return Result(stdout, stderr, code)


def store(path: Path, fingerprint: str, result: Result) -> None:
    """Keep `result` for the next run; a state folder that cannot be written only costs the cache."""
    from ..support.atomic_files import atomic_write_bytes  # not needed when the stored result is replayed

    data = {"format": FORMAT, "key": fingerprint, "stdout": result.stdout, "stderr": result.stderr, "code": result.code}
    with contextlib.suppress(QmError):
        atomic_write_bytes(path, json.dumps(data, ensure_ascii=False).encode(), durable=False)
