"""The `channels.wechat` section of config.yaml."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from ...inputs.campaign import ChannelConfig
from ...inputs.config import COMMON_CHANNEL_KEYS, common_channel
from ...inputs.located_yaml import Mapping
from ...inputs.readers import Reader
from ...inputs.secrets import env_name
from ..api_config import API_KEYS, SECRET_KEYS, api_settings


@dataclass(frozen=True)
class WeChatConfig(ChannelConfig):
    mode: str = "publish"  # publish | mass_send
    account_type: str = "subscription"  # subscription | service
    author: str = ""
    source_url: str = ""
    title_max: int = 32
    author_max: int = 16
    digest_max: int = 128
    content_max: int = 20000
    api_base: str = "https://api.weixin.qq.com"
    timeout: float = 15.0
    app_id: str = ""
    app_secret_env: str = "QM_WECHAT_APPSECRET"  # the secret itself never appears in config.yaml


def read_wechat(r: Reader, channels: Mapping, window: tuple[dt.date, dt.date] | None) -> WeChatConfig | None:
    m = r.section(channels, "wechat", "channels", required=False)
    if m is None or not r.flag(m, "enabled", "channels.wechat", True):
        return None
    path = "channels.wechat"
    r.keys(
        m,
        path,
        (
            *COMMON_CHANNEL_KEYS,
            *API_KEYS,
            *SECRET_KEYS,
            "enabled",
            "mode",
            "account_type",
            "author",
            "source_url",
            "limits",
            "app_id",
            "app_secret_env",
        ),
    )
    common = common_channel(r, m, path, window)
    api = api_settings(r, m, path, WeChatConfig.api_base, WeChatConfig.timeout)
    app_id = r.text(m, "app_id", path, "")
    if common["publisher"] == "api" and not app_id:
        r.problem(m.where(), f"{path} 使用 publisher: api 时必须写 app_id", "在公众号后台“设置与开发—基本配置”中查看 AppID")
    mode = r.choice(m, "mode", path, ("publish", "mass_send"), "publish")
    account = r.choice(m, "account_type", path, ("subscription", "service"), "subscription")
    limits = r.section(m, "limits", path, required=False) or Mapping()
    if isinstance(limits, Mapping) and limits:
        r.keys(limits, f"{path}.limits", ("title", "author", "digest", "content"))
    lp = f"{path}.limits"
    config = WeChatConfig(
        name="wechat",
        mode=mode,
        account_type=account,
        author=r.text(m, "author", path, "", max_len=16),
        source_url=r.text(m, "source_url", path, ""),
        title_max=r.integer(limits, "title", lp, 32, lo=1, hi=64),
        author_max=r.integer(limits, "author", lp, 16, lo=1, hi=16),
        digest_max=r.integer(limits, "digest", lp, 128, lo=1, hi=128),
        content_max=r.integer(limits, "content", lp, 20000, lo=100, hi=20000),
        app_id=app_id,
        app_secret_env=env_name(r, m, "app_secret_env", path, WeChatConfig.app_secret_env),
        **api,  # type: ignore[arg-type]
        **common,  # type: ignore[arg-type]
    )
    check_quota(r, m, config, window)
    return config


def check_quota(r: Reader, m: Mapping, c: WeChatConfig, window: tuple[dt.date, dt.date] | None) -> None:
    """A subscription account sends one article a day; a service account's followers get four a month."""
    if c.account_type == "subscription" and len(c.times) > 1:
        r.problem(m.where("times"), "订阅号每天只能发送 1 次，channels.wechat.times 只能有一个时间", "删去多余的时间")
    if c.mode == "mass_send" and c.account_type == "service" and window:
        days = len(c.dates) if c.dates is not None else (window[1] - window[0]).days + 1
        if days * len(c.times) > 4:
            r.problem(
                m.where("times"),
                f"服务号群发每月最多 4 次，当前配置为 {days * len(c.times)} 次",
                "用 channels.wechat.dates 列出至多 4 个群发日期",
            )
