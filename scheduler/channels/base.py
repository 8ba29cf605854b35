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
import email.utils
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from .. import redact
from ..errors import QmError
from ..render import ImageRef


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
    checkpoint: Callable[[dict[str, Any]], None] = field(default=lambda _data: None, compare=False, repr=False)


@dataclass(frozen=True)
class Receipt:
    status: Literal["published", "accepted"]
    external_id: str = ""
    url: str = ""
    data: dict[str, Any] = field(default_factory=dict)  # channel specifics: media ids, publish_id, msg_id…

    def to_json(self) -> dict[str, Any]:
        return {"status": self.status, "external_id": self.external_id, "url": self.url, "data": self.data}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Receipt:
        return cls(data["status"], data.get("external_id", ""), data.get("url", ""), data.get("data", {}))


# Receipt keys under which channels store the platform's id of an irrevocable call.
COMMITTED_KEYS = {"publish_id": "微信发布任务 publish_id", "msg_id": "微信群发 msg_id", "idstr": "微博编号"}


def committed(receipt: Receipt | None) -> str:
    """What the platform already took for this post ("微信发布任务 publish_id 123"), or "" if nothing
    irrevocable is on record. A committed post is polled or confirmed by a person, never sent again."""
    data = receipt.data if receipt is not None else {}
    for key, label in COMMITTED_KEYS.items():
        if data.get(key):
            return f"{label} {data[key]}"
    return ""


# Receipt keys under which channels store when the platform put the post out: the outbox's folder
# (ISO time), a WeChat mass send (epoch seconds, when sendall answered), Weibo's answer (created_at).
WENT_OUT_KEYS = ("published_at", "sent_at", "created_at")


def went_out_at(receipt: Receipt, now: float) -> float:
    """When the post really went out, as the receipt says; `now` when it does not say (or says a
    time still to come). A post recorded long after it went out (reconciled after a crash or a
    restored backup) keeps its true time: quotas and statistics count it on the right day."""
    for key in WENT_OUT_KEYS:
        when = _moment(receipt.data.get(key))
        if when is not None:
            return min(when, now)
    return now


def _moment(value: Any) -> float | None:
    if isinstance(value, (int, float)) and not isinstance(value, bool) and value > 0:
        return float(value)
    if not isinstance(value, str) or not value:
        return None
    for parse in (dt.datetime.fromisoformat, _weibo_time):
        try:
            parsed = parse(value)
        except (ValueError, TypeError, IndexError):
            continue
        return parsed.timestamp() if parsed.tzinfo is not None else None
    return None


def _weibo_time(text: str) -> dt.datetime:
    """Weibo's `Tue Sep 07 20:00:03 +0800 2027`, read whatever the machine's locale."""
    _weekday, month, day, clock, zone, year = text.split()
    return email.utils.parsedate_to_datetime(f"{day} {month} {year} {clock} {zone}")


class ChannelError(QmError):
    permanent = False

    def __init__(self, message: str, channel: str = "", code: str | int | None = None, *, progress: dict[str, Any] | None = None) -> None:
        super().__init__(redact.scrub(message))  # platform replies may echo a token back
        self.channel = channel
        self.code = code
        self.progress = progress  # the receipt data to keep when the platform says the post is not out


class TransientError(ChannelError):
    permanent = False


class PermanentError(ChannelError):
    permanent = True


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

    def tidy(self) -> int:
        """Called by the daemon at start, holding the lock: remove what a killed process left half-made.
        Returns how many leftovers were removed."""
        return 0

    def close(self) -> None:  # noqa: B027 - optional hook
        pass
