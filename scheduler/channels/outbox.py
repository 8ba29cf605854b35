"""The outbox: the embedded default channel. Each published post becomes a folder on disk.

    <state>/outbox/<channel>/<post id>/
        payload.json    what would be sent to the platform
        metadata.json   id, channel, slot time, item, version, when published, attempt
        images/         the post's posters (drawn at publishing time if nobody ran `qm posters`)

The folder is built under a temporary name and renamed into place, so it either exists complete or
not at all: `reconcile` can tell for certain whether a post went out, and `publish` is idempotent.

Two machines (an active daemon and a standby, PostgreSQL) each have an outbox of their own unless their
`.qm/outbox` is one shared folder (nothing else need be shared). Before writing, `publish` records in the database which outbox it
writes to (`<state>/outbox/outbox-id`, made once, names the folder; with the host and the path): a
daemon taking over a post left half-published by another machine checks its own outbox only when it
is that same folder; otherwise it cannot tell whether the post went out, and a person is asked.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import shutil
import socket
import tempfile
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from ..support.atomic_files import fsync_dir
from ..support.os_messages import os_reason
from ..support.values import Receipt
from .base import Channel, OutgoingPost, PermanentError, TransientError

ID_FILE = "outbox-id"  # in the outbox folder: which outbox this is, shared by the machines that share the folder


class OutboxChannel(Channel):
    reconcile_is_authoritative = True

    def __init__(
        self,
        name: str,
        root: Path,
        now: Callable[[], dt.datetime] | None = None,
        images: Callable[[OutgoingPost, str], Path] | None = None,
        check: Callable[[dict[str, Any], Mapping[str, Path]], list[str]] | None = None,
        label: str = "",
    ) -> None:
        self.name = name
        self.label = label or name  # what staff call the channel (`kinds.label_of`)
        self.base = root
        self.root = root / name.replace(":", "-")
        self._now = now or (lambda: dt.datetime.now().astimezone())
        # ref -> image file, making a missing poster; None: copy only the posters that exist
        self._images = images
        # the kind's platform rules (those `qm check` applies): a post that breaks them is refused
        self._check = check

    def folder(self, post: OutgoingPost) -> Path:
        return self.root / post.id

    def publish(self, post: OutgoingPost) -> Receipt:
        target = self.folder(post)
        if target.is_dir():
            return self._receipt(target)
        try:
            self.root.mkdir(parents=True, exist_ok=True)
            # In the database before anything is written: whoever finds this post interrupted knows
            # which outbox may hold it, and does not take another machine's outbox for its own.
            post.checkpoint(
                {"outbox": _identity(self.base, create=True), "outbox_host": socket.gethostname(), "outbox_folder": str(target.absolute())}
            )
            tmp = Path(tempfile.mkdtemp(dir=self.root, prefix=f".{post.id}."))
        except OSError as exc:
            _nothing_written(post)
            raise TransientError(f"无法写入发件箱 {self.root}：{os_reason(exc)}（检查磁盘空间和权限）", self.name) from exc
        try:
            self._fill(tmp, post)
            os.rename(tmp, target)
        except OSError as exc:
            shutil.rmtree(tmp, ignore_errors=True)
            if target.is_dir():  # another writer finished first
                return self._receipt(target)
            _nothing_written(post)
            raise TransientError(f"无法写入发件箱 {target}：{os_reason(exc)}（检查磁盘空间和权限）", self.name) from exc
        except BaseException as exc:
            shutil.rmtree(tmp, ignore_errors=True)  # never leave a half-built folder behind
            if isinstance(exc, Exception) and not target.is_dir():  # refused (the platform's rules) before the rename
                _nothing_written(post)
            raise
        fsync_dir(self.root)
        return self._receipt(target)

    def tidy(self) -> int:
        """Temporary folders (`.<post id>.*`) a killed daemon never renamed into place: never a published post."""
        leftovers = [p for p in self.root.glob(".*") if p.is_dir()] if self.root.is_dir() else []
        for folder in leftovers:
            shutil.rmtree(folder, ignore_errors=True)
        return len(leftovers)

    def reconcile(self, post: OutgoingPost, receipt: Receipt | None) -> Receipt | None:
        target = self.folder(post)
        if (target / "metadata.json").is_file():
            return self._receipt(target)
        writer = receipt.data if receipt is not None else {}
        if writer.get("outbox") and writer["outbox"] != _identity(self.base, create=False):
            raise PermanentError(_unseen_outbox(post.id, writer, self.base), self.name)
        return None

    def _fill(self, folder: Path, post: OutgoingPost) -> None:
        images: dict[str, str] = {}
        # a poster that cannot be drawn fails the post
        sources = {ref: self._images(post, ref) if self._images is not None else path for ref, path in post.images.items()}
        problems = self._check(post.payload, {r: p for r, p in sources.items() if p.is_file()}) if self._check else []
        if problems:
            raise PermanentError(f"{post.id} 不符合{self.label}的限制：{'；'.join(problems)}（修改内容后重新审核）", self.name)
        for ref, source in sources.items():
            if source.is_file():
                (folder / "images").mkdir(exist_ok=True)
                name = f"{len(images) + 1:02d}-{source.name}"
                shutil.copyfile(source, folder / "images" / name)
                images[ref] = f"images/{name}"
        metadata = {
            "id": post.id,
            "channel": post.channel,
            "at": post.at.isoformat(),
            "item": post.item,
            "version": post.version,
            "attempt": post.attempt,
            "published_at": self._now().isoformat(timespec="seconds"),
            "images": images,
            "missing_images": sorted(ref for ref in post.images if ref not in images),
        }
        _write_json(folder / "payload.json", post.payload)
        _write_json(folder / "metadata.json", metadata)  # written last: its presence marks a complete folder
        fsync_dir(folder)

    def _receipt(self, folder: Path) -> Receipt:
        meta = json.loads((folder / "metadata.json").read_text(encoding="utf-8"))
        return Receipt("published", external_id=meta["id"], url=folder.resolve().as_uri(), data={"published_at": meta["published_at"]})


def _identity(base: Path, *, create: bool) -> str:
    """This outbox folder's identity ("" if it has none yet and `create` is false), made at its first write."""
    path = base / ID_FILE
    if create and not path.is_file():
        base.mkdir(parents=True, exist_ok=True)
        import uuid  # with platform: not at import, `qm check` makes the channels but writes no outbox

        with contextlib.suppress(FileExistsError), path.open("x", encoding="ascii") as f:  # one daemon writes at a time
            f.write(uuid.uuid4().hex + "\n")
            f.flush()
            os.fsync(f.fileno())
    try:
        return path.read_text(encoding="ascii").strip()
    except FileNotFoundError:
        return ""


