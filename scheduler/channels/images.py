"""A post's image files for the channels that publish them (outbox, WeChat, Weibo), and what format a file is.

The files come from an `ImageSource` the daemon or the CLI hands over (posters, drawn when missing):
a channel never loads content or draws itself. Apart from the HTTP channels so that the outbox, and
`qm check` which makes every channel, do not import the HTTP client.
"""

from __future__ import annotations

from pathlib import Path

from ..support.errors import PicturesNotApproved, PosterRedrawn, QmError
from ..support.values import ApprovedImages, ImageSource
from .base import NotApproved, OutgoingPost, PermanentError, TransientError

MB = 1024 * 1024


class PostImages:
    """A post's image file for a placeholder: the source's (drawn again when the file there was drawn from
    other inputs than the ones it has now); the file the queue named only for a reference it does not list.
    A source that gives pictures only as approved (`ApprovedImages`, the daemon's) gives a copy of bytes it
    found drawn from inputs that still make the post's version: an edit saved while the post is being sent
    is refused (`NotApproved`) before anything goes to the platform."""

    def __init__(self, source: ImageSource) -> None:
        self.source = source

    def __call__(self, post: OutgoingPost, ref: str) -> Path:
        image = next((i for i in post.refs if i.ref == ref), None)
        path = post.images.get(ref)
        if image is None and path is not None and path.is_file():
            return path
        if image is None:
            raise PermanentError(f"{post.id} 引用的图片 {ref} 不在排期里（重新运行 qm queue 刷新队列后再审核）", post.channel)
        try:
            if isinstance(self.source, ApprovedImages):
                return self.source.approved(post.channel, post.payload, post.version, post.refs, image)
            return self.source(image)
        except PicturesNotApproved as exc:
            raise NotApproved(str(exc), post.channel) from exc
        except PosterRedrawn as exc:
            raise TransientError(f"{post.id} 的图片 {ref}：{exc}", post.channel) from exc
        except (QmError, KeyError, OSError) as exc:
            from ..runtime.disk_full import is_full  # only on failure: it imports the scheduler

            if is_full(exc):
                raise TransientError(f"{post.id} 的图片 {ref} 无法写入：磁盘已满（腾出空间后自动重试）", post.channel) from exc
            raise PermanentError(f"{post.id} 的图片 {ref} 无法生成：{exc}（先运行 qm posters 检查）", post.channel) from exc


def image_kind(path: Path) -> str:
    """The image format by its first bytes: png, jpeg, gif, bmp, or ""."""
    with path.open("rb") as f:
        head = f.read(8)
    if head.startswith(b"\x89PNG"):
        return "png"
    if head.startswith(b"\xff\xd8"):
        return "jpeg"
    if head[:4] in (b"GIF8",):
        return "gif"
    if head.startswith(b"BM"):
        return "bmp"
    return ""
