"""Assisted publishing (人工发布): at the slot time staff receive the ready post, and say when it is out.

publish    send the text and picture through the notification channel -> accepted
reconcile  (the daemon polls accepted posts) still unconfirmed after `confirm_remind_minutes`:
           remind once; after `confirm_deadline_minutes`: report it (the post fails, a person
           is told). `qm confirm ID --url URL --by NAME` marks it published meanwhile.
"""

from __future__ import annotations

from typing import Any

from ...runtime.clock import Clock, SystemClock
from ...support.notify import ASSISTED, Markup, Notice, Notifications
from ...support.notify import TIMEOUT as NOTIFY_TIMEOUT
from ...support.values import Receipt
from ..api import REQUEST_PHASES, ImageFile
from ..base import Channel, OutgoingPost, PermanentError, TransientError
from . import rules
from .config import WeiboConfig


class AssistedChannel(Channel):
    reconcile_is_authoritative = True  # no record means nobody was asked yet: asking again is harmless

    def __init__(self, config: WeiboConfig, notifications: Notifications, images: ImageFile, clock: Clock | None = None) -> None:
        self.name = config.name
        self.config = config
        self.notifications = notifications
        self.images = images
        self.clock: Clock = clock or SystemClock()

    def publish(self, post: OutgoingPost) -> Receipt:
        ref = str(post.payload.get("image", ""))
        picture = self.images(post, ref) if ref else None
        problems = rules.problems(self.config, post.payload, {ref: picture} if picture else {})
        if problems:  # the very rules `qm check` applies: staff are never sent a post the platform refuses
            raise PermanentError(f"{post.id} 不能发到微博：{'；'.join(problems)}", self.name)
        lines = (
            f"发布时间：{post.at:%Y-%m-%d %H:%M}",
            Markup(f"正文（直接复制）：{post.payload.get('text', '')}"),  # approved words, their paragraphs kept for the copy
            f"配图：{picture}" if picture else "配图：无",
            f"发出后确认：qm confirm {post.id} --url 微博链接 --by 姓名",
        )
        notice = Notice(ASSISTED, f"【请发微博】{post.id}", lines, image=picture)
        post.checkpoint({"mode": "assisted", "stage": "notifying"})  # stored only while this daemon holds the post
        delivery = self.notifications.deliver(notice)
        if delivery.unclear and not delivery.sent:  # a group may have it: pushed again, two colleagues could post it
            raise _maybe_got(post.id, f"推送给工作人员时，{'、'.join(delivery.unclear)}没有应答", self.name)
        if not delivery.sent:
            post.checkpoint({"mode": "assisted", "stage": "ready"})  # nobody has it: a retry pushes it again
            why = "".join(f"{reason}；" for reason in delivery.reasons)  # the real cause: a robot's refusal, a bad address
            raise TransientError(f"人工发布通知没有送达任何工作人员（{why}检查 notifications 的 Webhook 环境变量和 events）", self.name)
        data: dict[str, Any] = {"mode": "assisted", "stage": "notified", "notified_at": self._now(), "image": str(picture or "")}
        post.landed(data)  # staff have it: a crash from here on must not send them a second package
        return Receipt("accepted", data=data)

    def reconcile(self, post: OutgoingPost, receipt: Receipt | None) -> Receipt | None:
        if receipt is not None and receipt.status == "published":
            return receipt  # confirmed
        if receipt is not None and receipt.data.get("stage") == "notifying" and "notified_at" not in receipt.data:
            raise _maybe_got(post.id, "推送给工作人员时服务中断", self.name)  # pushed, or about to be: a group may have it
        if receipt is None or "notified_at" not in receipt.data:
            return None  # staff were never asked: asking is safe
        receipt = Receipt("accepted", receipt.external_id, receipt.url, receipt.data)  # a checkpoint reads as accepted
        waited = (self._now() - float(receipt.data["notified_at"])) / 60
        if waited >= self.config.confirm_deadline_minutes:
            raise PermanentError(
                f"{post.id} 已推送给工作人员 {waited:.0f} 分钟，仍没有人确认发布：请核实；已发出的用 qm confirm {post.id} --url 链接 补记，"
                f"未发出的用 qm retry {post.id} 重新推送",
                self.name,
            )
        if waited >= self.config.confirm_remind_minutes and not receipt.data.get("reminded_at"):
            lines = (f"内容：{post.item}", f"原定时间：{post.at:%m-%d %H:%M}", f"发出后确认：qm confirm {post.id} --url 微博链接 --by 姓名")
            self.notifications.send(Notice(ASSISTED, f"【提醒】微博 {post.id} 还没有确认发布", lines))
            return Receipt("accepted", data={**receipt.data, "reminded_at": self._now()})
        return receipt

    def longest_attempt(self) -> float:
        return self.notifications.requests(ASSISTED) * REQUEST_PHASES * NOTIFY_TIMEOUT

    def _now(self) -> float:
        return self.clock.now().timestamp()

    def close(self) -> None:
        self.notifications.close()


def _maybe_got(post_id: str, what: str, channel: str) -> PermanentError:
    """A push that may have reached staff (`what` happened): never pushed again unasked, two colleagues could post it."""
    return PermanentError(
        f"{post_id} {what}，可能已经收到：请先在群里和微博上核实；"
        f"已发出的用 qm confirm {post_id} --url 链接 补记，群里确实没有收到的用 qm retry {post_id} 重新推送",
        channel,
    )