def _unseen_outbox(post_id: str, writer: Mapping[str, Any], base: Path) -> str:
    """Why a person must look: the post may be in the outbox another daemon wrote to (told where, and
    whether that daemon ran on this very machine), and what sharing would have made it certain."""
    host, folder = writer.get("outbox_host") or "另一台机器", writer.get("outbox_folder", "")
    ours = base.absolute()
    if host == socket.gethostname():
        where, look = f"本机（{host}）另一个状态目录的发件箱 {folder}", "查看这个文件夹"
    else:
        where, look = f" {host} 上的发件箱 {folder}", f"请到 {host} 上查看"
    return (
        f"{post_id} 发布时服务中断，当时正写入{where}，本服务的发件箱是 {ours}，不是同一个文件夹，无法确认是否已写入："
        f"{look}，文件夹已在的用 qm confirm {post_id} 补记，没有的用 qm retry {post_id} 重发"
        "（只需让各服务的发件箱 .qm/outbox 是同一个共享文件夹，接管后就自动核对）"
    )


def _nothing_written(post: OutgoingPost) -> None:
    """The write failed and left nothing: the post is in no outbox, a retry on any machine may send it.
    A record that cannot be cleared now (the database unreachable) only makes another machine ask a person."""
    with contextlib.suppress(Exception):
        post.checkpoint({})


def _write_json(path: Path, data: Any) -> None:
    with path.open("w", encoding="utf-8") as f:
        json.dump(data, f, ensure_ascii=False, indent=2)
        f.flush()
        os.fsync(f.fileno())
