"""Publishing a post, once: the `publish` and `poll` jobs.

Claim the post (scheduled -> publishing, one conditional UPDATE fenced on the lease), call the
channel, store the receipt. Every checkpoint the channel stores before its irrevocable call is fenced
the same way: a daemon that lost its lease (or a post a person moved) stops there, before the call
(`CheckpointRefused`). Transient errors retry with capped backoff until the post's deadline
(its channel's grace window; a screen's on-hours); permanent ones fail the post and a person is notified. A post found in `publishing` is
reconciled with its channel, never re-sent blindly (`recovery`). Once the platform has taken a post (its receipt
holds a publish_id, msg_id or Weibo id, see `channels.base.committed`), errors while following it up
are not publish attempts: the post waits in `accepted` and is polled until the platform answers, or
a person is asked; it is never sent again. What becomes of a post is `outcomes`.
"""

from __future__ import annotations

import logging
import threading

from .. import jobs
from ..channels.base import ChannelError, CheckpointRefused, NotApproved, PermanentError, TransientError
from ..channels.timing import BY_HAND, NO_LATER_SLOT
from ..publishing import approvals_lost, channel_warnings
from ..publishing import states as st
from ..publishing.dropped_slots import channel_removed
from ..publishing.maybe_sent import maybe_sent
from ..publishing.post_rows import receipt_json
from ..publishing.queue import Post
from ..publishing.review import MAYBE_KEPT, is_paused, paused
from ..publishing.timing import POLL_LIMIT, Action, decide, poll_delay, retry_at
from ..runtime import disk_full as diskfull
from ..support.errors import QmError
from ..support.logs import event
from ..support.notify import Notice
from ..support.values import Receipt, committed
from .as_approved import held_back, refused
from .context import WHO, Shared, log
from .outcomes import Fence, Outcomes, outcome_superseded
from .problem_notices import problem_notice

STOPPED = "发布进度记不进数据库（本服务已失去租约、连不上数据库，或这条内容刚被改动）：停止发布，不再调用平台，由持有租约的服务核实"
CONFIG_RETRY = 300.0  # seconds before a post of a channel the daemon does not run is tried again, config.yaml unreadable
LATE = "这次发布出错时，之前一次发布的平台应答已经记下：以它为准，不再重试"


