"""A post's image files for the channels that publish them (outbox, WeChat, Weibo).

Apart from the HTTP channels so that the outbox, and `qm check` which makes every channel, do not
import the HTTP client.
"""

from __future__ import annotations

from pathlib import Path

from ..campaign import Campaign
from ..content import ContentItem, load_library
from ..errors import QmError
from .base import OutgoingPost, PermanentError, TransientError


class PosterFiles:
    """A post's image files: the rendered poster, drawn now if nobody ran `qm posters` for it."""

    def __init__(self, campaign: Campaign) -> None:
        self.campaign = campaign
        self._items: dict[str, ContentItem] | None = None

    def __call__(self, post: OutgoingPost, ref: str) -> Path:
        path = post.images.get(ref)
        if path is not None and path.is_file():
            return path
        image = next((i for i in post.refs if i.ref == ref), None)
        if image is None:
            raise PermanentError(f"{post.id} 引用的图片 {ref} 不在排期里（重新运行 qm queue 刷新队列后再审核）", post.channel)
        from .. import poster  # drawing pulls in Pillow and fonts: only when a poster is missing

        try:
            if self._items is None:
                self._items = {item.id: item for item in load_library(self.campaign.paths.content, self.campaign.text_values).items}
            return poster.ensure(self.campaign, self._items[image.item], image)
        except (QmError, KeyError, OSError) as exc:
            from ..diskfull import is_full  # only on failure: it imports the scheduler

            if is_full(exc):
                raise TransientError(f"{post.id} 的图片 {ref} 无法写入：磁盘已满（腾出空间后自动重试）", post.channel) from exc
            raise PermanentError(f"{post.id} 的图片 {ref} 无法生成：{exc}（先运行 qm posters 检查）", post.channel) from exc
