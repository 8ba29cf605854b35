"""A Weibo access token about to expire: staff are told `token_warn_days` ahead (a server app cannot
refresh it: someone must authorise again)."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from .config import WeiboConfig
from .rules import token_expiry

if TYPE_CHECKING:
    from ...support.notify import Notice


def token_notice(config: WeiboConfig, today: dt.date) -> Notice | None:
    expires = token_expiry(config) if config.publisher == "api" and config.mode == "api" else None
    if expires is None:
        return None
    left = (expires - today).days
    if left > config.token_warn_days:
        return None
    state = f"已于 {expires} 过期" if left < 0 else f"将于 {expires} 到期（还有 {left} 天）"
    lines = (
        f"微博 access_token {state}，到期后微博无法发布。",
        "处理：在微博开放平台重新授权，把新的 access_token 写入环境变量"
        f" {config.access_token_env}（或它的 _FILE 文件），并更新 config.yaml 中 channels.weibo.token_expires，然后重启后台服务。",
    )
    from ...support.notify import FAILURE, Notice

    return Notice(FAILURE, f"【微博授权{'已过期' if left < 0 else '即将到期'}】", lines)
