"""Failed posts that may have gone out, judged from what the queue records (no I/O, no SQLAlchemy: the
planner's `kept_posts` reads it for `qm plan` and `qm check`).

A post fails only from an attempt the daemon claimed (`publishing` or `accepted`). Before its irrevocable call
a channel marks the receipt (Weibo's and a mass send's `sending`, WeChat's `submitting`) and puts it back when
the platform refused the call (`ready`, `draft`): nothing went out. So a failed post counts as possibly out
unless its receipt says the last attempt stopped before that call or was refused by it. Such a post is kept
like one that went out: the plan does not give its words to another slot of its channel, a refresh does not
rewrite them (they are the record `qm confirm` names), and `qm retry` refuses while another post of the
channel carries them.
"""

from __future__ import annotations

from ..support.values import Receipt, committed
from . import states as st

# The stages a channel records before its irrevocable call, and puts back when the platform refused it.
NOT_SENT = frozenset({"ready", "uploading", "draft"})


def maybe_sent(state: str, attempts: int, receipt: Receipt | None) -> bool:
    """Whether a post in `state` after `attempts` claimed attempts, with `receipt`, is a failed one that may be out."""
    if state != st.FAILED or attempts < 1:
        return False
    if committed(receipt):
        return True  # the platform took it (a WeChat job that ended after the article was out)
    return receipt is None or receipt.data.get("stage") not in NOT_SENT


def out_or_maybe(state: str, attempts: int, receipt: Receipt | None) -> bool:
    """Went out, may be going out, or failed after an attempt that may have sent it."""
    return state in st.LOCKED or maybe_sent(state, attempts, receipt)