class Publishing(Outcomes):
    def __init__(self, shared: Shared, fence: Fence) -> None:
        super().__init__(shared, fence)
        self._active: set[str] = set()  # posts this process is publishing right now
        self._active_lock = threading.Lock()
        self._told_unknown: set[str] = set()  # posts of a channel that could not be taken up, staff told

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
        if not self._channel_as_configured(post, now):
            return
        deadline = s.deadline(post)
        paused_now = is_paused(paused(s.queue), post.channel)
        decision = decide(fire_at=post.fire_at, attempts=post.attempts, deadline=deadline.at.timestamp(), paused=paused_now, now=now)
        # what kept it back, when known: a pause (a screen paused all day: its posts were never on the wall), or no
        # service running when it was to be tried (this one began after); else (a late job, config.yaml unreadable) none
        why = "暂停发布期间" if paused_now else "服务停止期间" if post.fire_at < s.began else ""
        if decision.action is Action.MISSED:
            self.missed(post, f"{why}错过发布时间，已超过{deadline.limit}", now)
        elif decision.action is Action.EXPIRED:  # as when its retries ran out; maybe out: check the platform first
            tried = f"（{post.last_error}）" if post.last_error else ""
            self._fail(post, f"{why}已超过{deadline.limit}，不再重试：之前发布 {post.attempts} 次未成功{tried}", now)
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
        if self._method_changed(post, now):  # taken by a method config.yaml no longer has: the channel cannot follow it up
            return
        answer = self._ask_channel(post, now)
        if isinstance(answer, PermanentError):
            return
        receipt = answer if isinstance(answer, Receipt) else None
        if receipt is not None and receipt.status == "published":
            self._record(post, receipt, now)
            return
        if receipt is not None and receipt != post.receipt:  # the channel noted progress (e.g. a reminder sent)
            s.queue.save_receipt(post.id, receipt_json(receipt), state=st.ACCEPTED)
        if now - post.updated > POLL_LIMIT:
            self._fail(post, "平台超过一天仍未确认发布结果，请到平台核实", now)
        else:
            s.schedule(jobs.poll_id(post_id), jobs.POLL, now + poll_delay(now - post.updated), post_id)

    def _channel_as_configured(self, post: Post, now: float) -> bool:
        """Whether the post is still to be sent on its channel as config.yaml has it now. Read again before each
        publish: when its channels changed (added, removed, settings), the queue is filled again first
        (`Shared.fill` takes up the channels and cancels the posts of channels removed). A post whose channel is
        no longer configured is cancelled and staff are told, never failed."""
        s = self.shared
        known = post.channel in s.channels
        try:
            fresh = s.channel_set.read()
            if fresh is not None and approvals_lost.outside(s.queue.engine, post, fresh, now):  # the period shortened
                self._outside_period(post)
                return False
            if fresh is not None and (moved := channel_warnings.moved_past_end(fresh, s.queue, post)):  # and its slot kept
                self._fail(post, moved, now, action=_not_sent(post))
                return False
            if known and not s.channel_set.stale(s.campaign, fresh):
                return True
            s.fill(now)
        except QmError as exc:  # config.yaml unreadable now: the channels as they were (the refresh tells staff)
            if post.channel in s.channels:  # as it was, or taken up by the fill that failed after
                return True
            event(log, "channel_unknown", logging.WARNING, post=post.id, channel=post.channel, error="；".join(exc.lines()))
            s.schedule(jobs.publish_id(post.id), jobs.PUBLISH, now + CONFIG_RETRY, post.id)
            if post.id not in self._told_unknown:  # once per post: it is tried again every few minutes
                self._told_unknown.add(post.id)
                s.notify(self._not_run(post, "；".join(exc.lines())))
            return False
        current = s.queue.get(post.id)
        if current is None or current.state != st.SCHEDULED:
            return False  # cancelled by the fill, or moved by someone meanwhile
        if post.channel in s.channels:
            return True
        maybe = maybe_sent(current.state, current.attempts, current.receipt)  # waiting to retry a call that may have sent it
        why = channel_removed(post.channel) + (f"；{MAYBE_KEPT}" if maybe else "")
        if s.queue.advance(post.id, st.SCHEDULED, st.CANCELLED, WHO, why, now):
            event(log, "cancelled", logging.WARNING, post=post.id, channel=post.channel, why=why)
            action = f"把该渠道加回 config.yaml，再用 qm retry {post.id} 重新排入（需重新审核）"
            if maybe:
                action = f"先到平台核实：已发出的用 qm confirm {post.id} --url 链接 补记；确实没有发出、仍要发布的，{action}"
            s.notify(
                problem_notice(s.campaign, "【渠道已删除，内容取消】", current, why, action=action if maybe else f"如仍要发布：{action}")
            )
        return False

    def _outside_period(self, post: Post) -> None:
        """A post config.yaml's period no longer has, cancelled before it was sent (`approvals_lost.outside`): staff
        are told when an earlier attempt may have sent it (check the platform first); else the refresh's cancel."""
        s = self.shared
        current = s.queue.get(post.id)
        if current is None or current.state != st.CANCELLED:
            return  # moved by someone meanwhile
        why = s.queue.history(post.id)[-1].why
        event(log, "cancelled", logging.WARNING, post=post.id, channel=post.channel, why=why)
        if maybe_sent(current.state, current.attempts, current.receipt):
            # not `qm retry`: a post dated outside the period is cancelled again at once
            action = f"先到平台核实：已发出的用 qm confirm {post.id} --url 链接补记；没有发出的不用再处理（这一天已不在活动期内）"
            s.notify(problem_notice(s.campaign, "【活动期已改，内容取消】", current, why, action=action))

    def _not_run(self, post: Post, error: str) -> Notice:
        """What staff are told of a post whose channel the daemon does not run while the queue cannot be filled:
        a channel config.yaml no longer has waits for the fill that cancels its posts (the plan's cancel, given
        back if the channel is put back, and told with the change); any other waits to be taken up."""
        s = self.shared
        if s.channel_set.dropped(post.channel):
            why = f"渠道 {post.channel} 已从 config.yaml 删除，这条内容不会发布；刷新队列时随之取消，但刷新失败：{error}"
            action = "改好上面的问题后，后台服务在几分钟内刷新队列、取消这条内容，无需重启；如仍要发布，把该渠道加回 config.yaml"
            return problem_notice(s.campaign, "【渠道已删除，等待取消】", post, why, action=action)
        why = f"后台服务还没有启用渠道 {post.channel}，读取 config.yaml 或启动这个渠道时出错：{error}"
        action = "改好 config.yaml（或设置缺少的密钥）后，后台服务在几分钟内自动发布，无需重启"
        return problem_notice(s.campaign, "【渠道未能启用】", post, why, action=action)

    # -- sending -----------------------------------------------------------------------------------

    def _postponed(self, post: Post, now: float) -> bool:
        """A post its channel cannot take now (a WeChat mass send with no quota left) moves to the next
        slot with room, as its kind says (staff were told ahead)."""
        s = self.shared
        issue = channel_warnings.postponement(s.campaign, s.queue, post.channel, post.id)
        if issue is None:
            return False
        if issue.next_free is None:  # no slot of its channel with room is left in the campaign: never sent after it
            self._fail(post, f"{issue.message}，{NO_LATER_SLOT}", now, action=_not_sent(post))
            return True
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
        if post.attempts > 1 and self._method_changed(post, s.now()):  # an earlier attempt, made another way, may have sent it
            return
        out = self._outgoing(post)
        event(log, "publishing", post=post.id, channel=post.channel, attempt=post.attempts)
        try:
            receipt = channel.reconcile(out, post.receipt) if post.attempts > 1 else None  # an earlier try may have landed
            if receipt is None:
                receipt = channel.publish(out)
        except TransientError as exc:
            self._transient(post, exc, s.now())
        except NotApproved as exc:  # an edit saved while it was being sent: nothing went out, back to review
            refused(s, post, str(exc), s.now(), self._fail)
        except PermanentError as exc:
            self._fail(post, str(exc), s.now(), progress=exc.progress)
        except CheckpointRefused:  # no longer this attempt's post: whoever holds it now decides, no call is made
            event(log, "publish_stopped", logging.WARNING, post=post.id, channel=post.channel, attempt=post.attempts, why=STOPPED)
        except Exception as exc:
            if diskfull.is_full(exc):  # a poster or file the channel writes: wait for space like any transient error
                self._transient(post, TransientError("磁盘已满，无法写入（腾出空间后自动重试）", post.channel), s.now())
                return
            log.exception("channel_error", extra={"qm_fields": {"post": post.id}})
            self._fail(post, f"发布程序出错（{type(exc).__name__}），请查看日志", s.now())
        else:
            self._record(post, receipt, s.now())

    def _transient(self, post: Post, exc: ChannelError, now: float) -> None:
        s = self.shared
        current = s.queue.get(post.id)  # with the checkpoints the channel stored during this call
        if current is None or self._superseded(post, current, "retry", str(exc)):
            return
        if current.state != st.PUBLISHING:  # an earlier attempt's answer was recorded meanwhile (`late_answers`)
            outcome_superseded(post, "retry", str(exc), LATE)
            return
        if committed(current.receipt):  # not a publish attempt: the platform has it
            self._await_platform(current, f"平台已接收（{committed(current.receipt)}），确认结果时出错，稍后再查：{exc}", now)
            return
        deadline = s.deadline(post)
        when = retry_at(post.attempts, now=now, deadline=deadline.at.timestamp())
        if when is None:
            self._fail(post, f"{deadline.limit}内重试 {post.attempts} 次仍失败：{exc}", now)
            return
        why = f"暂时失败，稍后重试：{exc}"
        if not s.queue.advance(post.id, post.state, st.SCHEDULED, WHO, why, now, attempt=post.attempts, next_try=when, last_error=str(exc)):
            return
        s.schedule(jobs.publish_id(post.id), jobs.PUBLISH, when, post.id)
        event(log, "retry_later", logging.WARNING, post=post.id, attempt=post.attempts, in_seconds=round(when - now), error=str(exc))


def _not_sent(post: Post) -> str:
    """What staff are told of a post its channel could not move to a slot inside the campaign: it is not sent (nor
    repeated, when an earlier attempt may have sent it: check the platform first), and what they may do instead."""
    if maybe_sent(post.state, post.attempts, post.receipt):  # waiting to repeat a call that may have sent it
        check = f"之前的一次发布可能已经发出，先到平台核实：已发出的用 qm confirm {post.id} --url 链接 补记，不要再手工发出"
        return f"不再重发。{check}；确实没有发出的，用 qm cancel {post.id} 取消"
    return f"没有发出：不再发布的用 qm cancel {post.id}；{BY_HAND.format(id=post.id)}"
