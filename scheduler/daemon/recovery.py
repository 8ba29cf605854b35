"""Posts found in `publishing` that this process is not publishing: reconciled with their channel,
never re-sent blindly.

Who left one there may be gone or not. A file lock (SQLite) is freed only when its holder dies, and a
dead process's calls are dead too: its posts are judged at once. A lease (PostgreSQL) or the lock row
is lost as well by a process that lives on, cut off from the database: its publish may still be
inside a platform call that lands later. Its checkpoints stop it before an irrevocable call (they are
fenced on the lease), but a call it started before losing the lease goes on, for at most the
channel's timeouts (`Channel.longest_attempt`) after a checkpoint whose lease check and commit took at
most `CHECKPOINT_LIMIT` (a slower one is not followed by a call). So until that long has passed on
this daemon's own clock since it first saw the post in `publishing` (when it took over, at the latest), what the
channel already has is recorded, and nothing is judged "not sent" (to send again) nor "cannot tell"
(for a person to check): the old holder's answer may still come. Meanwhile the channel is asked at
most once a minute (`ASK_EVERY`), not on every heartbeat.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from .. import jobs
from ..channels.base import ChannelError, PermanentError
from ..publishing import states as st
from ..publishing.queue import Post
from ..support.logs import event
from ..support.values import Receipt, committed
from .context import WHO, Shared, log
from .outcomes import CHECKPOINT_LIMIT, Fence, Outcomes

ASK_EVERY = 60.0  # seconds between asks of the channel while waiting out the old holder's call


class Recovery(Outcomes):
    def __init__(self, shared: Shared, fence: Fence, active: Callable[[str], bool], holder_may_live: Callable[[], bool]) -> None:
        super().__init__(shared, fence)
        self.active = active  # whether this process is publishing the post right now
        self.holder_may_live = holder_may_live  # whether the daemon that held the lock before may still be running
        self._seen: dict[tuple[str, int], float] = {}  # (post, attempt) -> when this daemon first saw it orphaned
        self._asked: dict[tuple[str, int], float] = {}  # (post, attempt) -> when its channel was last asked during the wait

    def recover(self, seen: Post, now: float) -> None:
        """A post left in `publishing` (its publisher died or was cut off mid-publish): ask the channel what happened.

        `seen` is the post as the sweep found it: one this process was publishing then may have finished
        (or been claimed again) since, so it counts as an orphan only if it is still in that same attempt.
        Whether this process is publishing it is asked before the post is read: a publish marks its post active
        before it claims it (a claim counts a new attempt) until it is done, so a post not active here that is
        then read in the attempt the sweep saw is no publish of this process (asked after the read, a publish
        ending in between would pass for an orphan)."""
        post = None if self.active(seen.id) else self.shared.queue.get(seen.id)
        if post is None or post.state != st.PUBLISHING or post.attempts != seen.attempts:
            self._forget(seen.id)
            return
        if self._settling(post, now):
            return
        self._forget(post.id)
        if self._method_changed(post, now):  # the channel now goes out another way: it cannot tell, nor may it send
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
        channel = self.shared.channel_set.follow_up(post.channel)
        if answer is not None:
            event(log, "recovered", post=post.id, status=answer.status)
            self._record(post, answer, now)
        elif channel is not None and channel.reconcile_is_authoritative:
            why = "上次发布被中断，渠道确认未发出，重新发布"
            if self.shared.queue.advance(post.id, st.PUBLISHING, st.SCHEDULED, WHO, why, now, attempt=post.attempts, next_try=now):
                self.shared.schedule(jobs.publish_id(post.id), jobs.PUBLISH, now, post.id)
                event(log, "recovered", post=post.id, status="not_sent")
        else:
            self._fail(post, "发布过程中服务中断，无法确认是否已发出：请到平台核实，确实未发出的用 qm retry 重发", now)

    def _settling(self, post: Post, now: float) -> bool:
        """Whether the daemon that claimed the post may still be inside its call: then only what the channel
        already has is recorded (the post published or taken), and the post is looked at again later."""
        channel = self.shared.channel_set.follow_up(post.channel)
        if channel is None or not self.holder_may_live() or channel.longest_attempt() <= 0:
            return False
        key = (post.id, post.attempts)
        wait = channel.longest_attempt() + CHECKPOINT_LIMIT  # its last checkpoint may have taken that long to commit
        if key not in self._seen:
            self._seen[key] = now
            event(log, "recover_waits", post=post.id, channel=post.channel, seconds=round(wait), why=WAITING)
        if now - self._seen[key] >= wait:
            return False
        if now - self._asked.get(key, now - ASK_EVERY) < ASK_EVERY:
            return True  # asked a moment ago: the platform is not asked on every heartbeat
        self._asked[key] = now
        try:
            answer = channel.reconcile(self._outgoing(post), post.receipt)
        except ChannelError:
            return True  # cannot tell yet: the old holder may still record it
        if isinstance(answer, Receipt):
            event(log, "recovered", post=post.id, status=answer.status)
            self._record(post, answer, now)
        return True

    def _forget(self, post_id: str) -> None:
        for key in [k for k in self._seen if k[0] == post_id]:
            del self._seen[key]
            self._asked.pop(key, None)


WAITING = "接管前的主服务可能还在发布这条内容（断网后进程仍在运行）：等它的调用超时，再向渠道核实是否发出"
