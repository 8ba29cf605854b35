"""The verdicts of `qm check` on its parts, kept so that a check after editing one content file
renders and checks only the posts that file changed (the whole result: `check_cache`):
- the templates and poster layouts have no problems: under qm's code, the config and the templates;
- the plan: under qm's code, the config, the queue's kept posts and what the planner reads of the
  library (`planning.plan_record`), so that an edit of words only does not plan again;
- a post's findings: under the same and the planned post itself (its slot, reason and the whole
  content item), with the size, times and inode of each poster file the post's rules looked at,
  compared again when the verdict is used;
- each content item's printed words the lint forbids and what the content guide finds in it: under qm's
  code, the config and the whole item;
- which characters of the library each font tried first has: under qm's code and those fonts (path,
  face, size, times, inode); a poster text whose characters one of them has is drawn (`check_glyphs`).
Only verdicts used or made by the last check are kept. Also Jinja2's compiled templates, per code.
`qm build` and `qm posters` keep, the same way, which images each post's rendering named (under what
the rendering reads: qm's code, the config, the templates and the post), so that an unchanged plan
tells which posters it needs without rendering every post again.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import json
import os
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from ..inputs.campaign import Campaign
from ..support.errors import Problem, QmError
from ..support.values import ImageRef

if TYPE_CHECKING:
    from jinja2.bccache import Bucket, BytecodeCache

    from ..inputs.content import ContentItem, Library
    from ..planning.kept import Kept
    from ..planning.planner import Plan, PlannedPost

FILE, IMAGES_FILE = "check-parts.json", "post-images.json"  # in the state folder (the images: for qm build, qm posters)
FORMAT = 1


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


def file_state(path: str | Path) -> str:
    """A file's size, times and inode (a file written anew has a new inode); "absent" if there is none."""
    try:
        st = os.stat(path)
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
        self._code, self._campaign = code, campaign
        self._config = _hash(code, repr(campaign))  # what every part reads
        self._rendering = _hash(self._config, templates)  # what every post's rendering reads besides the post
        self._old: dict[str, object] = {}
        self._kept: dict[str, object] = {}
        self._post_keys: dict[str, str] = {}
        self._items: dict[int, tuple[object, str]] = {}  # id(item) -> (item, digest of its repr)
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

    def plan(self, library: Library, kept: Mapping[str, Kept], make: Callable[[], Plan]) -> Plan:
        """The plan kept under what the planner reads (`plan_record`), else the one `make` makes (and kept)."""
        from ..planning.plan_record import planned_view, read_back, record

        key = _hash(self._config, "plan", repr(sorted(kept.items())), planned_view(library))
        plan = read_back(self._old.get(key), self._campaign, library)
        if plan is None:
            plan = make()
            self._kept[key] = record(plan)
        else:
            self._kept[key] = self._old[key]
        return plan

    def _item_digest(self, item: ContentItem) -> str:
        """The digest of the repr of the whole content item, made once per item (its posts and verdicts share it)."""
        known = self._items.get(id(item))
        if known is None or known[0] is not item:
            known = self._items[id(item)] = (item, _hash(repr(item)))
        return known[1]

    def _item_rows(self, check: str, item: ContentItem, width: int, make: Callable[[], list[list[str]]]) -> list[list[str]]:
        """A verdict on one content item, rows of `width` texts, under qm's code, the config and the whole item;
        else the one `make` makes (and kept)."""
        key = _hash(self._config, check, self._item_digest(item))
        rows = self._old.get(key)
        if not (
            isinstance(rows, list) and all(isinstance(r, list) and len(r) == width and all(isinstance(t, str) for t in r) for r in rows)
        ):
            rows = make()
        self._kept[key] = rows
        return rows

    def printed_words(self, item: ContentItem) -> list[tuple[str, str]]:
        """The item's `lint.printed_words`: what the campaign's lint and hotline forbid in its printed words."""
        from ..rendering.lint import printed_words

        rows = self._item_rows("printed", item, 2, lambda: [list(found) for found in printed_words(self._campaign, item)])
        return [(field, reason) for field, reason in rows]

    def body_words(self, item: ContentItem) -> list[str]:
        """The item's `lint.body_words`: what the check forbids in a body a channel it may go to publishes."""
        from ..rendering.lint import body_words

        return [reason for (reason,) in self._item_rows("body", item, 1, lambda: [[r] for r in body_words(self._campaign, item)])]

    def guide_rows(self, item: ContentItem) -> list[tuple[bool, Problem]]:
        """The item's `content_markup.guide_rows`: a summary too short, markup in its words."""
        from ..inputs.content_markup import guide_rows

        rows = self._item_rows("guide", item, 4, lambda: [["markup" if m else "", p.message, p.where, p.hint] for m, p in guide_rows(item)])
        return [(markup == "markup", Problem(message, where, hint)) for markup, message, where, hint in rows]

    def _post_key(self, post: PlannedPost) -> str:
        """Under what the rendering reads, the post: every field (the whole content item by its digest)."""
        post_id = post.id
        key = self._post_keys.get(post_id)
        if key is None:  # asked for twice when the post is checked: made once
            rest = (f"{f.name}={getattr(post, f.name)!r}" for f in dataclasses.fields(post) if f.name != "item")
            key = self._post_keys[post_id] = _hash(self._rendering, "post", post_id, *rest, self._item_digest(post.item))
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
        if any(not isinstance(state, str) or file_state(name) != state for name, state in files.items()):
            return None
        self._kept[key] = entry
        return reasons

    def keep_findings(self, post: PlannedPost, files: dict[Path, str], reasons: list[str]) -> None:
        """`files`: each poster file the rules looked at, with its `file_state` from before they did."""
        self._kept[self._post_key(post)] = {"files": {str(p): state for p, state in files.items()}, "reasons": reasons}

    def images(self, post: PlannedPost) -> tuple[ImageRef, ...] | None:
        """The images the rendering of `post` named, if its inputs are as they were (`qm build`, `qm posters`)."""
        entry = self._get(_hash(self._rendering, "images", post.id, repr(post)))
        if not (isinstance(entry, list) and all(isinstance(i, list) and len(i) == 4 and all(isinstance(f, str) for f in i) for i in entry)):
            return None
        return tuple(ImageRef(*i) for i in entry)

    def keep_images(self, post: PlannedPost, images: tuple[ImageRef, ...]) -> None:
        self._kept[_hash(self._rendering, "images", post.id, repr(post))] = [[i.ref, i.item, i.layout, i.size] for i in images]

    def covered(self, fonts: str, count: int) -> list[str]:
        """Per font of `fonts` (their names and files' states, `count` of them), the characters it is
        known to have (`check_glyphs`); empty strings when nothing is known."""
        value = self._get(_hash(self._code, "glyphs", fonts))
        if isinstance(value, list) and len(value) == count and all(isinstance(chars, str) for chars in value):
            return value
        return [""] * count

    def keep_covered(self, fonts: str, chars: list[str]) -> None:
        self._kept[_hash(self._code, "glyphs", fonts)] = chars

    def save(self) -> None:
        """Keep the verdicts this check used or made (and no others); nothing written if they are the same."""
        if self._kept == self._old:
            return
        from ..support.atomic_files import atomic_write_bytes

        data = json.dumps({"format": FORMAT, "entries": self._kept}, ensure_ascii=False, separators=(",", ":"))
        with contextlib.suppress(QmError):
            atomic_write_bytes(self.path, data.encode(), durable=False)
