"""`qm screen serve`: the kiosk page each wall's PC shows, and the files it plays.

    GET  /                              a list of the screens with links to their players
    GET  /screen/<id>/                  the full-screen player page (templates/screen/player.html)
    GET  /screen/<id>/current/playlist.json   the current playlist (never cached)
    GET  /screen/<id>/<version>/slides/…      slide images (immutable: a version never changes)
    POST /screen/<id>/played            proof of play from the player: {"shown": [{version, order, file, shown_at, …}]}
    GET  /status                        each screen's built playlist and what its player last showed

Files are served only from inside the screen's own folder under <state>/screens: every path is
resolved (symlinks included) and checked, hidden names are refused, and anything else is a 404.
Proof of play is appended as JSON lines to <state>/proof-of-play/<screen id>.jsonl.
"""

from __future__ import annotations

import datetime as dt
import errno
import json
import threading
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import jinja2
from markupsafe import escape

from ..campaign import Campaign, ScreenConfig
from ..errors import InputError
from .build import CURRENT, screens_root
from .playlist import is_on

POLL_SECONDS = 15  # how often a player asks for a new playlist
MAX_BODY = 256 * 1024
TYPES = {".json": "application/json; charset=utf-8", ".png": "image/png", ".jpg": "image/jpeg", ".m3u": "audio/x-mpegurl; charset=utf-8"}
PLAYED_FIELDS = {"version": str, "order": int, "file": str, "item": str, "post": str, "duration": int, "shown_at": str}


class ScreenServer:
    """The HTTP server for every configured screen; `serve_forever` until `shutdown`."""

    def __init__(self, campaign: Campaign, host: str = "127.0.0.1", port: int = 8765, root: Path | None = None) -> None:
        self.campaign = campaign
        self.root = (root or screens_root(campaign)).resolve()
        self.log_dir = campaign.paths.state / "proof-of-play"
        self.screens = {s.id: s for s in campaign.screens}
        self.page = _player_template(campaign)
        self.last_shown: dict[str, dict[str, Any]] = {}
        self._log_lock = threading.Lock()
        self.httpd = _bind(host, port, _handler(self))

    @property
    def url(self) -> str:
        host, port = self.httpd.server_address[:2]
        return f"http://{host!s}:{port}"

    def serve_forever(self) -> None:
        self.httpd.serve_forever(poll_interval=0.2)

    def shutdown(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    # -- what the handler asks for -----------------------------------------------------------------

    def player_page(self, screen: ScreenConfig) -> bytes:
        config = {"screen": screen.id, "width": screen.width, "height": screen.height, "poll_seconds": POLL_SECONDS}
        title = f"{screen.title or screen.id} - 电子屏播放"
        return self.page.render(config=config, title=title, width=screen.width, height=screen.height).encode()

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

    def record_played(self, screen: ScreenConfig, body: bytes, client: str) -> bool:
        try:
            shown = json.loads(body)["shown"]
            entries = [_played_entry(e) for e in shown] if isinstance(shown, list) else None
            for e in entries or []:
                e["shown_at"] = _local_time(str(e.get("shown_at", "")), self.campaign.timezone)
        except (ValueError, KeyError, TypeError):
            return False
        if not entries:
            return False
        received = dt.datetime.now(self.campaign.timezone).isoformat(timespec="seconds")
        lines = [json.dumps({"screen": screen.id, **e, "received_at": received, "player": client}, ensure_ascii=False) for e in entries]
        with self._log_lock:
            self.log_dir.mkdir(parents=True, exist_ok=True)
            with (self.log_dir / f"{screen.id}.jsonl").open("a", encoding="utf-8") as f:
                f.write("".join(line + "\n" for line in lines))
            self.last_shown[screen.id] = {**entries[-1], "received_at": received}
        return True

    def status(self) -> dict[str, Any]:
        now = dt.datetime.now(self.campaign.timezone)
        return {"at": now.isoformat(timespec="seconds"), "screens": {s.id: self._screen_status(s, now) for s in self.screens.values()}}

    def _screen_status(self, screen: ScreenConfig, now: dt.datetime) -> dict[str, Any]:
        built = self.file_for(screen, f"{CURRENT}/playlist.json")
        playlist = json.loads(built.read_text(encoding="utf-8")) if built else None
        shown = self.last_shown.get(screen.id)
        if shown is None:
            message = "播放器尚未报告播放情况"
        else:
            message = f"正在播放第 {shown['order']} 张（{shown['file']}，播放列表版本 {shown['version']}）"
        today = now.date().isoformat()
        if playlist and playlist["date"] != today:
            message += f"；注意：播放列表是 {playlist['date']} 的，不是今天的（运行 qm daemon 自动更新，或 qm screen build）"
        return {
            "name": screen.title,
            "size": f"{screen.width}x{screen.height}",
            "on_hours": f"{screen.on_from:%H:%M}-{screen.on_to:%H:%M}",
            "on_now": is_on(self.campaign, screen, now),
            "playlist": {
                "version": playlist["version"],
                "date": playlist["date"],
                "today": playlist["date"] == today,
                "slides": len(playlist["slides"]),
            }
            if playlist
            else None,
            "current": shown,
            "message": message if playlist else "尚未生成播放列表（运行 qm screen build）",
        }

    def index_page(self) -> bytes:
        rows = "".join(
            f'<li><a href="/screen/{s.id}/">{escape(s.title or s.id)}</a>（{s.width}×{s.height}）</li>' for s in self.screens.values()
        )
        return f'<!doctype html><html lang="zh-CN"><meta charset="utf-8"><title>电子屏播放</title><ul>{rows}</ul><p><a href="/status">状态</a></p></html>'.encode()


def _played_entry(entry: Any) -> dict[str, Any]:
    if not isinstance(entry, dict) or not isinstance(entry.get("version"), str) or not isinstance(entry.get("order"), int):
        raise ValueError("bad entry")
    return {k: entry[k] for k, kind in PLAYED_FIELDS.items() if isinstance(entry.get(k), kind) and len(str(entry[k])) <= 300}


def _local_time(text: str, tz: dt.tzinfo) -> str:
    """The player reports UTC (`…Z`); the log speaks the campaign's time, like every other qm time."""
    try:
        return dt.datetime.fromisoformat(text).astimezone(tz).isoformat(timespec="milliseconds")
    except ValueError:
        return text


def _player_template(campaign: Campaign) -> jinja2.Template:
    folder = campaign.paths.templates / "screen"
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(folder)), autoescape=True)
    try:
        return env.get_template("player.html")
    except jinja2.TemplateNotFound as exc:
        raise InputError(f"播放页面模板不存在：{folder / 'player.html'}（从项目的 templates/screen/ 复制一份）") from exc
    except jinja2.TemplateSyntaxError as exc:
        raise InputError(f"播放页面模板有语法错误：{folder / 'player.html'}:{exc.lineno}：{exc.message}") from exc


