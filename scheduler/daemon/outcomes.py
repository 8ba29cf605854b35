"""What becomes of a post a channel was asked about: published, taken by the platform (`accepted`),
failed or missed, each recorded with a conditional move; and the post as its channel receives it,
with the checkpoints that hold a publish to the attempt that claimed it.

An attempt's own judgement (try again later, failed, follow it up) moves the post only while it is
still in that attempt: a daemon cut off from the database may answer long after another took the
post over and claimed it again. What the platform answered (published, or taken with its id) is
recorded whoever's attempt holds the post, and is not fenced on the lease: it must never be lost.

Shared by sending (`publishing`) and by the reconciling of posts left in `publishing` (`recovery`).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import sqlalchemy as sa

from .. import jobs
from ..channels.base import ChannelError, CheckpointRefused, OutgoingPost, PermanentError
from ..publishing import states as st
from ..publishing.maybe_sent import METHOD, method_words, switched
from ..publishing.post_rows import receipt_json
from ..publishing.queue import Post
from ..runtime import disk_full as diskfull
from ..support.logs import event
from ..support.values import Receipt, committed, handed_at, poster_path, went_out_at
from .context import WHO, Shared, log
from .late_answers import late_answer
from .problem_notices import problem_notice

# The longest a checkpoint may take, from before its lease check to its commit, for the call to follow it: a
# takeover waits this long on top of the channel's timeouts (`recovery`), so a call made after a checkpoint
# whose commit hung (the lease lost meanwhile) cannot land after the daemon that took over judged the post.
CHECKPOINT_LIMIT = 10.0

Fence = Callable[[], sa.ColumnElement[bool]]  # the lock's fence token for a claim (see `lock.DaemonLock.fence`)


class Outcomes:
    def __init__(self, shared: Shared, fence: Fence) -> None:
        self.shared = shared
        self.fence = fence

    def missed(self, post: Post, reason: str, now: float) -> None:
        if not self.shared.queue.advance(post.id, post.state, st.MISSED, WHO, reason, now, last_error=reason):
            return  # approved, cancelled or rejected a moment ago
        event(log, "missed", logging.ERROR, post=post.id, channel=post.channel, error=reason)
        self.shared.notify(problem_notice(self.shared.campaign, "【错过发布】", post, reason, now=now))

    # -- the post as its channel sees it -----------------------------------------------------------

    def _ask_channel(self, post: Post, now: float) -> Receipt | ChannelError | None:
        """The channel's account of a post handed to it before: its receipt; None when it has no record of
        the post (or the channel is no longer configured); the error when it could not answer. A
        permanent error fails the post here: callers stop when they get one back."""
        channel = self.shared.channel_set.follow_up(post.channel)
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
        config = s.campaign.channel(post.channel)
        stamp = {METHOD: config.method} if config is not None else {}  # how this attempt goes out (`maybe_sent.switched`)

        def checkpoint(data: dict[str, Any]) -> None:  # fenced as the claim was: a daemon cut off goes no further
            receipt = receipt_json(Receipt("accepted", data={**data, **stamp}))
            for _ in range(2):  # a slow one is stored again (the lease checked anew): the call follows a quick one only
                began = s.now()
                try:
                    stored = s.queue.save_receipt(post.id, receipt, state=st.PUBLISHING, attempts=post.attempts, fence=self.fence())
                except sa.exc.DBAPIError as exc:  # the database out of reach: as unsure as a lost lease (a full disk is waited out)
                    if diskfull.is_full(exc):
                        raise
                    raise CheckpointRefused(post.id) from exc
                if not stored:
                    raise CheckpointRefused(post.id)
                if s.now() - began <= CHECKPOINT_LIMIT:
                    return
                event(log, "checkpoint_slow", logging.WARNING, post=post.id, attempt=post.attempts, seconds=round(s.now() - began, 1))
            raise CheckpointRefused(post.id)

        def landed(data: dict[str, Any]) -> None:  # the platform has it: recorded whoever holds the lease now
            landed = Receipt("accepted", data={**data, **stamp})
            if not s.queue.save_receipt(post.id, receipt_json(landed), state=st.PUBLISHING, attempts=post.attempts):
                self._late_answer(post, landed, s.now())  # moved on meanwhile: what went out wins

        at = post.when(s.campaign.timezone)
        attempt = max(post.attempts, 1)
        return OutgoingPost(
            post.id, post.channel, at, post.item, post.version, post.payload, images,
            attempt=attempt, refs=post.images, progress=dict(progress), checkpoint=checkpoint, landed=landed,
        )  # fmt: skip

    def _method_changed(self, post: Post, now: float) -> bool:
        """Whether an earlier attempt at `post` may have sent it by another method than its channel's now (config.yaml
        changed its publisher or mode since: `maybe_sent.switched`), or the platform took it from one: then it is
        failed, staff told to check the platform, and the channel is not asked (it would take the post for not sent
        and send it again, or could not follow up what the platform took)."""
        config = self.shared.campaign.channel(post.channel)
        was = switched(post.channel, post.receipt, config.method) if config is not None else ""
        if not was or config is None:
            return False
        self._fail(post, method_changed(post, was, config.method), now)
        return True

    # -- outcomes ----------------------------------------------------------------------------------

    def _record(self, post: Post, receipt: Receipt, now: float) -> None:
        if receipt.status == "accepted":
            self._await_platform(post, "平台已接收，等待确认", now, receipt=receipt)
            return
        # Sent: when the platform took it (an answer to the publish call just now, unless the receipt says when)
        sent = post.sent_at or handed_at(receipt) or (now if post.state == st.PUBLISHING else None)
        values: dict[str, Any] = {
            "receipt": receipt_json(receipt),
            "last_error": "",
            "next_try": None,
            "published_at": went_out_at(receipt, now),
            "sent_at": sent,
        }
        if not self.shared.queue.advance(post.id, post.state, st.PUBLISHED, WHO, "发布成功", now, attempt=post.attempts, **values):
            self._late_answer(post, receipt, now)
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
            values["receipt"] = receipt_json(receipt)
        # the platform's own answer (a receipt) is recorded whichever attempt holds the post now (`late_answers`):
        # it stops a newer attempt at its next checkpoint, before it sends the post again
        if not self.shared.queue.advance(post.id, post.state, st.ACCEPTED, WHO, why, now, attempt=post.attempts, **values):
            if receipt is not None:
                self._late_answer(post, receipt, now)
            return
        self.shared.schedule(jobs.poll_id(post.id), jobs.POLL, now + delay, post.id)
        external_id = receipt.external_id if receipt is not None else committed(post.receipt)
        event(log, "accepted", post=post.id, channel=post.channel, external_id=external_id, **_late(post, values["sent_at"]))

    def _late_answer(self, post: Post, receipt: Receipt, now: float) -> None:
        """The platform answered after the post moved on without this attempt: what went out wins (`late_answers`)."""
        late_answer(self.shared, post, receipt, now)

    def _fail(self, post: Post, reason: str, now: float, *, progress: dict[str, Any] | None = None, action: str = "") -> None:
        """`progress`: the receipt to keep when the platform says the post did not go out (a retry may resume).
        `action`: what staff do, when it is not the usual next step (`problem_notices.next_step`): the notice says it
        in place of that one, the post's reason ends with it."""
        kept = f"{reason}，{action}" if action else reason  # the post's record: the reason and what to do
        values: dict[str, Any] = {"last_error": kept, "next_try": None}
        if progress is not None:
            values["receipt"] = receipt_json(Receipt("accepted", data=progress))
        if not self.shared.queue.advance(post.id, post.state, st.FAILED, WHO, kept, now, attempt=post.attempts, **values):
            self._superseded(post, self.shared.queue.get(post.id), "failed", kept)
            return  # moved meanwhile, or claimed again: a newer attempt's post is not this one's to fail
        event(log, "failed", logging.ERROR, post=post.id, channel=post.channel, error=kept)
        failed = self.shared.queue.get(post.id) or post
        self.shared.notify(problem_notice(self.shared.campaign, "【发布失败】", failed, reason, action=action, now=now))

    def _superseded(self, post: Post, current: Post | None, outcome: str, error: str) -> bool:
        """Whether the post was claimed again since this attempt (by a daemon that took over): then this
        attempt's late outcome is only logged, the newer attempt decides."""
        if current is None or current.attempts == post.attempts:
            return False
        outcome_superseded(post, outcome, error, SUPERSEDED, newer_attempt=current.attempts)
        return True


