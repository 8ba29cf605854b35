"""The kiosk page each wall's PC shows, and the files it plays: routes served by `qm screen serve` and by `qm web`.

    GET  /                              a list of the screens with links to their players
    GET  /screen/<id>/                  the full-screen player page (templates/screen/player.html)
    GET  /screen/<id>/current/playlist.json   the current playlist (never cached)
    GET  /screen/<id>/<version>/slides/…      slide images (immutable: a version never changes)
    POST /screen/<id>/played            proof of play from the player: {"shown": [{version, order, file, shown_at, …}]},
                                        as application/json with the screen's token (`player_key`); checked in `proof`
    GET  /status                        each screen's built playlist and what its player last showed
                                        (`qm web` serves it at /screen-status: /status is the console's page)

Files are served only from inside the screen's own folder under <state>/screens: every path is
resolved (symlinks included) and checked, hidden names are refused, and anything else is a 404.
Proof of play is appended as JSON lines to <state>/proof-of-play/<screen id>.jsonl. The page and the
current playlist carry the screen's token in a cookie; a report without it, not sent as JSON, or larger
than `MAX_BODY` is refused unread.
"""

from __future__ import annotations

import datetime as dt
import json
import threading
from http import HTTPStatus
from pathlib import Path
from typing import Any

from markupsafe import escape
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from ..channels.screen.config import ScreenConfig
from ..inputs.campaign import Campaign
from ..web.client_address import plain
from ..web.server import Server
from .build import CURRENT, screens_root
from .player_key import COOKIE, cookie_header, player_token, shows_token
from .player_page import player_pages
from .playlist import is_on
from .proof import MAX_ENTRIES, ProofOfPlay, well_formed

MAX_BODY = 64 * 1024  # the player's reports come in batches of at most 100 entries, about 25 KB
TYPES = {".json": "application/json; charset=utf-8", ".png": "image/png", ".jpg": "image/jpeg", ".m3u": "audio/x-mpegurl; charset=utf-8"}
TEXT = "text/plain; charset=utf-8"