def _bind(host: str, port: int, handler: type[BaseHTTPRequestHandler]) -> ThreadingHTTPServer:
    try:
        server = ThreadingHTTPServer((host, port), handler)
    except OSError as exc:
        if exc.errno == errno.EADDRINUSE:
            raise InputError(f"端口 {port} 已被占用（换一个端口：--port 8766，或停止占用它的程序）") from exc
        raise InputError(f"无法在 {host}:{port} 上提供服务：{exc.strerror or exc}（检查 --host 和 --port）") from exc
    server.daemon_threads = True
    return server


def _handler(app: ScreenServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        server_version = "qm-screens"

        def do_GET(self) -> None:
            path = unquote(urlsplit(self.path).path)
            if path == "/":
                self._send(HTTPStatus.OK, app.index_page(), "text/html; charset=utf-8")
                return
            if path == "/status":
                body = json.dumps(app.status(), ensure_ascii=False, indent=2).encode()
                self._send(HTTPStatus.OK, body, TYPES[".json"], cache=False)
                return
            screen, rest = self._screen(path)
            if screen is not None and rest is None:
                self.send_response(HTTPStatus.MOVED_PERMANENTLY)
                self.send_header("Location", f"/screen/{screen.id}/")
                self.send_header("Content-Length", "0")
                self.end_headers()
            elif screen is None or rest is None:
                self._not_found()
            elif rest == "":
                self._send(HTTPStatus.OK, app.player_page(screen), "text/html; charset=utf-8", cache=False)
            elif (file := app.file_for(screen, rest)) is not None:
                immutable = not rest.startswith(f"{CURRENT}/")
                self._send(HTTPStatus.OK, file.read_bytes(), TYPES.get(file.suffix, "application/octet-stream"), cache=immutable)
            else:
                self._not_found()

        def do_POST(self) -> None:
            screen, rest = self._screen(unquote(urlsplit(self.path).path))
            length = int(self.headers.get("Content-Length") or 0)
            if screen is None or rest != "played" or not 0 < length <= MAX_BODY:
                self._not_found()
                return
            if app.record_played(screen, self.rfile.read(length), self.client_address[0]):
                self._send(HTTPStatus.NO_CONTENT, b"", "text/plain")
            else:
                self._send(HTTPStatus.BAD_REQUEST, "播放记录格式不对".encode(), "text/plain; charset=utf-8")

        def _screen(self, path: str) -> tuple[ScreenConfig | None, str | None]:
            """`/screen/<id>/<rest>` -> (screen, rest); rest is None when the id has no trailing slash."""
            if not path.startswith("/screen/"):
                return None, None
            sid, slash, rest = path[len("/screen/") :].partition("/")
            return app.screens.get(sid), (rest if slash else None)

        def _not_found(self) -> None:
            self._send(HTTPStatus.NOT_FOUND, "未找到".encode(), "text/plain; charset=utf-8")

        def _send(self, status: HTTPStatus, body: bytes, kind: str, cache: bool = False) -> None:
            self.send_response(status)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Cache-Control", "public, max-age=31536000, immutable" if cache else "no-store")
            self.send_header("X-Content-Type-Options", "nosniff")
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            pass  # requests are not logged: proof of play has its own log

    return Handler
