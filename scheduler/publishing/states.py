"""Post states and the transitions between them: a pure table, no I/O.

planned ──approve──> approved ──daemon──> scheduled ──claim──> publishing ──> published
   │  ^                 │                    │  ^                  │    └──> accepted ──poll──> published
   │  └──content edited─┴────────────────────┘  └──transient error─┘                  └──> failed
   └─reject─> rejected                       └──past grace──> missed      └──> failed
failed | missed ──retry──> approved (planned if edited since);  cancelled ──retry──> planned;  anything not yet out ──> cancelled
cancelled (by the plan, its slot dropped) ──the plan gives the slot again──> planned | approved | rejected (as it was, same words)
failed | missed (approved) | accepted | cancelled (maybe out) ──confirm (a person says it is out)──> published
scheduled | failed | missed ──an earlier attempt's answer arrives late (it went out)──> published (scheduled: or accepted)
"""

from __future__ import annotations

from typing import Final

PLANNED: Final = "planned"
REJECTED: Final = "rejected"
APPROVED: Final = "approved"
SCHEDULED: Final = "scheduled"
PUBLISHING: Final = "publishing"
ACCEPTED: Final = "accepted"  # the platform took it; the outcome is confirmed later (WeChat freepublish)
PUBLISHED: Final = "published"
FAILED: Final = "failed"
MISSED: Final = "missed"
CANCELLED: Final = "cancelled"

LABELS: dict[str, str] = {
    PLANNED: "待审核",
    REJECTED: "已退回",
    APPROVED: "已审核",
    SCHEDULED: "待发布",
    PUBLISHING: "发布中",
    ACCEPTED: "待平台确认",
    PUBLISHED: "已发布",
    FAILED: "失败",
    MISSED: "已错过",
    CANCELLED: "已取消",
}
STATES = tuple(LABELS)

TRANSITIONS: dict[str, frozenset[str]] = {
    PLANNED: frozenset({APPROVED, REJECTED, MISSED, CANCELLED}),  # missed: never reviewed in time
    REJECTED: frozenset({PLANNED, APPROVED, CANCELLED}),
    APPROVED: frozenset({SCHEDULED, PLANNED, REJECTED, CANCELLED}),
    # published, accepted: an earlier attempt's platform answer came after a takeover scheduled the post again;
    # failed: a retry whose job fired past the post's deadline (`timing.Action.EXPIRED`)
    SCHEDULED: frozenset({PUBLISHING, PLANNED, REJECTED, MISSED, CANCELLED, PUBLISHED, ACCEPTED, FAILED}),
    PUBLISHING: frozenset({PUBLISHED, ACCEPTED, SCHEDULED, FAILED}),
    ACCEPTED: frozenset({PUBLISHED, FAILED}),
    PUBLISHED: frozenset(),
    FAILED: frozenset({APPROVED, PLANNED, CANCELLED, PUBLISHED}),  # published: a person confirms it went out (qm confirm)
    MISSED: frozenset({APPROVED, PLANNED, CANCELLED, PUBLISHED}),  # published: approved, sent by hand, confirmed
    # approved, rejected: its slot back, words and approval standing (`dropped_slots`); published: an attempt before
    # the cancel may have sent it, and a person confirms it went out (qm confirm)
    CANCELLED: frozenset({PLANNED, APPROVED, REJECTED, PUBLISHED}),
}

# States a post can be in before it goes out: editing its content sends it back to review.
BEFORE_PUBLISHING = frozenset({PLANNED, REJECTED, APPROVED, SCHEDULED})
# States of a post a person approved (or its channel auto-approves) and nobody withdrew since.
APPROVED_STATES = frozenset({APPROVED, SCHEDULED, PUBLISHING, ACCEPTED, PUBLISHED})
# States whose content is locked: it went out, or may have.
LOCKED = frozenset({PUBLISHING, ACCEPTED, PUBLISHED})
ALL_CHANNELS = "*"  # the channel a pause of every channel is recorded under (`qm pause` without --channel)


def allowed(src: str, dst: str) -> bool:
    return dst in TRANSITIONS.get(src, frozenset())


def label(state: str) -> str:
    return LABELS.get(state, state)