class ScreenPlayers:
    """Every configured screen's player page, playlist files and proof of play, as routes of a web application."""

    def __init__(self, campaign: Campaign, root: Path | None = None) -> None:
        self.campaign = campaign
        self.root = (root or screens_root(campaign)).resolve()
        self.log_dir = campaign.paths.state / "proof-of-play"
        self.screens = {s.id: s for s in campaign.screens}
        self.pages = player_pages(campaign)
        self.last_shown: dict[str, dict[str, Any]] = {}
        self.proof = ProofOfPlay(self.root, self.log_dir, campaign.timezone)
        self._tokens: dict[str, str] = {}
        self._lock = threading.Lock()

    def routes(self, status_path: str, index: bool) -> list[BaseRoute]:
        """`/screen/…` always; the screen status at `status_path`; the list of screens at `/` when `index`."""
        found: list[BaseRoute] = [
            Route("/screen/{rest:path}", self._get, methods=["GET"]),
            Route("/screen/{rest:path}", self._post, methods=["POST"]),
            Route(status_path, self._status, methods=["GET"]),
        ]
        if index:
            found.append(Route("/", self._index, methods=["GET"]))
        return found

    # -- what the handler asks for -----------------------------------------------------------------

    def player_page(self, screen: ScreenConfig) -> bytes:
        return self.pages[screen.id]

    def file_for(self, screen: ScreenConfig, relative: str) -> Path | None:
        """The file a request names inside the screen's folder, or None (404) for anything else."""
        parts = [p for p in relative.split("/") if p]
        if not parts or any(p.startswith(".") or "\\" in p or "\0" in p for p in parts):
            return None
        base = (self.root / screen.id).resolve()
        try:
            path = base.joinpath(*parts).resolve()
        except (OSError, RuntimeError):
            return None
        return path if path.is_relative_to(base) and path.is_file() else None

    def token(self, screen: ScreenConfig) -> str:
        with self._lock:
            if screen.id not in self._tokens:
                self._tokens[screen.id] = player_token(self.campaign.paths.state, screen.id)
            return self._tokens[screen.id]

    def record_played(self, screen: ScreenConfig, body: bytes, client: str) -> dict[str, Any] | None:
        """Write a report's good entries; what was refused and why, or None when the body is no report at all."""
        try:
            shown = json.loads(body)["shown"]
        except (ValueError, KeyError, TypeError):
            return None
        if not isinstance(shown, list) or not 0 < len(shown) <= MAX_ENTRIES or not all(well_formed(e) for e in shown):
            return None
        done = self.proof.record(screen.id, shown, client, dt.datetime.now(self.campaign.timezone))
        if done.lines:
            latest = max(done.lines, key=lambda line: line["shown_at"])
            with self._lock:
                current = self.last_shown.get(screen.id)
                if current is None or latest["shown_at"] >= current["shown_at"]:
                    self.last_shown[screen.id] = {k: v for k, v in latest.items() if k not in ("screen", "player")}
        return {"recorded": len(done.lines), "refused": done.refused}

    def status(self) -> dict[str, Any]:
        now = dt.datetime.now(self.campaign.timezone)
        return {"at": now.isoformat(timespec="seconds"), "screens": {s.id: self._screen_status(s, now) for s in self.screens.values()}}

    def _screen_status(self, screen: ScreenConfig, now: dt.datetime) -> dict[str, Any]:
        shown = self.last_shown.get(screen.id)
        status: dict[str, Any] = {
            "name": screen.title,
            "size": f"{screen.width}x{screen.height}",
            "on_hours": f"{screen.on_from:%H:%M}-{screen.on_to:%H:%M}",
            "on_now": is_on(self.campaign, screen, now),
            "playlist": None,
            "current": shown,
        }
        built = self.file_for(screen, f"{CURRENT}/playlist.json")
        if built is None:
            return {**status, "message": "尚未生成播放列表（运行 qm screen build）"}
        try:
            playlist = _playlist_summary(built)
        except ValueError as exc:
            return {**status, "error": str(exc), "message": str(exc)}
        if playlist["paused"]:
            message = f"已暂停（{playlist['paused']}）：播放列表是空的，屏幕不放 qm 的画面；恢复后 5 分钟内重新放映"
        elif shown is None:
            message = "播放器尚未报告播放情况"
        else:
            message = f"正在播放第 {shown['order']} 张（{shown['file']}，播放列表版本 {shown['version']}）"
        today = now.date().isoformat()
        if playlist["date"] != today:
            message += f"；注意：播放列表是 {playlist['date']} 的，不是今天的（运行 qm daemon 自动更新，或 qm screen build）"
        return {**status, "playlist": {**playlist, "today": playlist["date"] == today}, "message": message}

    def index_page(self) -> bytes:
        rows = "".join(
            f'<li><a href="/screen/{s.id}/">{escape(s.title or s.id)}</a>（{s.width}×{s.height}）</li>' for s in self.screens.values()
        )
        return f'<!doctype html><html lang="zh-CN"><meta charset="utf-8"><title>电子屏播放</title><ul>{rows}</ul><p><a href="/status">状态</a></p></html>'.encode()

    # -- the endpoints (sync ones run in the server's thread pool) ---------------------------------

    def _index(self, request: Request) -> Response:
        return _send(self.index_page(), "text/html; charset=utf-8")

    def _status(self, request: Request) -> Response:
        return _send(json.dumps(self.status(), ensure_ascii=False, indent=2).encode(), TYPES[".json"])

    def _get(self, request: Request) -> Response:
        screen, rest = _screen(request.path_params["rest"], self.screens)
        if screen is not None and rest is None:
            return Response(status_code=HTTPStatus.MOVED_PERMANENTLY, headers={"Location": f"/screen/{screen.id}/"})
        if screen is None or rest is None:
            return _not_found()
        if rest == "":
            return self._with_token(screen, _send(self.player_page(screen), "text/html; charset=utf-8"))
        file = self.file_for(screen, rest)
        if file is None:
            return _not_found()
        immutable = not rest.startswith(f"{CURRENT}/")
        sent = _send(file.read_bytes(), TYPES.get(file.suffix, "application/octet-stream"), cache=immutable)
        return self._with_token(screen, sent) if rest == f"{CURRENT}/playlist.json" else sent

    def _with_token(self, screen: ScreenConfig, response: Response) -> Response:
        """The player page and each poll of the playlist hand the player its token (renewed, should the key change)."""
        response.headers.append("set-cookie", cookie_header(screen.id, self.token(screen)))
        return response

    async def _post(self, request: Request) -> Response:
        screen, rest = _screen(request.path_params["rest"], self.screens)
        if screen is None or rest != "played":
            return _not_found()
        if (refusal := await run_in_threadpool(self._refused, screen, request)) is not None:
            return refusal
        body = await request.body()
        client = plain(request.client.host) if request.client else ""  # an IPv4 player as 192.168.1.20, not ::ffff:…
        done = await run_in_threadpool(self.record_played, screen, body, client)
        if done is None:
            return _send(f'播放记录格式不对：应为 {{"shown": [...]}}，每次 1 到 {MAX_ENTRIES} 条'.encode(), TEXT, HTTPStatus.BAD_REQUEST)
        if not done["refused"]:
            return Response(status_code=HTTPStatus.NO_CONTENT)
        return _send(json.dumps(done, ensure_ascii=False).encode(), TYPES[".json"])  # answered: the player drops them

    def _refused(self, screen: ScreenConfig, request: Request) -> Response | None:
        """Why a report is refused before its body is read: its length, its type, the screen's token."""
        length = request.headers.get("content-length", "")
        if not (length.isascii() and length.isdigit()) or int(length) == 0:
            return _send(f"Content-Length 应当是 1 到 {MAX_BODY} 之间的整数".encode(), TEXT, HTTPStatus.BAD_REQUEST)
        if int(length) > MAX_BODY:
            return _send(f"播放记录太大（上限 {MAX_BODY // 1024} KB）".encode(), TEXT, HTTPStatus.REQUEST_ENTITY_TOO_LARGE)
        if request.headers.get("content-type", "").split(";")[0].strip().lower() != "application/json":
            return _send("播放记录应以 application/json 发送".encode(), TEXT, HTTPStatus.UNSUPPORTED_MEDIA_TYPE)
        if not shows_token(request.cookies.get(COOKIE, ""), self.token(screen)):
            said = f"播放记录只接受这块屏的播放页面发来的：请在播放电脑上重新打开 /screen/{screen.id}/"
            return _send(said.encode(), TEXT, HTTPStatus.FORBIDDEN)
        return None


