"""Posts that may have gone out, judged from what the queue records (no I/O, no SQLAlchemy: the planner's
`kept_posts` reads it for `qm plan` and `qm check`).

A post not out nor on its way (any state but `LOCKED`) may still be out when an attempt the daemon claimed reached
the platform: it failed, it waits to be tried again after an unclear answer (a WeChat mass send whose connection
dropped: the retry repeats its clientmsgid), it was missed past its window, or a person or the plan cancelled it
since. `qm retry` (attempts back to 0) is a person saying to send it anew. Every channel records in the
receipt, through a checkpoint the daemon commits before the call (no commit, no call), that its attempt reached
the irrevocable step: Weibo's and a mass send's `sending`, WeChat's `submitting`, the assisted Weibo's
`notifying`, the outbox's record of the folder it writes (`outbox`). It puts the record back when the platform
refused the call (`ready`, `draft`) or nothing was written (the outbox's `{}`). So such a post may have gone out
only when its receipt says the platform took it (`committed`) or still carries that mark; one with no receipt, or
whose receipt says the attempt stopped before the call (a rule refused, a token expired, the channel left the
config), did not send anything. Such a post is kept like one that went out, cancelled or not: the plan does not
give its words to another slot of its channel, a refresh does not rewrite them (they are the record `qm confirm`
names, and a retry sends the same version: the platform may recognise a repeat), and `qm retry` refuses while
another post of the channel carries them.
"""

from __future__ import annotations

from ..support.values import Receipt, committed
from . import states as st

# The stages a channel records just before its irrevocable call (and after it, until the platform's answer is
# recorded): Weibo's and a WeChat mass send's, WeChat's publish, the assisted Weibo's notice to staff.
REACHED = frozenset({"sending", "submitting", "submitted", "sent", "published", "notifying", "notified"})
OUTBOX = "outbox"  # the outbox's record of the folder it writes, made before writing and cleared when nothing was


def unsure(state: str, attempts: int) -> bool:
    """Whether a post in `state` after `attempts` claimed attempts may be out by what its receipt says (`maybe_sent`)."""
    return state not in st.LOCKED and attempts >= 1


def maybe_sent(state: str, attempts: int, receipt: Receipt | None) -> bool:
    """Whether a post in `state` after `attempts` claimed attempts, with `receipt`, is not out nor on its way but
    may be out all the same: an attempt reached the platform (failed, waiting to retry, missed or cancelled since)."""
    if not unsure(state, attempts) or receipt is None:
        return False
    if committed(receipt):
        return True  # the platform took it (a WeChat job that ended after the article was out)
    return receipt.data.get("stage") in REACHED or OUTBOX in receipt.data


def out_or_maybe(state: str, attempts: int, receipt: Receipt | None) -> bool:
    """Went out, may be going out, or an attempt may have sent it (`maybe_sent`)."""
    return state in st.LOCKED or maybe_sent(state, attempts, receipt)


# The daemon's stamp on every checkpoint: the method (`ChannelConfig.method`) of the attempt that stored it. Empty
# when a person sent the post anew (`resend`): its marks are then the method's in force.
METHOD = "method"
UNKNOWN = "?"  # the method of marks qm cannot place (`made_by`): another than any in force
# What each method leaves in a receipt once its attempt reached the platform, by channel kind: how a receipt stored
# before the stamp existed is placed (`made_by`). The outbox's record (`OUTBOX`) is the same for every kind.
MARKS = {
    "wechat": {"publish_id": "api:publish", "submitting": "api:publish", "submitted": "api:publish", "published": "api:publish"}
    | {"msg_id": "api:mass_send", "sending": "api:mass_send", "sent": "api:mass_send"},
    "weibo": {"idstr": "api:api", "sending": "api:api", "notifying": "api:assisted", "notified": "api:assisted"},
}


def made_by(channel: str, receipt: Receipt) -> str:
    """The method of the attempt that left `receipt` on `channel`: its stamp ("" after a person sent it anew: the
    method in force); stored before the stamp existed, what its marks say (`UNKNOWN` when they say nothing qm knows)."""
    if METHOD in receipt.data:
        return str(receipt.data[METHOD] or "")
    if OUTBOX in receipt.data:
        return "outbox"
    marks = MARKS.get(channel.split(":", 1)[0], {})
    ids = [marks[key] for key in marks if receipt.data.get(key)]
    return ids[0] if ids else marks.get(str(receipt.data.get("stage")), UNKNOWN)


def switched(channel: str, receipt: Receipt | None, method: str) -> str:
    """The method of an earlier attempt on `channel` that reached the platform (its marks say so, or the platform took
    it: `committed`), when the channel now goes out by another `method` ("" otherwise). The new method cannot read
    those marks: it would take the post for not sent and send it again (a mass send whose answer was lost submitted
    as an article, a Weibo status posted again through the outbox), nor follow up what the platform took under
    another publisher (an article's publish job asked of the outbox). A platform's own ids are followed up by its
    API channel whatever its mode (WeChat asks a publish_id or a msg_id alike): a mode switch alone leaves those."""
    if receipt is None:
        return ""
    taken = committed(receipt)
    reached = taken or receipt.data.get("stage") in REACHED or OUTBOX in receipt.data
    made = made_by(channel, receipt) if reached else ""
    if taken and made != UNKNOWN:
        return made if made and _publisher(made) != _publisher(method) else ""
    return made if made and made != method else ""


def _publisher(method: str) -> str:
    return method.split(":", 1)[0]


def method_words(method: str) -> str:
    """A method as config.yaml writes it: `publisher: api，mode: mass_send`."""
    if method == UNKNOWN:
        return "发布方式没有记下"
    return "，".join(f"{key}: {value}" for key, value in zip(("publisher", "mode"), method.split(":"), strict=False))
