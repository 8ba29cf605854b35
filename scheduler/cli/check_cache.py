"""The last result of `qm check`, replayed while nothing the check reads has changed.

A result (what was printed, the exit code) is stored with a fingerprint of every input of the check:
- the config as read (its file, and the campaign it makes: sensitive words, brand files, text values);
- every file under the content and template folders (posters' layouts included);
- the fonts the glyph check tries: the configured font, the system font folders and fontconfig's
  settings (the bundled font is an installed package);
- the environment (secrets, `<VAR>_FILE` files, the token's expiry date) and the working folder;
- today's date in the campaign's time zone (the token warning counts days);
- qm's own code and the installed packages.
Files up to SMALL bytes are fingerprinted by their bytes, so that an edit within the file system's
timestamp granularity still changes the key; larger ones and system fonts by size, times and inode.
The poster files are inputs too (the platform rules check their sizes): by size, times and inode.
A stored result whose fingerprint differs, or that cannot be read, is ignored and the check runs.
The fingerprint is taken before the check reads anything: a file changed during the check makes the
next run check again.

When the check does run, `Parts` keeps its verdicts on parts, so that a check after editing one
content file renders and checks only the posts that file changed:
- the templates and poster layouts have no problems: under qm's code, the config and the templates;
- a post's findings: under the same and the planned post itself (its slot, reason and the whole
  content item), with the size, times and inode of each poster file the post's rules looked at,
  compared again when the verdict is used;
- a poster text can be drawn: under qm's code, the text and the fonts tried (path, size, times, inode).
Only verdicts used or made by the last check are kept.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from .. import __version__
from ..inputs.campaign import Campaign
from ..inputs.parse_cache import installed_packages
from ..support.errors import QmError

if TYPE_CHECKING:
    from jinja2.bccache import Bucket, BytecodeCache

    from ..planning.planner import PlannedPost

FILE, PARTS_FILE = "check-result.json", "check-parts.json"  # in the state folder
FORMAT = 2
SMALL = 1 << 20
# Set by the shell for each command or folder change; the check reads none of them.
VOLATILE_ENV = frozenset({"_", "PWD", "OLDPWD", "SHLVL", "COLUMNS", "LINES"})
FONT_FOLDERS = ("/usr/share/fonts", "/usr/local/share/fonts", "~/.fonts", "~/.local/share/fonts")
FONTCONFIG_FOLDERS = ("/etc/fonts", "~/.config/fontconfig")  # which fonts fc-list names
PACKAGE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))  # the scheduler package


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
    """Changes with qm's code, the Python that runs it and the installed packages."""
    d = _Digest()
    d.add("format", FORMAT)
    d.add("qm", __version__)
    d.add("python", f"{sys.prefix} {os.path.realpath(sys.executable)} {sys.version}")  # `qm` runs python3.11, `-m` python
    d.tree(PACKAGE, skip=frozenset({"__pycache__"}))
    d.add("packages", installed_packages())
    return d.hexdigest()


def templates_identity(campaign: Campaign) -> str:
    """Changes with any file under the templates folder (the channels' templates, poster layouts)."""
    d = _Digest()
    d.tree(campaign.paths.templates)
    return d.hexdigest()


def key(campaign: Campaign, config_arg: Path, today: dt.date, code: str, templates: str) -> str:
    """The fingerprint of every input of `qm check` on this campaign (see the module's text);
    `code` and `templates` are `code_identity()` and `templates_identity(campaign)`."""
    d = _Digest()
    d.add("code", code)
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


COMPILED = "compiled-templates"  # in the state folder: a folder per `code_identity()`


def compiled_templates(state: Path, code: str) -> BytecodeCache | None:
    """Jinja2's compiled templates kept in the state folder, so that an unchanged template is not
    compiled again: in a folder of this code's own (what Jinja2 compiles depends on its version and on
    the sandbox's class and options, which the code fixes), the folders of other code removed. A
    template is compiled again when its text changes (Jinja2 compares a checksum of it). A damaged
    file is compiled again and replaced; a folder that cannot be written only costs the keeping.
    Anyone who can write the state folder can change what runs: it is qm's own, like its database."""
    import shutil

    import jinja2

    class Compiled(jinja2.FileSystemBytecodeCache):
        def load_bytecode(self, bucket: Bucket) -> None:
            try:
                super().load_bytecode(bucket)
            except Exception:  # a damaged file (pickle and marshal raise many kinds): compiled again
                bucket.reset()

        def dump_bytecode(self, bucket: Bucket) -> None:
            with contextlib.suppress(OSError):
                super().dump_bytecode(bucket)

    root = state / COMPILED
    folder = root / code[:16]
    try:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        for other in root.iterdir():
            if other != folder:
                shutil.rmtree(other, ignore_errors=True)
    except OSError:
        return None
    return Compiled(str(folder))


