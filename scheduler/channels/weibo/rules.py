"""Weibo `statuses/share` rules, without I/O: what the text and image must be, and what codes mean."""

from __future__ import annotations

import datetime as dt
import os
import urllib.parse
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ...rendering.text_measures import URL_RE, has_weibo_topic, weibo_length
from ..base import ChannelError, coded_error
from ..images import MB, image_kind
from .config import WeiboConfig

IMAGE_MAX = 5 * MB - 1
TRANSIENT_CODES = frozenset({10001, 10002, 10009, 10022, 10023, 10024, 20016})
MEANINGS: dict[int, str] = {
    10001: "微博系统错误",
    10002: "微博服务暂停",
    10009: "任务过多，系统繁忙",
    10014: "应用没有这个接口的权限",
    10017: "正文中没有安全域名下的链接",
    10022: "IP 请求频次超过上限",
    10023: "用户请求频次超过上限",
    10024: "用户请求该接口的频次超过上限",
    20012: "正文超过 140 字",
    20016: "发微博太频繁",
    20017: "与最近的微博内容重复",
    20018: "正文含有非法网址",
    20019: "与最近的微博内容重复",
    20020: "正文被判定为广告",
    20021: "正文含有违规内容",
    21315: "access_token 已过期",
    21327: "access_token 已过期",
    21332: "access_token 无效",
}
RETRY = "，然后用 qm retry 重发"
EDITED = "，改好后用 qm retry 重发（改过的内容要重新审核）"
REAUTHORIZE = "重新授权获取 access_token，更新环境变量和 channels.weibo.token_expires" + RETRY
MAYBE_SENT = "这条微博可能已发出：到微博核实；已发出的用 qm confirm 补记，未发出的修改内容后用 qm retry 重发"
HINTS: dict[int, str] = {  # what to do, for every code of MEANINGS but the transient ones (retried by themselves)
    10014: "在微博开放平台为应用申请 statuses/share 接口权限，或改用 mode: assisted",
    10017: "在正文中加入 channels.weibo.link（须在应用的安全域名下）" + EDITED,
    20012: "按微博的算法把正文缩短到 140 字以内（qm check 按同样的算法检查）" + EDITED,
    20017: MAYBE_SENT,
    20019: MAYBE_SENT,
    20018: "删去或更换正文中的链接" + EDITED,
    20020: "修改正文，避免广告用语" + EDITED,
    20021: "删去或改写内容库中这条正文的违规内容" + EDITED,
    21315: REAUTHORIZE,
    21327: REAUTHORIZE,
    21332: "检查存放微博 access_token 的环境变量，必要时重新授权" + RETRY,
}


def error(code: int, message: str, channel: str) -> ChannelError:
    meaning = MEANINGS.get(code, "未知错误")
    text = f"微博接口 statuses/share 返回错误 {code}（{meaning}）" + (f"：{message}" if message else "")
    return coded_error(text, code, HINTS, TRANSIENT_CODES, channel)


def safe_domains(config: WeiboConfig) -> tuple[str, ...]:
    if config.safe_domains:
        return config.safe_domains
    host = urllib.parse.urlsplit(config.link).hostname
    return (host,) if host else ()


def problems(config: WeiboConfig, payload: Mapping[str, Any], files: Mapping[str, Path]) -> list[str]:
    """Every reason statuses/share would refuse this post; empty when it fits.

    The one set of rules `qm check` and publishing (by the API, or by staff in assisted mode) both
    apply. `files` maps the picture's placeholder to its file, when there is one."""
    text = str(payload.get("text", ""))
    found = []
    domains = safe_domains(config)
    hosts = [urllib.parse.urlsplit(url).hostname or "" for url in URL_RE.findall(text)]
    if not any(h == d or h.endswith("." + d) for h in hosts for d in domains):
        found.append(
            f"微博正文必须带一个安全域名（{'、'.join(domains) or '未配置'}）下的链接（接口要求；在正文中加入 channels.weibo.link）"
        )
    if config.mode == "api" and has_weibo_topic(text):
        found.append("接口发布的微博不能带 #话题#")
    length = weibo_length(text)
    if length > config.length_max:
        found.append(f"微博超过 {config.length_max} 字（按微博计数为 {length} 字）")
    if not text.strip():
        found.append("正文为空")
    ref = str(payload.get("image", ""))
    if ref in files and (problem := image_problem(files[ref])):
        found.append(problem)
    return found


def image_problem(path: Path) -> str:
    if image_kind(path) not in ("png", "jpeg", "gif"):
        return f"图片 {path.name} 的格式不被接受（只能是 JPEG/GIF/PNG）"
    size = path.stat().st_size
    if size > IMAGE_MAX:
        return f"图片 {path.name} 有 {size / MB:.2f} MB，须小于 5 MB"
    return ""


def token_expiry(config: WeiboConfig, env: Mapping[str, str] | None = None) -> dt.date | None:
    """When the access token expires: channels.weibo.token_expires, or `<access_token_env>_EXPIRES`
    in the environment (kept next to the token by whoever renews it)."""
    if config.token_expires is not None:
        return config.token_expires
    text = (os.environ if env is None else env).get(f"{config.access_token_env}_EXPIRES", "").strip()
    try:
        return dt.date.fromisoformat(text) if text else None
    except ValueError:
        return None
