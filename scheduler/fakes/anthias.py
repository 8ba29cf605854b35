"""A fake Anthias signage server: the REST API v2 subset qm uses, over real HTTP on loopback.

It follows the documented contract, including its errors: uploads come back as {"uri", "ext"};
creating an asset needs name, uri, mimetype, duration, start_date, end_date and is_enabled
(a missing one is a 400 naming the field, as Django REST framework does); unknown ids are 404s;
with `auth` set, requests without those Basic credentials get a 401.
"""

from __future__ import annotations

import base64
import datetime as dt
import email.parser
import email.policy
import json
import threading
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from .server import send_json

REQUIRED = ("name", "uri", "mimetype", "duration", "start_date", "end_date", "is_enabled")


class FakeAnthias:
    def __init__(self, auth: tuple[str, str] | None = None) -> None:
        self.auth = auth
        self.assets: dict[str, dict[str, Any]] = {}
        self.files: dict[str, bytes] = {}  # uri -> uploaded bytes
        self.calls: list[tuple[str, str]] = []
        self.lock = threading.Lock()
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self.httpd.daemon_threads = True
        self._thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def __enter__(self) -> FakeAnthias:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def playlist(self) -> list[dict[str, Any]]:
        """The enabled assets in play order, as the Anthias viewer would rotate them."""
        with self.lock:
            return sorted((a for a in self.assets.values() if a["is_enabled"]), key=lambda a: a["play_order"])

    # -- the API -----------------------------------------------------------------------------------

    def upload(self, content_type: str, body: bytes) -> tuple[int, Any]:
        message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(f"Content-Type: {content_type}\r\n\r\n".encode() + body)
        for part in message.iter_parts() if message.is_multipart() else []:
            if part.get_param("name", header="content-disposition") == "file_upload":
                filename = part.get_filename() or "upload"
                ext = "." + filename.rsplit(".", 1)[-1] if "." in filename else ""
                uri = f"/data/anthias_assets/{uuid.uuid4().hex}.tmp"
                with self.lock:
                    payload = part.get_payload(decode=True)
                    self.files[uri] = payload if isinstance(payload, bytes) else b""
                return 200, {"uri": uri, "ext": ext}
        return 400, {"file_upload": ["No file was submitted."]}

    def create(self, data: Any) -> tuple[int, Any]:
        if not isinstance(data, dict):
            return 400, {"non_field_errors": ["Invalid data."]}
        missing = {k: ["This field is required."] for k in REQUIRED if k not in data}
        if missing:
            return 400, missing
        errors = {}
        if not isinstance(data["duration"], int) or not 0 <= data["duration"] <= 31536000:
            errors["duration"] = ["A valid integer is required."]
        for key in ("start_date", "end_date"):
            try:
                dt.datetime.fromisoformat(str(data[key]))
            except ValueError:
                errors[key] = ["Datetime has wrong format."]
        if data["mimetype"] != "webpage" and data["uri"] not in self.files:
            errors["uri"] = ["Invalid file path. Failed to add asset."]
        if errors:
            return 400, errors
        asset_id = uuid.uuid4().hex
        with self.lock:
            asset = {
                "asset_id": asset_id,
                "play_order": len(self.assets),
                "is_active": True,
                "nocache": False,
                "skip_asset_check": False,
                **{k: v for k, v in data.items() if k != "ext"},
            }
            self.assets[asset_id] = asset
        return 201, asset

    def delete(self, asset_id: str) -> tuple[int, Any]:
        with self.lock:
            if self.assets.pop(asset_id, None) is None:
                return 404, {"detail": "Not found."}
        return 204, None

    def order(self, data: Any) -> tuple[int, Any]:
        ids = str(data.get("ids", "")).split(",") if isinstance(data, dict) else []
        with self.lock:
            for n, asset_id in enumerate(i for i in ids if i in self.assets):
                self.assets[asset_id]["play_order"] = n
        return 204, None


def _handler(fake: FakeAnthias) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            if not self._allowed():
                return
            if self.path == "/api/v2/assets":
                with fake.lock:
                    self._reply(200, list(fake.assets.values()))
            else:
                self._reply(404, {"detail": "Not found."})

        def do_POST(self) -> None:
            if not self._allowed():
                return
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            if self.path == "/api/v2/file_asset":
                self._reply(*fake.upload(self.headers.get("Content-Type", ""), body))
                return
            try:
                data = json.loads(body or b"null")
            except ValueError:
                self._reply(400, {"detail": "JSON parse error"})
                return
            if self.path == "/api/v2/assets":
                self._reply(*fake.create(data))
            elif self.path == "/api/v2/assets/order":
                self._reply(*fake.order(data))
            else:
                self._reply(404, {"detail": "Not found."})

        def do_DELETE(self) -> None:
            if not self._allowed():
                return
            prefix = "/api/v2/assets/"
            self._reply(*fake.delete(self.path[len(prefix) :]) if self.path.startswith(prefix) else (404, {"detail": "Not found."}))

        def _allowed(self) -> bool:
            fake.calls.append((self.command, self.path))
            if fake.auth is None:
                return True
            expected = "Basic " + base64.b64encode(":".join(fake.auth).encode()).decode()
            if self.headers.get("Authorization") == expected:
                return True
            self._reply(401, {"detail": "Authentication credentials were not provided."})
            return False

        def _reply(self, status: int, data: Any) -> None:
            send_json(self, status, data)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    return Handler
