"""Pushing a screen's playlist to an Anthias signage server through its REST API (v2).

    POST   /api/v2/file_asset      multipart `file_upload` -> {"uri", "ext"}
    POST   /api/v2/assets          {name, uri, ext, mimetype, duration, start_date, end_date, is_enabled, play_order}
    GET    /api/v2/assets          every asset
    DELETE /api/v2/assets/<id>
    POST   /api/v2/assets/order    {"ids": "id1,id2,…"}

Assets qm creates are named `qm:<screen>:<playlist version>:<order> <title>`, so a push knows its own
assets and leaves everyone else's alone. A push is idempotent and resumable: slides of this version
already on the server are kept, missing ones are uploaded, and only then are older versions deleted
(the screen never runs empty), after which qm's assets are put first in the play order.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any

import httpx

from ..inputs.secrets import read_secret
from ..support import http_client
from ..support.errors import RuntimeFailure
from ..support.redact import shown_url

AUTH_ENV = "QM_ANTHIAS_AUTH"  # "user:password", when the Anthias web interface has a login
NAME_RE = re.compile(r"^qm:(?P<screen>[a-z0-9-]+):(?P<version>[0-9a-f]+):(?P<order>\d+)(?: |$)")


class AnthiasError(RuntimeFailure):
    pass


def auth_from(env: Mapping[str, str]) -> tuple[str, str] | None:
    value = read_secret(env, AUTH_ENV)
    if not value:
        return None
    user, _, password = value.partition(":")
    return user, password


class AnthiasClient:
    def __init__(self, base_url: str, auth: tuple[str, str] | None = None, transport: httpx.BaseTransport | None = None) -> None:
        self.base_url = base_url.rstrip("/")
        self.shown = shown_url(self.base_url)  # in messages: without a user:password@ written into it
        self.http = http_client.client(base_url=self.base_url, auth=auth, transport=transport, timeout=httpx.Timeout(30.0))

    def __enter__(self) -> AnthiasClient:
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self.http.close()

    def assets(self) -> list[dict[str, Any]]:
        found = self._call("GET", "/api/v2/assets").json()
        return list(found) if isinstance(found, list) else []

    def upload(self, path: Path) -> dict[str, Any]:
        files = {"file_upload": (path.name, path.read_bytes(), "image/png" if path.suffix == ".png" else "image/jpeg")}
        return dict(self._call("POST", "/api/v2/file_asset", files=files).json())

    def create(self, asset: dict[str, Any]) -> dict[str, Any]:
        return dict(self._call("POST", "/api/v2/assets", json=asset).json())

    def delete(self, asset_id: str) -> None:
        self._call("DELETE", f"/api/v2/assets/{asset_id}")

    def order(self, ids: list[str]) -> None:
        self._call("POST", "/api/v2/assets/order", json={"ids": ",".join(ids)})

    def _call(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        try:
            response = self.http.request(method, path, **kwargs)
        except httpx.UnsupportedProtocol as exc:
            raise AnthiasError(f"Anthias 地址 {self.shown} 不是网址（写作 http://192.168.1.50 这样的形式）") from exc
        except httpx.HTTPError as exc:
            reason = "连接超时" if isinstance(exc, httpx.TimeoutException) else "连接失败"
            raise AnthiasError(f"无法连接 Anthias 播放服务器 {self.shown}：{reason}（检查地址、网络和服务器是否开机）") from exc
        if response.status_code in (401, 403):
            if self.http.auth is None:
                raise AnthiasError(f"Anthias 播放服务器 {self.shown} 需要登录（在环境变量 {AUTH_ENV} 中写 用户名:密码）")
            raise AnthiasError(f"Anthias 播放服务器 {self.shown} 拒绝了登录（检查环境变量 {AUTH_ENV} 中的用户名和密码）")
        if response.status_code >= 400:
            raise AnthiasError(f"Anthias 播放服务器返回错误 {response.status_code}（{method} {path}）：{response.text[:200]}")
        return response


@dataclass(frozen=True)
class PushResult:
    uploaded: int
    kept: int
    deleted: int

    def summary(self) -> str:
        return f"上传 {self.uploaded} 张，已存在 {self.kept} 张，删除旧画面 {self.deleted} 张"


def push(client: AnthiasClient, folder: Path, screen_id: str) -> PushResult:
    """Make the server play the playlist in `folder` (a built version folder) in its order."""
    doc = json.loads((folder / "playlist.json").read_text(encoding="utf-8"))
    existing = client.assets()
    current: dict[int, str] = {}
    stale: list[str] = []
    for asset in existing:
        m = NAME_RE.match(str(asset.get("name", "")))
        if m is None or m["screen"] != screen_id:
            continue
        order = int(m["order"])
        if m["version"] == doc["version"] and order not in current and order <= len(doc["slides"]):
            current[order] = asset["asset_id"]
        else:
            stale.append(asset["asset_id"])
    kept = len(current)
    for slide in doc["slides"]:
        if slide["order"] not in current:
            uploaded = client.upload(folder / slide["file"])
            current[slide["order"]] = client.create(_asset(doc, slide, uploaded, screen_id))["asset_id"]
    for asset_id in stale:
        client.delete(asset_id)
    ours = set(current.values()) | set(stale)
    others = [a["asset_id"] for a in sorted(existing, key=lambda a: a.get("play_order") or 0) if a["asset_id"] not in ours]
    client.order([current[o] for o in sorted(current)] + others)
    return PushResult(len(current) - kept, kept, len(stale))


def _asset(doc: dict[str, Any], slide: dict[str, Any], uploaded: dict[str, Any], screen_id: str) -> dict[str, Any]:
    return {
        "name": f"qm:{screen_id}:{doc['version']}:{slide['order']:02d} {slide['title']}",
        "uri": uploaded["uri"],
        "ext": uploaded.get("ext", Path(slide["file"]).suffix),
        "mimetype": "image",
        "duration": slide["duration"],
        "start_date": slide["start"] or doc["valid_from"],
        "end_date": doc["valid_to"],
        "is_enabled": True,
        "nocache": False,
        "play_order": slide["order"] - 1,
        "skip_asset_check": True,
    }
