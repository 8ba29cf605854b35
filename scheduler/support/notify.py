"""Staff notifications through WeCom (企业微信) and DingTalk (钉钉) group robots.

Both take `POST <webhook>` with a JSON markdown message and answer `{"errcode": 0, "errmsg": "ok"}`.
A DingTalk robot with signing enabled needs `&timestamp=<ms>&sign=<base64 HMAC-SHA256 of
"<ms>\\n<secret>" keyed by the secret>` on the URL. Webhook URLs and secrets come from the
environment variables named in the config (or from a file named by `<VAR>_FILE`); they are never
logged nor shown: a failed call is reported by notifier name and what failed (`failure_reason`: an error
class, an HTTP status, the robot's errcode), never by its URL or its answer's text.

Sending never raises: a notification that fails is logged and the daemon carries on.

A notice's title and lines are text: a reason, a name or a title someone wrote is shown as they wrote it, never
read as markdown (`as_text`): it cannot start a heading or a line of its own, nor make a link or a coloured
word. Only the lines qm writes in markdown itself (`Markup`: the link to the console) are sent as they are.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging
import os
import re
import time
import urllib.parse
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..inputs.campaign import Notifier
from ..inputs.secrets import read_secret, secret_read
from .logs import event
from .redact import scrub

if TYPE_CHECKING:  # the HTTP client is imported when notifications are sent (commands that only warn start faster)
    import httpx

log = logging.getLogger("qm.notify")
# httpx logs every request line at INFO, and a webhook URL carries its access token: keep them out.
for _name in ("httpx", "httpcore"):
    logging.getLogger(_name).setLevel(logging.WARNING)

FAILURE, APPROVAL, REMINDER, ASSISTED = "failure", "approval", "reminder", "assisted"
TIMEOUT = 5.0  # seconds each phase of a webhook request may take (connecting, sending, the answer…)
WECOM_IMAGE_MAX = 2 * 1024 * 1024


class Markup(str):
    """A notice line qm writes in markdown itself (a link to the console's page): sent as it is."""


_BREAKS = re.compile(r"\s*[\n\r\v\f\x1c-\x1e\x85\u2028\u2029]+\s*")
_LINK = re.compile(r"\[([^\]]*)\]\(([^)]*)\)")  # [words](address), ![words](picture)
_TAG = re.compile(r"<(?=/?[A-Za-z])")  # <font color="warning">, <a href=…>, <http://…>
_LEADING = {"#": "＃", ">": "＞"}  # a heading, a quote: only at the start of a line


def as_text(text: str) -> str:
    """`text` as markdown that shows it as written: its lines joined by a space (it cannot begin a line of its
    own), a link shown as its words and address in full-width brackets (［请登录］（http://…）) instead of a
    link, a tag's < in full width, a leading # or > in full width."""
    text = _TAG.sub("＜", _LINK.sub(r"［\1］（\2）", _BREAKS.sub(" ", text)))
    return _LEADING.get(text[:1], text[:1]) + text[1:]


@dataclass(frozen=True)
class Notice:
    kind: str  # failure | approval | reminder | assisted
    title: str
    lines: tuple[str, ...] = ()
    image: Path | None = None  # sent as a picture where the robot takes one (WeCom, up to 2 MB)

    def markdown(self) -> str:
        body = "\n".join(f"- {line if isinstance(line, Markup) else as_text(line)}" for line in self.lines)
        return f"### {as_text(self.title)}\n{body}".rstrip()


def wecom_body(notice: Notice) -> dict[str, Any]:
    return {"msgtype": "markdown", "markdown": {"content": notice.markdown()}}


def dingtalk_body(notice: Notice) -> dict[str, Any]:
    return {"msgtype": "markdown", "markdown": {"title": notice.title, "text": notice.markdown()}}


def wecom_image(path: Path) -> dict[str, Any] | None:
    """A WeCom robot picture message (JPG/PNG up to 2 MB), or None when the file cannot be sent so."""
    try:
        data = path.read_bytes()
    except OSError:
        return None
    if len(data) > WECOM_IMAGE_MAX:
        return None
    return {"msgtype": "image", "image": {"base64": base64.b64encode(data).decode(), "md5": hashlib.md5(data).hexdigest()}}


def dingtalk_sign(secret: str, timestamp_ms: int) -> str:
    digest = hmac.new(secret.encode(), f"{timestamp_ms}\n{secret}".encode(), hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def dingtalk_url(webhook: str, secret: str, timestamp_ms: int) -> str:
    query = urllib.parse.urlencode({"timestamp": timestamp_ms, "sign": dingtalk_sign(secret, timestamp_ms)})
    return f"{webhook}{'&' if '?' in webhook else '?'}{query}"


@dataclass(frozen=True)
class Delivery:
    """One notice's delivery: the names of the notifiers that took it, and of those that failed (and why, in
    Chinese, one per failed notifier: `宣传工作群：机器人拒收（errcode 93000）`; never an address or a key)."""

    sent: tuple[str, ...]
    failed: tuple[str, ...]
    reasons: tuple[str, ...] = ()
    unclear: tuple[str, ...] = ()  # of those failed, the ones that may have it all the same: no answer came (`unanswered`)


def failure_reason(exc: Exception | None = None, status: int = 200, errcode: object = 0) -> str:
    """Why a robot did not take a notice, in Chinese, from what failed only (the exception's class, not its
    text: an HTTP error's text carries the URL, and with it the robot's key)."""
    import httpx

    if isinstance(exc, httpx.TimeoutException):
        return "超时没有应答"
    if isinstance(exc, httpx.ConnectError):
        return "连不上（地址或网络不对）"
    if isinstance(exc, httpx.HTTPError):
        return f"网络错误（{type(exc).__name__}）"
    if exc is not None:
        return "应答不是机器人的格式"
    if status != 200:
        return f"应答 HTTP {status}"
    return f"机器人拒收（errcode {errcode}）"


def unanswered(exc: Exception) -> bool:
    """Whether a robot may have taken a request that failed with `exc`: it was on its way or sent, and no answer (or
    no answer a robot gives) came back. Any other failure sent nothing: a connection never made, an address without
    https://, a proxy that refused, a request httpx would not write."""
    import httpx

    sent = (httpx.ReadTimeout, httpx.WriteTimeout, httpx.ReadError, httpx.WriteError, httpx.RemoteProtocolError, ValueError)
    return isinstance(exc, sent)


class Notifications:
    def __init__(
        self,
        notifiers: tuple[Notifier, ...],
        env: Mapping[str, str] | None = None,
        client: httpx.Client | None = None,
        clock_ms: Callable[[], int] = lambda: int(time.time() * 1000),
    ) -> None:
        self.notifiers = notifiers
        self.env = os.environ if env is None else env
        self._client = client
        self.clock_ms = clock_ms
        self._warned: set[str] = set()

    @property
    def client(self) -> httpx.Client:
        """Made when a notice is first sent: a daemon whose notifiers have no address loads no HTTP client."""
        if self._client is None:
            import httpx

            from . import http_client

            self._client = http_client.client(timeout=httpx.Timeout(TIMEOUT))
        return self._client

    def requests(self, kind: str) -> int:
        """How many requests delivering a notice of this kind makes at most: each subscribed group's text and picture."""
        return 2 * sum(kind in notifier.events for notifier in self.notifiers)

    def send(self, notice: Notice) -> int:
        """Deliver to every notifier subscribed to this kind of notice; return how many succeeded."""
        return len(self.deliver(notice).sent)

    def deliver(self, notice: Notice, told: Collection[str] = ()) -> Delivery:
        """Deliver to every notifier subscribed to this kind of notice but those named in `told` (they took it
        before); which took it, and which have an address but failed (worth another try)."""
        sent: list[str] = []
        failed: list[str] = []
        reasons: list[str] = []
        unclear: list[str] = []
        for notifier in self.notifiers:
            if notice.kind in notifier.events and notifier.name not in told and (webhook := self._webhook(notifier)):
                if (failure := self._send_one(notifier, notice, webhook)) is None:
                    sent.append(notifier.name)
                else:
                    failed.append(notifier.name)
                    reasons.append(scrub(f"{notifier.name}：{failure[0]}"))
                    if failure[1]:
                        unclear.append(notifier.name)
        return Delivery(tuple(sent), tuple(failed), tuple(reasons), tuple(unclear))

    def warn_unconfigured(self) -> None:
        """Say once, at start, which notifiers have no webhook address (their notices are skipped)."""
        for notifier in self.notifiers:
            self._webhook(notifier)

    def _webhook(self, notifier: Notifier) -> str:
        webhook, why = secret_read(self.env, notifier.webhook_env)
        if not webhook and notifier.name not in self._warned:
            self._warned.add(notifier.name)
            event(
                log,
                "notify_unconfigured",
                logging.WARNING,
                notifier=notifier.name,
                env=notifier.webhook_env,
                msg=f"没有通知地址，跳过通知：{why}",
            )
        return webhook

    def _send_one(self, notifier: Notifier, notice: Notice, webhook: str) -> tuple[str, bool] | None:
        """None once the notifier took `notice`, else why not (`failure_reason`) and whether it may have all the same."""
        url, body = webhook, wecom_body(notice)
        if notifier.kind == "dingtalk":
            body = dingtalk_body(notice)
            secret = read_secret(self.env, notifier.secret_env) if notifier.secret_env else ""
            if secret:
                url = dingtalk_url(webhook, secret, self.clock_ms())
        if (failure := self._post(notifier, notice, url, body)) is not None:
            return failure
        if notice.image is not None and notifier.kind == "wecom":
            picture = wecom_image(notice.image)
            if picture is not None:
                self._post(notifier, notice, url, picture)
        event(log, "notified", notifier=notifier.name, kind=notice.kind, title=notice.title)
        return None

    def _post(self, notifier: Notifier, notice: Notice, url: str, body: dict[str, Any]) -> tuple[str, bool] | None:
        """None when the robot took `body`, else why not and whether it may have all the same (`unanswered`)."""
        import httpx

        try:
            response = self.client.post(url, json=body)
            answer = response.json() if response.status_code == 200 else {}
        except (httpx.HTTPError, ValueError) as exc:
            event(log, "notify_failed", logging.WARNING, notifier=notifier.name, kind=notice.kind, error=type(exc).__name__)
            return failure_reason(exc), unanswered(exc)
        if response.status_code != 200 or answer.get("errcode", 0) != 0:
            code = answer.get("errcode", response.status_code)
            event(log, "notify_failed", logging.WARNING, notifier=notifier.name, kind=notice.kind, error=f"errcode {code}")
            return failure_reason(status=response.status_code, errcode=code), False
        return None

    def close(self) -> None:
        if self._client is not None:
            self._client.close()
