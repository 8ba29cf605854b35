"""The WeChat Official Account channel (微信公众号), over the official HTTP API.

    stable_token                      cached; fetched again shortly before it expires, and once more
                                      when a call says it is invalid or expired (40001/40014/42001)
    material/add_material, media/uploadimg   the cover, then each in-article image; the article's
                                      `qm-image:` placeholders become the returned URLs; each is
                                      checkpointed as it returns and reused by a retry
    draft/add                         after every limit was checked, before any call; a cover held
                                      from an earlier try that the platform no longer has (deleted
                                      from the library: 40007) is uploaded once more, once per try
    publish mode:   freepublish/submit -> accepted; freepublish/get polled until a final status
    mass_send mode: message/mass/sendall with a clientmsgid made from post id and version, so a
                                      repeat after a crash is answered 45065 (already sent); WeChat
                                      knows a clientmsgid for 24 hours only, so no repeat is made
                                      later than 23 hours after the first call (`rules.too_late_to_repeat`)

Progress is checkpointed through the daemon after the draft and around the irrevocable call, so a
crash never causes a second publication: a stored publish_id is polled, a mass send is repeated
under the same clientmsgid, and a submit whose answer was lost goes to a person.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import os
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ...inputs.campaign import Campaign, ChannelConfig
from ...inputs.secrets import require_secret
from ...runtime.clock import Clock
from ...support import redact
from ...support.logs import event
from ...support.values import ImageSource, Receipt
from ..api import ApiChannel, ImageFile, UnclearOutcome, call_name
from ..base import ChannelError, OutgoingPost, PermanentError
from ..images import PostImages, image_kind
from . import rules
from .config import WeChatConfig

log = logging.getLogger("qm.wechat")

EARLY_REFRESH = 300.0  # seconds before expiry a token is replaced


@dataclass(frozen=True)
class Token:
    value: str
    expires_at: float
    renewed: bool = False  # asked early once already: stable_token returns the same token while it is valid

    def stale(self, now: float) -> bool:
        return now >= self.expires_at or (now >= self.expires_at - EARLY_REFRESH and not self.renewed)


class WeChatChannel(ApiChannel):
    platform = "微信"
    # With checkpoints, reconcile knows: None means nothing irrevocable was started (or, for a mass
    # send, that repeating it is recognised by its clientmsgid). Unknowable cases raise instead.
    reconcile_is_authoritative = True
    # After the checkpoint that marks the irrevocable call: the token (when stale), the call, and once more
    # both when the platform refuses the token (`call`).
    requests_after_checkpoint = 4

    def __init__(self, config: WeChatConfig, secret: str, images: ImageFile, clock: Clock | None = None) -> None:
        super().__init__(config.name, config.api_base, config.timeout, images, clock)
        self.config = config
        self._secret = secret
        redact.register(secret)
        self._token: Token | None = None
        self._token_lock = threading.Lock()

    # -- access token --------------------------------------------------------------------------

    def token(self) -> str:
        with self._token_lock:
            if self._token is None or self._token.stale(self.now()):
                fresh = self._fetch_token()
                self._token = dataclasses.replace(fresh, renewed=self._token is not None and fresh.value == self._token.value)
            return self._token.value

    def _drop_token(self, stale: str) -> None:
        with self._token_lock:
            if self._token is not None and self._token.value == stale:
                self._token = None

    def _fetch_token(self) -> Token:
        body = {"grant_type": "client_credential", "appid": self.config.app_id, "secret": self._secret}
        data = self.answer(self.request("POST", "/cgi-bin/stable_token", json=body), "stable_token")
        if int(data.get("errcode") or 0):
            raise rules.error(int(data["errcode"]), str(data.get("errmsg", "")), "stable_token", self.name)
        value = str(data.get("access_token", ""))
        if not value:
            raise PermanentError("微信接口 stable_token 的应答中没有 access_token：检查 channels.wechat.api_base", self.name)
        redact.register(value)
        return Token(value, self.now() + float(data.get("expires_in") or 7200))

    def call(
        self, path: str, *, params: dict[str, str] | None = None, accept: tuple[int, ...] = (), retry: bool = True, **kwargs: Any
    ) -> dict[str, Any]:
        """POST to an API with the access token; one refresh-and-retry when the token was refused."""
        token = self.token()
        call = call_name(path)
        data = self.answer(self.request("POST", path, params={**(params or {}), "access_token": token}, **kwargs), call)
        code = int(data.get("errcode") or 0)
        if code in rules.TOKEN_CODES and retry:
            self._drop_token(token)
            return self.call(path, params=params, accept=accept, retry=False, **kwargs)
        if code and code not in accept:
            raise rules.error(code, str(data.get("errmsg", "")), call, self.name)
        return data

    def post_json(self, path: str, body: dict[str, Any], accept: tuple[int, ...] = ()) -> dict[str, Any]:
        # Chinese must travel as UTF-8: WeChat stores \\uXXXX escapes literally in articles.
        content = json.dumps(body, ensure_ascii=False).encode("utf-8")
        return self.call(path, accept=accept, content=content, headers={"Content-Type": "application/json; charset=utf-8"})

    # -- publishing ----------------------------------------------------------------------------

    def publish(self, post: OutgoingPost) -> Receipt:
        files = self._checked_files(post)
        progress = dict(post.progress) if post.progress.get("version") == post.version else {}
        if not progress.get("media_id"):
            progress = self._draft(post, files, progress)
        if self.config.mode == "mass_send":
            return self._mass_send(post, progress)
        return self._submit(post, progress)

    def _checked_files(self, post: OutgoingPost) -> dict[str, Path]:
        """Every limit, before any call: the article, the cover, each in-article image."""
        files: dict[str, Path] = {}
        cover = str(post.payload.get("cover", ""))
        for ref in [cover, *rules.placeholders(str(post.payload.get("content", "")))]:
            if ref and ref not in files:
                files[ref] = self.image(post, ref)
        problems = rules.problems(self.config, post.payload, files)
        if problems:
            raise PermanentError(
                f"{post.id} 不符合微信公众号的限制：{'；'.join(problems)}（修改内容或 channels.wechat.limits 后重新审核）", self.name
            )
        return files

    def _draft(self, post: OutgoingPost, files: dict[str, Path], held: dict[str, Any]) -> dict[str, Any]:
        """Upload what the platform does not hold yet, then make the draft. Each upload is checkpointed
        as it returns, so a retry after a fault reuses it: one permanent cover per post, never two."""
        progress: dict[str, Any] = {"image_urls": {}, **held, "version": post.version}
        reused_cover = bool(progress.get("thumb_media_id"))
        if not reused_cover:
            progress = self._upload_cover(post, files, progress)
        content = str(post.payload.get("content", ""))
        for ref in rules.placeholders(content):
            if ref not in progress["image_urls"]:
                url = str(self._upload(files[ref], "/cgi-bin/media/uploadimg")["url"])
                progress = {**progress, "stage": "uploading", "image_urls": {**progress["image_urls"], ref: url}}
                post.checkpoint(progress)
            content = content.replace(ref, progress["image_urls"][ref])
        article = {
            "title": post.payload.get("title", ""),
            "author": post.payload.get("author", ""),
            "digest": post.payload.get("digest", ""),
            "content": content,
            "content_source_url": post.payload.get("content_source_url", ""),
            "thumb_media_id": progress["thumb_media_id"],
            "need_open_comment": 0,
            "only_fans_can_comment": 0,
        }
        try:
            draft = self.post_json("/cgi-bin/draft/add", {"articles": [article]})
        except PermanentError as exc:
            if exc.code != rules.INVALID_MEDIA_ID or not reused_cover:
                raise
            # The cover an earlier try uploaded is gone (deleted from the library): the checkpoint is
            # stale. Upload it once more, once per try; a second refusal goes to a person.
            event(log, "cover_reuploaded", logging.WARNING, post=post.id, stale_media_id=progress["thumb_media_id"])
            progress = self._upload_cover(post, files, progress)
            draft = self.post_json("/cgi-bin/draft/add", {"articles": [{**article, "thumb_media_id": progress["thumb_media_id"]}]})
        progress = {**progress, "stage": "draft", "media_id": draft["media_id"]}
        post.checkpoint(progress)
        return progress

    def _upload_cover(self, post: OutgoingPost, files: dict[str, Path], progress: dict[str, Any]) -> dict[str, Any]:
        """The cover as a permanent image, checkpointed at once so a retry reuses it."""
        cover = self._upload(files[str(post.payload["cover"])], "/cgi-bin/material/add_material", {"type": "image"})
        progress = {**progress, "stage": "uploading", "thumb_media_id": cover["media_id"], "cover_url": cover.get("url", "")}
        post.checkpoint(progress)
        return progress

    def _upload(self, path: Path, api: str, params: dict[str, str] | None = None) -> dict[str, Any]:
        mime = "image/png" if image_kind(path) == "png" else "image/jpeg"
        return self.call(api, params=params or {}, files={"media": (path.name, path.read_bytes(), mime)})

    def _irrevocable(self, post: OutgoingPost, progress: dict[str, Any], stage: str, path: str, body: dict[str, Any]) -> dict[str, Any]:
        """The call that publishes: marked before it is made, unmarked when it surely failed. When an earlier
        attempt's same call got no answer (it may have gone out), a refusal now does not say it did not: the
        mark stays (`publishing.maybe_sent`) and the error says to check the platform first."""
        earlier = post.attempt > 1 and progress.get("stage") == stage
        # `called_at`: when the first of the calls that may have gone out was made (a repeat keeps it)
        post.checkpoint({**progress, "stage": stage} if earlier else {**progress, "stage": stage, "called_at": self.now()})
        try:
            return self.post_json(path, body, accept=(rules.ALREADY_SENT,))
        except UnclearOutcome:
            raise
        except ChannelError as exc:
            if earlier:
                raise rules.maybe_out(exc, post.id, stage) from exc
            post.checkpoint({**progress, "stage": "draft"})  # refused: the draft is kept for the next try
            raise

    def _submit(self, post: OutgoingPost, progress: dict[str, Any]) -> Receipt:
        try:
            data = self._irrevocable(post, progress, "submitting", "/cgi-bin/freepublish/submit", {"media_id": progress["media_id"]})
        except UnclearOutcome as exc:
            # The request may have created the publish job: submitting again could publish twice, and
            # no call names a job by its draft. Nothing to wait for: a person checks now.
            raise self._unclear_submit(post, f"提交发布时{exc}") from exc
        # When the platform took it: the post counts as sent then (its review takes a while more).
        progress = {**progress, "stage": "submitted", "publish_id": str(data["publish_id"]), "submitted_at": self.now()}
        if data.get("msg_data_id"):
            progress["msg_data_id"] = str(data["msg_data_id"])  # names the article in the statistics (datacube msgid)
        post.landed(progress)
        return Receipt("accepted", external_id=progress["publish_id"], data=progress)

    def _mass_send(self, post: OutgoingPost, progress: dict[str, Any]) -> Receipt:
        if post.attempt > 1 and progress.get("stage") == "sending":  # repeated: only while WeChat would recognise it
            since = float(progress.get("called_at", post.at.timestamp()))  # a receipt from before it was recorded: the slot
            if (late := rules.too_late_to_repeat(post.id, since, self.now(), self.name)) is not None:
                raise late
        body = {
            "filter": {"is_to_all": True},
            "mpnews": {"media_id": progress["media_id"]},
            "msgtype": "mpnews",
            "send_ignore_reprint": 0,
            "clientmsgid": client_msg_id(post),
        }
        data = self._irrevocable(post, progress, "sending", "/cgi-bin/message/mass/sendall", body)
        progress = {**progress, "stage": "sent", "clientmsgid": body["clientmsgid"], "msg_id": str(data.get("msg_id", ""))}
        if data.get("msg_data_id"):
            progress["msg_data_id"] = str(data["msg_data_id"])
        if int(data.get("errcode") or 0) == rules.ALREADY_SENT:
            progress["already_sent"] = True  # an earlier attempt went out; this one was recognised (when is not said)
        else:
            progress["sent_at"] = self.now()  # it went out now: kept if the daemon records it only later
        post.landed(progress)
        return Receipt("published", external_id=progress["msg_id"], data=progress)

    # -- following up --------------------------------------------------------------------------

    def reconcile(self, post: OutgoingPost, receipt: Receipt | None) -> Receipt | None:
        data = receipt.data if receipt else {}
        if data.get("msg_id"):
            return Receipt("published", external_id=str(data["msg_id"]), data=data)
        if data.get("publish_id"):
            return self._poll(data)
        if data.get("stage") == "submitting":
            raise self._unclear_submit(post, "提交发布时服务中断")
        return None  # nothing irrevocable happened (a mass send is recognised by its clientmsgid)

    def _unclear_submit(self, post: OutgoingPost, what: str) -> PermanentError:
        return PermanentError(
            f"{post.id} {what}，无法确认微信是否收到：请到公众号后台“发表记录”核实；"
            f"已发出的用 qm confirm {post.id} 补记，未发出的用 qm retry {post.id} 重发",
            self.name,
        )

    def _poll(self, data: dict[str, Any]) -> Receipt:
        publish_id = str(data["publish_id"])
        answer = self.post_json("/cgi-bin/freepublish/get", {"publish_id": publish_id})
        status = int(answer.get("publish_status", -1))
        if status == 1:
            return Receipt("accepted", external_id=publish_id, data=data)
        if status != 0:
            raise rules.publish_failure(status, publish_id, self.name, data)
        items = answer.get("article_detail", {}).get("item", [])
        url = str(items[0].get("article_url", "")) if items else ""
        done = {**data, "stage": "published", "article_id": str(answer.get("article_id", "")), "article_url": url}
        return Receipt("published", external_id=done["article_id"] or publish_id, url=url, data=done)


def client_msg_id(post: OutgoingPost) -> str:
    """The same for every attempt at the same version of a post, so WeChat recognises a repeat (≤64 bytes)."""
    return f"qm-{post.id}-{post.version}"[:64]


def make(campaign: Campaign, config: ChannelConfig, images: ImageSource) -> WeChatChannel:
    assert isinstance(config, WeChatConfig)
    secret = require_secret(os.environ, config.app_secret_env, "公众号 AppSecret", config.name)
    return WeChatChannel(config, secret, PostImages(images))
