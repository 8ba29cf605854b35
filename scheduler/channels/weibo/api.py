"""The Weibo channel (新浪微博): `statuses/share`, the only way third-party apps may post.

The rules (a safe-domain URL, no #topic#, ≤140 by Weibo's count, picture < 5 MB, `rip`) are
checked before the call. Rate limits are transient; repeated content, illegal content and an
expired or invalid token are permanent and say what to do. A token cannot be refreshed: its expiry
date (channels.weibo.token_expires, or <access_token_env>_EXPIRES) is warned about ahead of time (`warnings`), and a post
due after it fails before any call.

With `mode: assisted` nothing is sent to Weibo: staff get the ready post (`assisted`).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from ...inputs.campaign import Campaign, ChannelConfig
from ...inputs.secrets import require_secret
from ...runtime.clock import Clock
from ...support.errors import ConfigError
from ...support.notify import Notifications
from ...support.values import ImageSource, Receipt
from ..api import ApiChannel, ImageFile, UnclearOutcome
from ..base import Channel, ChannelError, OutgoingPost, PermanentError
from ..images import PostImages, image_kind
from . import rules
from .assisted import AssistedChannel
from .config import WeiboConfig


class WeiboChannel(ApiChannel):
    platform = "微博"
    reconcile_is_authoritative = True  # a checkpoint brackets the one call that posts
    requests_after_checkpoint = 1  # statuses/share (its token is fixed: no refresh)

    def __init__(self, config: WeiboConfig, token: str, images: ImageFile, clock: Clock | None = None) -> None:
        super().__init__(config.name, config.api_base, config.timeout, images, clock)
        self.config = config
        self._token = token

    def publish(self, post: OutgoingPost) -> Receipt:
        text = str(post.payload.get("text", ""))
        picture = self._checked(post)
        ready = {"version": post.version, "stage": "ready"}
        post.checkpoint({**ready, "stage": "sending"})
        form = {"access_token": self._token, "status": text, "rip": self.config.rip}
        files = {"pic": (picture.name, picture.read_bytes(), f"image/{image_kind(picture)}")} if picture else None
        try:
            response = self.request("POST", "/2/statuses/share.json", data=form, files=files)
            data = self.answer(response, "statuses/share")
            if response.status_code != 200 or "error_code" in data:
                raise rules.error(_code(data.get("error_code")), str(data.get("error", "")), self.name)
        except UnclearOutcome as exc:
            # The status may be out: posting again could post it twice. Nothing to wait for: a person checks now.
            raise _unclear(post, f"发微博时{exc}", self.name) from exc
        except ChannelError:
            post.checkpoint(ready)  # refused: nothing was posted
            raise
        receipt = _receipt(data)
        post.landed(receipt.data)
        return receipt

    def _checked(self, post: OutgoingPost) -> Path | None:
        """Every rule before any call; the picture file, if the post has one."""
        ref = str(post.payload.get("image", ""))
        picture = self.image(post, ref) if ref else None
        problems = rules.problems(self.config, post.payload, {ref: picture} if picture else {})
        expires = rules.token_expiry(self.config)
        if expires is not None and self.clock.now().date() > expires:
            problems.append(
                f"微博 access_token 已于 {expires} 过期：重新授权，更新环境变量 {self.config.access_token_env} 和 token_expires"
            )
        if not self.config.rip:
            problems.append("缺少 channels.weibo.rip（发布服务器的公网 IP）")
        if problems:
            raise PermanentError(f"{post.id} 不能通过微博接口发布：{'；'.join(problems)}", self.name)
        return picture

    def reconcile(self, post: OutgoingPost, receipt: Receipt | None) -> Receipt | None:
        data = receipt.data if receipt else {}
        if data.get("idstr"):
            return _receipt(data)
        if data.get("stage") == "sending":
            raise _unclear(post, "发微博时服务中断", self.name)
        return None


def _unclear(post: OutgoingPost, what: str, channel: str) -> PermanentError:
    return PermanentError(
        f"{post.id} {what}，无法确认是否已发出：请到微博核实；已发出的用 qm confirm {post.id} --url 链接 补记，"
        f"未发出的用 qm retry {post.id} 重发",
        channel,
    )


def _code(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0


def _receipt(status: dict[str, Any]) -> Receipt:
    idstr = str(status.get("idstr") or status.get("id", ""))
    uid = str((status.get("user") or {}).get("idstr", "")) if isinstance(status.get("user"), dict) else str(status.get("uid", ""))
    url = f"https://weibo.com/{uid}/{idstr}" if uid else f"https://m.weibo.cn/status/{idstr}"
    data = {"idstr": idstr, "created_at": status.get("created_at", ""), "uid": uid, "url": url}
    if status.get("original_pic"):
        data["original_pic"] = status["original_pic"]
    return Receipt("published", external_id=idstr, url=url, data=data)


def make(campaign: Campaign, config: ChannelConfig, images: ImageSource) -> Channel:
    assert isinstance(config, WeiboConfig)
    files = PostImages(images)
    if config.mode == "assisted":
        if not campaign.notifiers:
            raise ConfigError(
                "微博人工发布模式（channels.weibo.mode: assisted）要把文案和配图推送给工作人员，"
                "但没有配置 notifications：在 config.yaml 中添加企业微信或钉钉群机器人"
            )
        return AssistedChannel(config, Notifications(campaign.notifiers), files)
    token = require_secret(os.environ, config.access_token_env, "微博 access_token", config.name)
    return WeiboChannel(config, token, files)
