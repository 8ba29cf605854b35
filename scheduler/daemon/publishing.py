"""Publishing a post, once: the `publish` and `poll` jobs and what becomes of a post afterwards.

Claim the post (scheduled -> publishing, one conditional UPDATE fenced on the lease), call the
channel, store the receipt. Transient errors retry with capped backoff until the post's deadline
(its channel's grace window; a screen's on-hours); permanent ones fail the post and a person is notified. A post found in `publishing` is
reconciled with its channel, never re-sent blindly. Once the platform has taken a post (its receipt
holds a publish_id, msg_id or Weibo id, see `channels.base.committed`), errors while following it up
are not publish attempts: the post waits in `accepted` and is polled until the platform answers, or
a person is asked; it is never sent again.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable
from typing import Any

import sqlalchemy as sa

from .. import jobs
from ..channels.base import ChannelError, OutgoingPost, PermanentError, TransientError
from ..publishing import channel_warnings
from ..publishing import states as st
from ..publishing.queue import Post
from ..publishing.review import is_paused, paused
from ..publishing.timing import POLL_LIMIT, Action, decide, poll_delay, retry_at
from ..runtime import disk_full as diskfull
from ..support.logs import event
from ..support.values import Receipt, committed, handed_at, poster_path, went_out_at
from .as_approved import held_back
from .context import WHO, Shared, log
from .problem_notices import problem_notice

Fence = Callable[[], sa.ColumnElement[bool]]  # the lock's fence token for a claim (see `lock.DaemonLock.fence`)


class Publishing:
    def __init__(self, shared: Shared, fence: Fence) -> None:
        self.shared = shared
        self.fence = fence
        self._active: set[str] = set()  # posts this process is publishing right now
        self._active_lock = threading.Lock()

    def is_active(self, post_id: str) -> bool:
        """Being published by this process (so not an orphan left by a crash)."""
        with self._active_lock:
            return post_id in self._active

    # -- jobs --------------------------------------------------------------------------------------

    def publish(self, post_id: str) -> None:
        s = self.shared
        now = s.now()
        post = s.queue.get(post_id)
        if post is None or post.state != st.SCHEDULED or s.stopping.is_set():
            return  # cancelled or rejected meanwhile; when stopping, the next start schedules it again
        deadline = s.deadline(post)
        paused_now = is_paused(paused(s.queue), post.channel)
        decision = decide(fire_at=post.fire_at, attempts=post.attempts, deadline=deadline.at.timestamp(), paused=paused_now, now=now)
        if decision.action is Action.MISSED:
            self.missed(post, f"服务停止期间错过发布时间，已超过{deadline.limit}", now)
        elif decision.action in (Action.WAIT, Action.PAUSED):
            assert decision.at is not None
            s.schedule(jobs.publish_id(post_id), jobs.PUBLISH, decision.at, post_id)
        elif not self._postponed(post, now) and not held_back(s, post, now, self._fail):
            self._claim_and_send(post_id, now)

    def poll(self, post_id: str) -> None:
        """Follow up a post the platform has taken, until it says published (or a day has passed)."""
        s = self.shared
        now = s.now()
        post = s.queue.get(post_id)
        if post is None or post.state != st.ACCEPTED or s.stopping.is_set():
            return
        answer = self._ask_channel(post, now)
        if isinstance(answer, PermanentError):
            return
        receipt = answer if isinstance(answer, Receipt) else None
        if receipt is not None and receipt.status == "published":
            self._record(post, receipt, now)
            return
        if receipt is not None and receipt != post.receipt:  # the channel noted progress (e.g. a reminder sent)
            s.queue.save_receipt(post.id, _json(receipt), state=st.ACCEPTED)
        if now - post.updated > POLL_LIMIT:
            self._fail(post, "平台超过一天仍未确认发布结果，请到平台核实", now)
        else:
            s.schedule(jobs.poll_id(post_id), jobs.POLL, now + poll_delay(now - post.updated), post_id)

    def recover(self, seen: Post, now: float) -> None:
        """A post left in `publishing` (the process died mid-publish): ask the channel what happened.

        `seen` is the post as the sweep found it: one this process was publishing then may have finished
        (or been claimed again) since, so it counts as an orphan only if it is still in that same attempt."""
        post = self.shared.queue.get(seen.id)
        if post is None or post.state != st.PUBLISHING or post.attempts != seen.attempts or self.is_active(post.id):
            return
        answer = self._ask_channel(post, now)
        if isinstance(answer, PermanentError):
            return
        if isinstance(answer, ChannelError):
            if committed(post.receipt):  # the platform has it: poll it on its own schedule
                self._await_platform(post, f"上次发布被中断，平台已接收（{committed(post.receipt)}），稍后确认结果：{answer}", now)
            else:
                event(log, "recover_later", logging.WARNING, post=post.id, error=str(answer))
            return
        channel = self.shared.channels.get(post.channel)
        if answer is not None:
            event(log, "recovered", post=post.id, status=answer.status)
            self._record(post, answer, now)
        elif channel is not None and channel.reconcile_is_authoritative:
            why = "上次发布被中断，渠道确认未发出，重新发布"
            if self.shared.queue.advance(post.id, st.PUBLISHING, st.SCHEDULED, WHO, why, now, next_try=now):
                self.shared.schedule(jobs.publish_id(post.id), jobs.PUBLISH, now, post.id)
                event(log, "recovered", post=post.id, status="not_sent")
        else:
            self._fail(post, "发布过程中服务中断，无法确认是否已发出：请到平台核实，确实未发出的用 qm retry 重发", now)

    def missed(self, post: Post, reason: str, now: float) -> None:
        if not self.shared.queue.advance(post.id, post.state, st.MISSED, WHO, reason, now, last_error=reason):
            return  # approved, cancelled or rejected a moment ago
        event(log, "missed", logging.ERROR, post=post.id, channel=post.channel, error=reason)
        self.shared.notify(problem_notice(self.shared.campaign, "【错过发布】", post, reason))

    # -- sending -----------------------------------------------------------------------------------

    def _postponed(self, post: Post, now: float) -> bool:
        """A post its channel cannot take now (a WeChat mass send with no quota left) moves to the next
        slot with room, as its kind says (staff were told ahead)."""
        s = self.shared
        issue = channel_warnings.postponement(s.campaign, s.queue, post.channel, post.id)
        if issue is None:
            return False
        to = issue.next_free.timestamp()
        why = f"{issue.message}，顺延到 {issue.next_free.astimezone(s.campaign.timezone):%Y-%m-%d %H:%M}"
        if s.queue.postpone(post.id, to, WHO, why, now):
            s.schedule(jobs.publish_id(post.id), jobs.PUBLISH, to, post.id)
            event(log, "postponed", logging.WARNING, post=post.id, to=issue.next_free.isoformat(), why=issue.message)
        return True

    def _claim_and_send(self, post_id: str, now: float) -> None:
        s = self.shared
        with self._active_lock:
            self._active.add(post_id)  # before the claim, so a concurrent sweep never takes it for an orphan
        try:
            post = s.queue.claim(post_id, WHO, now, fence=self.fence())
            if post is None:
                current = s.queue.get(post_id)
                if current is not None and current.state == st.SCHEDULED:  # paused a moment ago
                    s.schedule(jobs.publish_id(post_id), jobs.PUBLISH, now + 15, post_id)
                return
            self._send(post)
        finally:
            with self._active_lock:
                self._active.discard(post_id)

    def _send(self, post: Post) -> None:
        s = self.shared
        channel = s.channels.get(post.channel)
        if channel is None:
            self._fail(post, f"渠道 {post.channel} 已不在配置中", s.now())
            return
        if committed(post.receipt):  # the platform has it already: follow it up, never send it again
            self._await_platform(post, f"平台已接收（{committed(post.receipt)}），继续确认结果", s.now(), delay=0.0)
            return
        out = self._outgoing(post)
        event(log, "publishing", post=post.id, channel=post.channel, attempt=post.attempts)
        try:
            receipt = channel.reconcile(out, post.receipt) if post.attempts > 1 else None  # an earlier try may have landed
            if receipt is None:
                receipt = channel.publish(out)
        except TransientError as exc:
            self._transient(post, exc, s.now())
        except PermanentError as exc:
            self._fail(post, str(exc), s.now(), progress=exc.progress)
        except Exception as exc:
            if diskfull.is_full(exc):  # a poster or file the channel writes: wait for space like any transient error
                self._transient(post, TransientError("磁盘已满，无法写入（腾出空间后自动重试）", post.channel), s.now())
                return
            log.exception("channel_error", extra={"qm_fields": {"post": post.id}})
            self._fail(post, f"发布程序出错（{type(exc).__name__}），请查看日志", s.now())
        else:
            self._record(post, receipt, s.now())

    def _ask_channel(self, post: Post, now: float) -> Receipt | ChannelError | None:
        """The channel's account of a post handed to it before: its receipt; None when it has no record of
        the post (or the channel is no longer configured); the error when it could not answer. A
        permanent error fails the post here: callers stop when they get one back."""
        channel = self.shared.channels.get(post.channel)
        if channel is None:
            return None
        try:
            return channel.reconcile(self._outgoing(post), post.receipt)
        except PermanentError as exc:
            self._fail(post, str(exc), now, progress=exc.progress)
            return exc
        except ChannelError as exc:
            return exc

    def _outgoing(self, post: Post) -> OutgoingPost:
        s = self.shared
        images = {img.ref: poster_path(s.campaign.paths.posters, img) for img in post.images}
        progress = post.receipt.data if post.receipt else {}

        def checkpoint(data: dict[str, Any]) -> None:
            s.queue.save_receipt(post.id, _json(Receipt("accepted", data=data)), state=st.PUBLISHING)

        at = post.when(s.campaign.timezone)
        attempt = max(post.attempts, 1)
        return OutgoingPost(
            post.id, post.channel, at, post.item, post.version, post.payload, images,
            attempt=attempt, refs=post.images, progress=dict(progress), checkpoint=checkpoint,
        )  # fmt: skip

    # -- outcomes ----------------------------------------------------------------------------------

    def _record(self, post: Post, receipt: Receipt, now: float) -> None:
        if receipt.status == "accepted":
            self._await_platform(post, "平台已接收，等待确认", now, receipt=receipt)
            return
        # Sent: when the platform took it (an answer to the publish call just now, unless the receipt says when)
        sent = post.sent_at or handed_at(receipt) or (now if post.state == st.PUBLISHING else None)
        values = {"receipt": _json(receipt), "last_error": "", "next_try": None, "published_at": went_out_at(receipt, now), "sent_at": sent}
        if not self.shared.queue.advance(post.id, post.state, st.PUBLISHED, WHO, "发布成功", now, **values):
            self._late_answer(post.id, receipt, now)
            return
        event(log, "published", post=post.id, channel=post.channel, url=receipt.url, **_late(post, sent))

    def _await_platform(self, post: Post, why: str, now: float, *, receipt: Receipt | None = None, delay: float = 60.0) -> None:
        """publishing -> accepted: the platform has the post; `poll` follows it up until it answers."""
        held = receipt or post.receipt  # a committed one says when the platform took it: the post counts as sent then
        values: dict[str, Any] = {
            "last_error": "",
            "next_try": None,
            "sent_at": post.sent_at or (handed_at(held) if committed(held) else None),
        }
        if receipt is not None:
            values["receipt"] = _json(receipt)
        if not self.shared.queue.advance(post.id, post.state, st.ACCEPTED, WHO, why, now, **values):
            if receipt is not None:
                self._late_answer(post.id, receipt, now)
            return
        self.shared.schedule(jobs.poll_id(post.id), jobs.POLL, now + delay, post.id)
        external_id = receipt.external_id if receipt is not None else committed(post.receipt)
        event(log, "accepted", post=post.id, channel=post.channel, external_id=external_id, **_late(post, values["sent_at"]))

    def _late_answer(self, post_id: str, receipt: Receipt, now: float) -> None:
        """The platform answered after the post was failed meanwhile (a daemon that took over could not tell
        whether it went out): its answer is recorded all the same, so that nobody sends the post again."""
        if receipt.status != "published":  # its publish_id or msg_id: qm retry refuses, qm confirm records the outcome
            self.shared.queue.save_receipt(post_id, _json(receipt), state=st.FAILED)
            return
        values = {"receipt": _json(receipt), "published_at": went_out_at(receipt, now), "last_error": ""}
        if (sent := handed_at(receipt)) is not None:
            values["sent_at"] = sent
        self.shared.queue.advance(
            post_id, st.FAILED, st.PUBLISHED, WHO, "发布成功（平台的应答在这条内容被记为失败之后才到）", now, **values
        )

    def _transient(self, post: Post, exc: ChannelError, now: float) -> None:
        s = self.shared
        current = s.queue.get(post.id)  # with the checkpoints the channel stored during this call
        if current is not None and committed(current.receipt):  # not a publish attempt: the platform has it
            self._await_platform(current, f"平台已接收（{committed(current.receipt)}），确认结果时出错，稍后再查：{exc}", now)
            return
        deadline = s.deadline(post)
        when = retry_at(post.attempts, now=now, deadline=deadline.at.timestamp())
        if when is None:
            self._fail(post, f"{deadline.limit}内重试 {post.attempts} 次仍失败：{exc}", now)
            return
        why = f"暂时失败，稍后重试：{exc}"
        if not s.queue.advance(post.id, post.state, st.SCHEDULED, WHO, why, now, next_try=when, last_error=str(exc)):
            return
        s.schedule(jobs.publish_id(post.id), jobs.PUBLISH, when, post.id)
        event(log, "retry_later", logging.WARNING, post=post.id, attempt=post.attempts, in_seconds=round(when - now), error=str(exc))

    def _fail(self, post: Post, reason: str, now: float, *, progress: dict[str, Any] | None = None) -> None:
        """`progress`: the receipt to keep when the platform says the post did not go out (a retry may resume)."""
        values: dict[str, Any] = {"last_error": reason, "next_try": None}
        if progress is not None:
            values["receipt"] = _json(Receipt("accepted", data=progress))
        if not self.shared.queue.advance(post.id, post.state, st.FAILED, WHO, reason, now, **values):
            return
        event(log, "failed", logging.ERROR, post=post.id, channel=post.channel, error=reason)
        self.shared.notify(problem_notice(self.shared.campaign, "【发布失败】", self.shared.queue.get(post.id) or post, reason))


def _late(post: Post, sent: float | None) -> dict[str, Any]:
    """The log's `late_seconds`: how long after its slot the post was handed to the platform (nothing when not known)."""
    return {"late_seconds": round(sent - post.at, 1)} if sent is not None else {}


def _json(receipt: Receipt) -> str:
    return json.dumps(receipt.to_json(), ensure_ascii=False)
