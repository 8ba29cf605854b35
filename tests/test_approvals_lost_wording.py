"""What staff are told when a refresh cancelled approved posts says of the posts put in instead only what
happened: nothing when none were put in (the period shortened, fewer posts a day, a channel removed), "要审核"
(never reviewed, not "重新审核") for those waiting, auto-approved ones named; the daemon's channel-change
notice likewise."""

from __future__ import annotations

import dataclasses

from scheduler.daemon.channel_set import Change, change_lines
from scheduler.inputs.campaign import Campaign
from scheduler.publishing import approvals_lost
from scheduler.publishing.approvals_lost import Lost
from scheduler.publishing.post_rows import Post
from scheduler.publishing.words_back import Back

OPENING = "这次刷新按调整后的排期取消了 1 条已审核的内容，它们不会发出，审核也随之失效：20270903-weibo-0930。"
BACK = "如果不是有意调整，把配置改回原样再运行 qm queue，这些内容会恢复为已审核"
NEW = Back("20270903-weibo-0945", "weibo", 0.0, approvals_lost.NEW)


def test_nothing_put_in_says_nothing_of_reviewing() -> None:
    said = approvals_lost.warning(Lost(("20270903-weibo-0930",), (), ()))
    assert said == f"{OPENING}{BACK}。"


def test_posts_put_in_waiting_are_to_be_reviewed_not_reviewed_again() -> None:
    said = approvals_lost.warning(Lost(("20270903-weibo-0930",), (NEW,), ()))
    assert said == f"{OPENING}{BACK}；新排进来的内容要审核。"
    both = approvals_lost.warning(Lost(("20270903-weibo-0930",), (NEW,), ("20270904-weibo-0945",)))
    assert both.endswith("不经人工审核就会按时发出，请尽快核对；20270903-weibo-0945 要审核。") and "重新审核" not in both
    auto = approvals_lost.warning(Lost(("20270903-weibo-0930",), (), ("20270904-weibo-0945",)))
    assert auto.endswith("新排进来的 20270904-weibo-0945 已自动审核通过（渠道设置了 auto_approve），不经人工审核就会按时发出，请尽快核对。")


def test_the_channel_change_notice_says_what_became_of_the_posts_put_in(heihe: Campaign) -> None:
    lost = [_post("20270903-weibo-0930")]
    change = Change(heihe, (), (), ("weibo",))

    def changed(put_in: str) -> str:
        return next(line for line in change_lines(change, heihe, [], lost, put_in) if line.startswith("设置有改动的渠道"))

    assert "1 条已审核的内容被取消，不会发出（见【已审核的内容被取消】通知）；其余的发布" in changed(approvals_lost.put_in(0, 0))
    assert "不会发出，新排入的 2 条要审核通过后才会发布（见" in changed(approvals_lost.put_in(2, 0))
    auto = changed(approvals_lost.put_in(0, 3))
    assert "不会发出，新排入的 3 条已自动审核通过（渠道设置了 auto_approve），不经人工审核就会按时发出（见" in auto
    assert "要审核" not in auto
    assert (
        approvals_lost.put_in(2, 3)
        == "新排入的 2 条要审核通过后才会发布，3 条已自动审核通过（渠道设置了 auto_approve），不经人工审核就会按时发出"
    )


def _post(post_id: str) -> Post:
    fields = {f.name: None for f in dataclasses.fields(Post)}
    return Post(**{**fields, "id": post_id, "channel": "weibo"})  # type: ignore[arg-type]
