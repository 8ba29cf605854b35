"""Who will be told nothing: the notification groups whose webhook address is not set on this machine,
said by `qm check` as a reminder (the daemon only logs it once, at start, in qm.log).

A variable that is not set at all is what this finds; one whose `_FILE` names a file that cannot be
read is already a problem of the check (`channels` reading the secrets)."""

from __future__ import annotations

from collections.abc import Mapping

from ..inputs.campaign import Campaign

EVENTS = {"failure": "发布失败和错过", "approval": "审核", "reminder": "截止提醒", "assisted": "人工发布的微博"}


def unnotified(campaign: Campaign, env: Mapping[str, str]) -> list[str]:
    """One line per group without an address, and one more when no group at all is told of failures."""
    if not campaign.notifiers:
        return [
            f"{campaign.config_path} 里没有 notifications（通知群）：发布失败、错过等需要人处理的情况不会通知任何人，"
            "只记在 qm.log 和 qm status 里（notifications 的写法见 qm 的 docs/guide/config.md）"
        ]
    lines = []
    for n in campaign.notifiers:
        if _given(env, n.webhook_env):
            continue
        events = "、".join(EVENTS.get(e, e) for e in n.events)
        lines.append(
            f"{n.where}：通知群“{n.name}”没有通知地址（环境变量 {n.webhook_env} 未设置）：它订阅的通知（{events}）不会发出，"
            f"只记在 qm.log 和 qm status 里。在运行 qm daemon 的机器上设置环境变量 {n.webhook_env}（群机器人的 Webhook 地址，见 qm 的 docs/guide/secrets.md）"
        )
    if lines and not any("failure" in n.events and _given(env, n.webhook_env) for n in campaign.notifiers):
        lines.append("没有一个通知群能收到“发布失败”的通知：内容发布失败或错过、需要人处理时，没有人会被通知")
    return lines


def _given(env: Mapping[str, str], name: str) -> bool:
    """Whether the variable or its `_FILE` is set (a file that cannot be read fails the check itself)."""
    return bool(env.get(name, "").strip() or env.get(f"{name}_FILE"))
