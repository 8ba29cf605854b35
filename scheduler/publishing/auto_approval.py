"""Auto-approval (`auto_approve: true` on a channel) passes only what `qm check` passes: a post the check
finds problems in (the same `lint_post` the check runs, and the content guide's problems of its item at
their file:line, as the check gives them (`guide_reasons`): a short summary, markup in the text; and the
words of the item the check finds in print (`printed_problems`): a title with an absolute term) waits
for a person's review, saying why in its note (`last_error`, shown by `qm queue`) and in its history;
once its words pass, it is approved automatically. Posts that were waiting for people when their channel
switched to auto-approval are approved (or held) at the next fill under the recorded rules, unless a person
has begun reviewing them (`unreviewed`)."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping

from sqlalchemy.engine import Connection

from ..inputs.campaign import Campaign
from ..inputs.content_markup import guide_reasons
from ..planning.planner import Plan
from ..rendering.lint import lint_post, printed_problems, quoted
from ..rendering.payloads import RenderedPost
from ..support.errors import Problem
from . import notices_due, notices_sent
from . import states as st
from .queue import Post, change_state, record_audit
from .review_progress import passes_at
from .tables import posts

WHO = "自动审核"
NOT_AUTO = "未自动审核："  # the note of a post of an auto-approve channel waiting for people
HELD = NOT_AUTO + "qm check 发现问题，需人工审核："
HELD_NOTICE = "held"  # the notice of posts a fill held (`notices_due`): {"why": {post id: their reasons}}
WITHHELD = NOT_AUTO + "本机的审核规则与共用数据库记录的不同（运行后台服务的机器不自动审核这个渠道，或尚未按新规则重启），需人工审核"


def findings(campaign: Campaign, rendered: Iterable[RenderedPost], auto: set[str], plan: Plan) -> dict[str, list[str]]:
    """What the check finds against each rendered post of an auto-approve channel, by post id (none: passes):
    in the post's words (`lint_post`), in its content item as the content guide asks (`guide_reasons`), and in
    the item's words posters and print sheets show (`printed_problems`: a title with an absolute term fails the
    check even when a screen shows only the item's own headline)."""
    items = {p.id: p.item for p in plan.posts}
    guide: dict[str, tuple[list[str], list[Problem]]] = {}  # by item: an item has posts on several channels and days
    found = {}
    for r in rendered:
        if r.channel not in auto:
            continue
        item = items[r.post_id]
        if item.id not in guide:
            guide[item.id] = (guide_reasons(item), printed_problems(campaign, (item,)))
        guided, printed = guide[item.id]
        words = [f.reason for f in lint_post(campaign, r)]
        said = {quoted(w) for w in words}  # the item's words this post's own were found to have: not told twice
        if reasons := words + guided + [str(p) for p in printed if quoted(p.message) not in said]:
            found[r.post_id] = reasons
    return found


def approve_or_hold(conn: Connection, post_id: str, version: str, reasons: list[str] | None, now: float) -> bool:
    """Approve a planned post of an auto-approve channel, or, when the check finds problems in it, keep it
    waiting with the reasons as its note; True if it was held."""
    if reasons:
        why = held_note(reasons)
        conn.execute(posts.update().where(posts.c.id == post_id, posts.c.state == st.PLANNED).values(last_error=why))
        record_audit(conn, post_id, st.PLANNED, st.PLANNED, WHO, why, now)
        return True
    values = {"approved_by": WHO, "approved_version": version, "last_error": ""}
    change_state(conn, post_id, st.PLANNED, st.APPROVED, WHO, "该渠道设置为自动审核（auto_approve）", now, values)
    return False


def withhold(conn: Connection, post_id: str, now: float) -> None:
    """Keep a planned post waiting for people: the fill's rules are not those recorded. Once they are (the
    daemon started with them), `recheck` auto-approves it."""
    conn.execute(posts.update().where(posts.c.id == post_id, posts.c.state == st.PLANNED).values(last_error=WITHHELD))
    record_audit(conn, post_id, st.PLANNED, st.PLANNED, WHO, WITHHELD, now)


def recheck(conn: Connection, old: Post, reasons: list[str] | None, now: float) -> bool | None:
    """A post of an auto-approve channel whose words did not change: one auto-approved before the check
    found problems in it goes back to review, one held whose problems are gone is approved (other problems:
    its note says them), and one that has waited for people since before its channel auto-approved (`unreviewed`)
    is approved or held as a new one is. True if it is held, False if approved now, None if it is no concern
    of auto-approval."""
    if reasons and old.state in (st.APPROVED, st.SCHEDULED) and old.approved_by == WHO:
        why = held_note(reasons)
        change_state(conn, old.id, old.state, st.PLANNED, WHO, why, now, {"approved_by": "", "approved_version": "", "last_error": why})
        return True
    if old.state == st.PLANNED and old.last_error.startswith(NOT_AUTO):
        return approve_or_hold(conn, old.id, old.version, reasons, now) if not reasons or old.last_error != held_note(reasons) else True
    if unreviewed(conn, old):
        return approve_or_hold(conn, old.id, old.version, reasons, now)
    return None


def unreviewed(conn: Connection, post: Post) -> bool:
    """Whether the post waits for review and no person has begun on its words: no review stage passed in its
    current version (a staged review under way, or an approval withdrawn since, stays with the people who
    began it). A rejected post is not waiting (its state is `rejected`); a post whose channel switched to
    `auto_approve` after it was planned, and whose words nobody reviewed, is."""
    return post.state == st.PLANNED and not post.last_error and not passes_at(conn, {post.id: post.version})


def held_note(reasons: list[str]) -> str:
    return HELD + "；".join(reasons)


def held_key(post_id: str, why: str) -> str:
    """The notice key of a post held for these reasons: staff are told once per post and reasons (`notices_sent`)."""
    return f"{notices_sent.held_topic(post_id)}:{hashlib.sha256(why.encode()).hexdigest()[:16]}"


def tell_held(conn: Connection, held: Mapping[str, str], now: float) -> None:
    """In the transaction of the fill that held them (whoever fills), one notice for the daemon to send of the held
    posts staff were not told of for these reasons yet: each is claimed in the notices table (`held_key`), so no
    later fill, restart or takeover tells it again until the post is approved (`queue.change_state` clears it)."""
    new = {post_id: why for post_id, why in sorted(held.items()) if notices_sent.claim(conn, held_key(post_id, why), now)}
    if new:
        notices_due.record(conn, HELD_NOTICE, {"why": new}, now)
