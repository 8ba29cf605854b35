"""Failed posts that may have gone out, judged from what the queue records (no I/O, no SQLAlchemy: the
planner's `kept_posts` reads it for `qm plan` and `qm check`).

A post fails only from an attempt the daemon claimed (`publishing` or `accepted`). Every channel records in the
receipt, through a checkpoint the daemon commits before the call (no commit, no call), that its attempt reached
the irrevocable step: Weibo's and a mass send's `sending`, WeChat's `submitting`, the assisted Weibo's
`notifying`, the outbox's record of the folder it writes (`outbox`). It puts the record back when the platform
refused the call (`ready`, `draft`) or nothing was written (the outbox's `{}`). So a failed post may have gone out
only when its receipt says the platform took it (`committed`) or still carries that mark; one with no receipt, or
whose receipt says the attempt stopped before the call (a rule refused, a token expired, the channel left the
config), did not send anything. Such a post is kept like one that went out: the plan does not give its words to
another slot of its channel, a refresh does not rewrite them (they are the record `qm confirm` names), and
`qm retry` refuses while another post of the channel carries them.
"""

from __future__ import annotations

from ..support.values import Receipt, committed
from . import states as st

# The stages a channel records just before its irrevocable call (and after it, until the platform's answer is
# recorded): Weibo's and a WeChat mass send's, WeChat's publish, the assisted Weibo's notice to staff.
REACHED = frozenset({"sending", "submitting", "submitted", "sent", "published", "notifying", "notified"})
OUTBOX = "outbox"  # the outbox's record of the folder it writes, made before writing and cleared when nothing was


def maybe_sent(state: str, attempts: int, receipt: Receipt | None) -> bool:
    """Whether a post in `state` after `attempts` claimed attempts, with `receipt`, is a failed one that may be out."""
    if state != st.FAILED or attempts < 1 or receipt is None:
        return False
    if committed(receipt):
        return True  # the platform took it (a WeChat job that ended after the article was out)
    return receipt.data.get("stage") in REACHED or OUTBOX in receipt.data


def out_or_maybe(state: str, attempts: int, receipt: Receipt | None) -> bool:
    """Went out, may be going out, or failed after an attempt that may have sent it."""
    return state in st.LOCKED or maybe_sent(state, attempts, receipt)