# The status needs no login (the players' machines read it): a damaged file is said without its path, which the
# console's screens page and the staff's terminal show
DAMAGED = "这块屏的播放列表已损坏，无法读取：请工作人员运行 qm screen build 重新生成（文件位置见审核台的“电子屏”页）"


def _playlist_summary(path: Path) -> dict[str, Any]:
    """Version, date and slide count of a built playlist; ValueError (in Chinese) when it cannot be read."""
    try:
        playlist = json.loads(path.read_bytes())
        summary = {"version": str(playlist["version"]), "date": str(playlist["date"]), "slides": len(playlist["slides"])}
        return {**summary, "paused": str(playlist.get("paused", ""))}
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise ValueError(DAMAGED) from exc


def _screen(path: str, screens: dict[str, ScreenConfig]) -> tuple[ScreenConfig | None, str | None]:
    """`<id>/<rest>` -> (screen, rest); rest is None when the id has no trailing slash."""
    sid, slash, rest = path.partition("/")
    return screens.get(sid), (rest if slash else None)


def _send(body: bytes, kind: str, status: int = 200, cache: bool = False) -> Response:
    headers = {
        "Cache-Control": "public, max-age=31536000, immutable" if cache else "no-store",
        "X-Content-Type-Options": "nosniff",
    }
    return Response(body, status_code=status, media_type=kind, headers=headers)


def _not_found() -> Response:
    return _send("未找到".encode(), "text/plain; charset=utf-8", HTTPStatus.NOT_FOUND)


class ScreenServer(ScreenPlayers):
    """`qm screen serve`: the players alone on their own server; `serve_forever` until `shutdown`."""

    def __init__(self, campaign: Campaign, host: str = "127.0.0.1", port: int = 8765, root: Path | None = None) -> None:
        super().__init__(campaign, root)
        app = Starlette(routes=self.routes(status_path="/status", index=True), exception_handlers={404: lambda *_: _not_found()})
        self.server = Server(app, host, port)

    @property
    def address(self) -> tuple[str, int]:
        return self.server.address

    @property
    def url(self) -> str:
        return self.server.url

    def serve_forever(self) -> None:
        self.server.serve_forever()

    def shutdown(self) -> None:
        self.server.shutdown()