def outcome_superseded(post: Post, outcome: str, error: str, why: str, *, newer_attempt: int | None = None) -> None:
    """Log this attempt's outcome (`retry`, `failed`) that was not recorded: the post moved on without it (`why`)."""
    newer = {} if newer_attempt is None else {"newer_attempt": newer_attempt}
    event(log, "outcome_superseded", logging.WARNING, post=post.id, attempt=post.attempts, **newer, outcome=outcome, error=error, why=why)


def _late(post: Post, sent: float | None) -> dict[str, Any]:
    """The log's `late_seconds`: how long after its slot the post was handed to the platform (nothing when not known)."""
    return {"late_seconds": round(sent - post.at, 1)} if sent is not None else {}


SUPERSEDED = "这次发布的结果到得太晚：接管的服务已重新领取这条内容发布，以那一次的结果为准"


def method_changed(post: Post, was: str, now: str) -> str:
    """Why a post an attempt by method `was` may have sent (or the platform took) is neither sent again nor followed
    up by the channel's method `now`."""
    then = f"之后 config.yaml 把渠道 {post.channel} 改成了 {method_words(now)}"
    if taken := committed(post.receipt):  # `qm retry` refuses it: the platform has it
        return (
            f"平台已接收（{taken}，发布方式 {method_words(was)}），{then}：现在的发布方式查询不了它的结果，不再查询，也不会再发。"
            f"请先到平台核实：已发出的用 qm confirm {post.id} --url 链接 补记；平台上确实没有的，在平台上手工发出后同样补记"
        )
    return (
        f"之前的一次发布（{method_words(was)}）可能已经发出，{then}："
        f"新的发布方式认不出上次发布留下的记录，再发可能重复发布，所以没有再发。请先到平台核实：已发出的用 qm confirm {post.id} --url 链接 补记；"
        f"确实没有发出的用 qm retry {post.id} 按现在的方式重发"
    )
