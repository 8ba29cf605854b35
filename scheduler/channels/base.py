"""The channel interface every publisher implements (outbox, WeChat, Weibo, screens).

A channel turns one post into a `Receipt`:

    publish(post)            -> Receipt(status="published")   done, with external id / url
                             -> Receipt(status="accepted")    taken, outcome confirmed later
                                                              (WeChat's freepublish job)
    reconcile(post, receipt) -> Receipt | None                after a crash, or to follow up an
                                                              accepted post: what happened?
                                                              None = the channel cannot tell
                                                              (or, when authoritative: not sent)
                             raises PermanentError            it cannot be known: a person checks

Once an irrevocable call was answered (a WeChat publish_id or mass-send msg_id, a Weibo id), the
receipt holds that id and the post is only ever followed up (polled) or handed to a person, never
sent again (`committed`). A channel whose platform later says the post did not go out after all
raises PermanentError with `progress`: the receipt to keep, without the id, so a retry may resume.

Failures are classified by the channel, which knows its platform's error codes:

    ChannelError
    ├── TransientError   try again later (timeouts, 5xx, rate limits): retried with backoff
    └── PermanentError   retrying will not help (bad content, revoked token): a person must act

Messages are Chinese and never contain a secret or an access token.
"""

from __future__ import annotations

import datetime as dt
from abc import ABC, abstractmethod
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..support import redact
from ..support.errors import QmError
from ..support.values import ImageRef, Receipt


@dataclass(frozen=True)
class OutgoingPost:
    """What a channel receives: the rendered payload and the local files of its images."""

    id: str  # e.g. 20270908-weibo-0930
    channel: str  # wechat | weibo | screen:<id>
    at: dt.datetime  # the slot time, aware
    item: str
    version: str  # hash of the payload; part of idempotency keys
    payload: dict[str, Any]
    images: dict[str, Path] = field(default_factory=dict)  # placeholder ref -> poster file
    attempt: int = 1
    refs: tuple[ImageRef, ...] = ()  # how to draw each image that has not been rendered yet
    # What an earlier, interrupted attempt got done (media ids, publish_id…), and how to record
    # progress now: the daemon stores each checkpoint at once, so a crash loses nothing the
    # platform already has, and recovery polls or resumes instead of sending again.
    progress: dict[str, Any] = field(default_factory=dict)
    # Before the irrevocable call: stored only while this attempt still holds the post (the daemon's
    # lease, the same attempt, still publishing); otherwise it raises CheckpointRefused and the
    # channel makes no further call. `landed`, after the irrevocable call: what the platform (or
    # staff) now holds, stored whoever holds the lease, so the outcome is never lost.
    checkpoint: Callable[[dict[str, Any]], None] = field(default=lambda _data: None, compare=False, repr=False)
    landed: Callable[[dict[str, Any]], None] = field(default=lambda _data: None, compare=False, repr=False)


class ChannelError(QmError):
    permanent = False

    def __init__(self, message: str, channel: str = "", code: str | int | None = None, *, progress: dict[str, Any] | None = None) -> None:
        super().__init__(redact.scrub(message))  # platform replies may echo a token back
        self.channel = channel
        self.code = code
        self.progress = progress  # the receipt data to keep when the platform says the post is not out


class CheckpointRefused(Exception):
    """The daemon could not store a checkpoint: this attempt no longer holds the post (its daemon lost
    the lease to another one, or a person moved the post). Not a ChannelError, so no channel catches
    it: it ends the publish before any further call, and the daemon that holds the post now decides."""


class TransientError(ChannelError):
    permanent = False


class PermanentError(ChannelError):
    permanent = True


class NotApproved(PermanentError):
    """The pictures the post's inputs draw now are not those of its approved version (an edit saved while it
    was being sent): nothing was sent; the daemon sends it back to review. The message is the reason alone."""


RETRIED = "平台暂时不能处理，qm 会自动重试；到补发时限仍不成功的记为失败，平台恢复后用 qm retry 重发"
UNKNOWN = "qm 不认识这个错误码：按平台开放文档中错误码的说明处理，然后用 qm retry 重发"


def coded_error(text: str, code: int, hints: Mapping[int, str], transient: Collection[int], channel: str) -> ChannelError:
    """A platform's error code as a channel error whose message always ends with what to do: the code's
    own hint, else (a code qm retries by itself) that it is retried, else how to handle a code qm does not know."""
    hint = hints.get(code) or (RETRIED if code in transient else UNKNOWN)
    return (TransientError if code in transient else PermanentError)(f"{text}。处理：{hint}", channel, code)


class Channel(ABC):
    """One publishing channel. Implementations keep one connection pool and close it in `close`."""

    name: str
    # True when `reconcile` returning None proves the post never went out (the outbox's folder is
    # written atomically), so the daemon may send it again. Otherwise None means "cannot tell" and
    # the post is handed to a person rather than risk publishing it twice.
    reconcile_is_authoritative: bool = False

    @abstractmethod
    def publish(self, post: OutgoingPost) -> Receipt: ...

    @abstractmethod
    def reconcile(self, post: OutgoingPost, receipt: Receipt | None) -> Receipt | None: ...

    def longest_attempt(self) -> float:
        """Seconds a publish attempt may still take after its last checkpoint, its calls' timeouts added up:
        a daemon taking over waits this long before it judges a post another daemon was publishing. 0 for
        a channel whose calls end at once with no platform to wait for (local files); the simulation's
        platform answers at once too, but stands in for a real one and waits as long (`fake.CALL_TIMEOUT`)."""
        return 0.0

    def tidy(self) -> int:
        """Called by the daemon at start, holding the lock: remove what a killed process left half-made.
        Returns how many leftovers were removed."""
        return 0

    def close(self) -> None:  # noqa: B027 - optional hook
        pass