def file_state(path: Path) -> str:
    """A file's size, times and inode (a file written anew has a new inode); "absent" if there is none."""
    try:
        st = path.stat()
    except OSError:
        return "absent"
    return f"{st.st_size}:{st.st_mtime_ns}:{st.st_ctime_ns}:{st.st_ino}"


def _hash(*parts: str) -> str:
    return hashlib.sha256("\0".join(parts).encode("utf-8", "surrogateescape")).hexdigest()


class Parts:
    """Verdicts of the last check on its parts, each under the fingerprint of what it read (see the
    module's text). `*_ok` and `findings` answer None/False when there is no valid verdict."""

    def __init__(self, path: Path, campaign: Campaign, code: str, templates: str, *, reuse: bool = True) -> None:
        """`reuse=False`: no earlier verdict is used (`qm check --no-cache`); this check's are kept."""
        self.path = path
        self._code = code
        self._rendering = _hash(code, repr(campaign), templates)  # what every post's rendering reads besides the post
        self._old: dict[str, object] = {}
        self._kept: dict[str, object] = {}
        self._post_keys: dict[str, str] = {}
        try:
            data = json.loads(path.read_bytes()) if reuse else None
            if isinstance(data, dict) and data.get("format") == FORMAT and isinstance(data.get("entries"), dict):
                self._old = data["entries"]
        except (OSError, ValueError):
            pass

    def _get(self, key: str) -> object:
        value = self._old.get(key)
        if value is not None:
            self._kept[key] = value
        return value

    def templates_ok(self) -> bool:
        return self._get(_hash(self._rendering, "templates")) is True

    def keep_templates_ok(self) -> None:
        self._kept[_hash(self._rendering, "templates")] = True

    def _post_key(self, post: PlannedPost) -> str:
        key = self._post_keys.get(post.id)
        if key is None:  # asked for twice when the post is checked: its repr (the whole item) made once
            key = self._post_keys[post.id] = _hash(self._rendering, "post", post.id, repr(post))
        return key

    def findings(self, post: PlannedPost) -> list[str] | None:
        """The reasons the check found against `post`, if its inputs and poster files are as they were."""
        key = self._post_key(post)
        entry = self._old.get(key)
        if not isinstance(entry, dict):
            return None
        files, reasons = entry.get("files"), entry.get("reasons")
        if not (isinstance(files, dict) and isinstance(reasons, list) and all(isinstance(r, str) for r in reasons)):
            return None
        if any(not isinstance(state, str) or file_state(Path(name)) != state for name, state in files.items()):
            return None
        self._kept[key] = entry
        return reasons

    def keep_findings(self, post: PlannedPost, files: dict[Path, str], reasons: list[str]) -> None:
        """`files`: each poster file the rules looked at, with its `file_state` from before they did."""
        self._kept[self._post_key(post)] = {"files": {str(p): state for p, state in files.items()}, "reasons": reasons}

    def _text_key(self, fonts: str, text: object) -> str:
        return _hash(self._code, "text", fonts, repr(text))

    def text_ok(self, fonts: str, text: object) -> bool:
        """`fonts` names the fonts tried and their files' states; `text` a poster text (by its repr)."""
        return self._get(self._text_key(fonts, text)) is True

    def keep_text_ok(self, fonts: str, text: object) -> None:
        self._kept[self._text_key(fonts, text)] = True

    def save(self) -> None:
        """Keep the verdicts this check used or made (and no others); nothing written if they are the same."""
        if self._kept == self._old:
            return
        from ..support.atomic_files import atomic_write_bytes

        data = json.dumps({"format": FORMAT, "entries": self._kept}, ensure_ascii=False, separators=(",", ":"))
        with contextlib.suppress(QmError):
            atomic_write_bytes(self.path, data.encode(), durable=False)
