"""The `channels.weibo` section of config.yaml."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from ...inputs.campaign import ChannelConfig
from ...inputs.config import COMMON_CHANNEL_KEYS, common_channel
from ...inputs.config_identity import URL_RE
from ...inputs.located_yaml import Mapping
from ...inputs.readers import Reader
from ...inputs.secrets import env_name
from ..api_config import API_KEYS, IP_RE, SECRET_KEYS, api_settings


@dataclass(frozen=True)
class WeiboConfig(ChannelConfig):
    mode: str = "api"  # api | assisted
    link: str = ""
    length_max: int = 140
    api_base: str = "https://api.weibo.com"
    timeout: float = 15.0
    access_token_env: str = "QM_WEIBO_TOKEN"
    token_expires: dt.date | None = None  # Weibo tokens cannot be refreshed: staff are warned ahead
    token_warn_days: int = 7
    rip: str = ""  # the real client IP the API asks for
    safe_domains: tuple[str, ...] = ()  # the app's 安全域名; empty: the host of `link`
    confirm_remind_minutes: int = 30  # assisted mode: remind staff of an unconfirmed post
    confirm_deadline_minutes: int = 120  # then report it


def read_weibo(r: Reader, channels: Mapping, window: tuple[dt.date, dt.date] | None) -> WeiboConfig | None:
    m = r.section(channels, "weibo", "channels", required=False)
    if m is None or not r.flag(m, "enabled", "channels.weibo", True):
        return None
    path = "channels.weibo"
    weibo_keys = (
        "access_token_env",
        "token_expires",
        "token_warn_days",
        "rip",
        "safe_domains",
        "confirm_remind_minutes",
        "confirm_deadline_minutes",
    )
    r.keys(m, path, (*COMMON_CHANNEL_KEYS, *API_KEYS, *SECRET_KEYS, *weibo_keys, "enabled", "mode", "link", "length_max"))
    link = r.text(m, "link", path)
    if link and not URL_RE.match(link):
        r.problem(m.where("link"), f"{path}.link 不是网址：{link!r}", "微博正文必须带一个安全域名下的链接，以 https:// 开头")
    common = common_channel(r, m, path, window)
    mode = r.choice(m, "mode", path, ("api", "assisted"), "api")
    rip = r.text(m, "rip", path, "")
    if rip and not IP_RE.match(rip):
        r.problem(m.where("rip"), f"{path}.rip 不是 IP 地址：{rip!r}", "写发布服务器的公网 IPv4 地址，如 203.0.113.7")
    if common["publisher"] == "api" and mode == "api" and not rip:
        r.problem(m.where(), f"{path} 调用微博接口（publisher: api，mode: api）时必须写 rip", "微博要求提供发布服务器的真实公网 IP")
    remind = r.integer(m, "confirm_remind_minutes", path, 30, lo=1, hi=24 * 60)
    deadline = r.integer(m, "confirm_deadline_minutes", path, 120, lo=2, hi=7 * 24 * 60)
    if deadline <= remind:
        r.problem(m.where("confirm_deadline_minutes"), f"{path}.confirm_deadline_minutes 应大于 confirm_remind_minutes", "先提醒，再上报")
    return WeiboConfig(
        name="weibo",
        mode=mode,
        link=link,
        length_max=r.integer(m, "length_max", path, 140, lo=10, hi=2000),
        access_token_env=env_name(r, m, "access_token_env", path, WeiboConfig.access_token_env),
        token_expires=r.date(m, "token_expires", path, None),
        token_warn_days=r.integer(m, "token_warn_days", path, 7, lo=0, hi=90),
        rip=rip,
        safe_domains=r.texts(m, "safe_domains", path),
        confirm_remind_minutes=remind,
        confirm_deadline_minutes=deadline,
        **api_settings(r, m, path, WeiboConfig.api_base, WeiboConfig.timeout),  # type: ignore[arg-type]
        **common,  # type: ignore[arg-type]
    )
