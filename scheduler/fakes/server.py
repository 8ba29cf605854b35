"""The part every fake platform server shares: a threaded stdlib HTTP server on 127.0.0.1 (port 0),
request parsing (query, JSON, form, multipart), a clock to move, and injected faults.

A subclass implements `handle(request) -> (HTTP status, JSON body)`; calls are serialised by a
lock, so a handler sees and changes its state atomically.

Faults:
    fail_next(call, status=…, body=…)   the next call to `call` answers this instead
    fail_next(call, drop=True)          the next call to `call` takes effect, then the connection is
                                        dropped without an answer (a timeout after delivery)
    fault_rate                          that share of calls answer the platform's "busy" error
"""

from __future__ import annotations

import email.parser
import email.policy
import http.server
import json
import random
import threading
import time
import urllib.parse
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any

Answer = tuple[int, dict[str, Any]]


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, str]
    json: dict[str, Any] = field(default_factory=dict)
    form: dict[str, str] = field(default_factory=dict)
    files: dict[str, tuple[str, bytes, str]] = field(default_factory=dict)  # field -> (filename, content, type)
    raw: bytes = b""

    @property
    def call(self) -> str:
        return self.path.rsplit("/", 1)[-1].removesuffix(".json")

    def param(self, name: str) -> str:
        return self.query.get(name) or self.form.get(name) or str(self.json.get(name) or "")


@dataclass
class Fault:
    status: int = 200
    body: dict[str, Any] = field(default_factory=dict)
    drop: bool = False


class FakeServer:
    def __init__(self, clock: Callable[[], float] = time.time, fault_rate: float = 0.0, seed: int = 0) -> None:
        self.clock = clock
        self.fault_rate = fault_rate
        self.rng = random.Random(seed)
        self.calls: Counter[str] = Counter()
        self.injected = 0  # random faults answered
        self.log: list[Request] = []
        self.lock = threading.RLock()
        self._faults: dict[str, list[Fault]] = {}
        self._httpd: http.server.ThreadingHTTPServer | None = None
        self.current_label = ""  # the post being published, set by whoever publishes: deliveries are counted under it
        self.on_delivery: Callable[[str, float], object] | None = None  # told of each delivery (post id, when)

    # -- to implement ------------------------------------------------------------------------

    def handle(self, request: Request) -> Answer:
        raise NotImplementedError

    def busy(self) -> Answer:
        """What the platform answers when it is overloaded."""
        raise NotImplementedError

    # -- faults --------------------------------------------------------------------------------

    def fail_next(self, call: str, status: int = 200, body: dict[str, Any] | None = None, *, drop: bool = False, times: int = 1) -> None:
        with self.lock:
            self._faults.setdefault(call, []).extend(Fault(status, body or {}, drop) for _ in range(times))

    def _dispatch(self, request: Request) -> tuple[Answer, bool]:
        with self.lock:
            self.calls[request.call] += 1
            self.log.append(request)
            queued = self._faults.get(request.call)
            fault = queued.pop(0) if queued else None
            if fault is not None and not fault.drop:
                return (fault.status, fault.body), False
            if fault is None and self.fault_rate and self.rng.random() < self.fault_rate:
                self.injected += 1
                return self.busy(), False
            return self.handle(request), bool(fault and fault.drop)

    # -- lifecycle -----------------------------------------------------------------------------

    def start(self) -> str:
        server = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:
                self._serve()

            def do_POST(self) -> None:
                self._serve()

            def _serve(self) -> None:
                (status, body), drop = server._dispatch(_parse(self))
                if drop:
                    self.close_connection = True
                    return
                send_json(self, status, body)

            def log_message(self, format: str, *args: Any) -> None:
                pass  # request lines carry access tokens

        self._httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._httpd.daemon_threads = True
        threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
        return self.url

    @property
    def url(self) -> str:
        assert self._httpd is not None, "server not started"
        return f"http://127.0.0.1:{self._httpd.server_address[1]}"

    def stop(self) -> None:
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd = None

    def __enter__(self) -> FakeServer:
        self.start()
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self.stop()


def _parse(handler: http.server.BaseHTTPRequestHandler) -> Request:
    split = urllib.parse.urlsplit(handler.path)
    query = {k: v[0] for k, v in urllib.parse.parse_qs(split.query).items()}
    raw = handler.rfile.read(int(handler.headers.get("Content-Length") or 0))
    request = Request(handler.command, split.path, query, raw=raw)
    kind = handler.headers.get("Content-Type", "")
    if kind.startswith("application/json") and raw:
        try:
            request.json = json.loads(raw)
        except ValueError:
            request.json = {}
    elif kind.startswith("application/x-www-form-urlencoded"):
        request.form = {k: v[0] for k, v in urllib.parse.parse_qs(raw.decode("utf-8")).items()}
    elif kind.startswith("multipart/form-data"):
        message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(f"Content-Type: {kind}\r\n\r\n".encode() + raw)
        for part in message.iter_parts():
            name = part.get_param("name", header="content-disposition")
            payload = part.get_payload(decode=True)
            content = payload if isinstance(payload, bytes) else b""
            if part.get_filename():
                request.files[str(name)] = (str(part.get_filename()), content, part.get_content_type())
            else:
                request.form[str(name)] = content.decode("utf-8")
    return request


def send_json(handler: http.server.BaseHTTPRequestHandler, status: int, data: Any) -> None:
    """Answer with a JSON body (none for `None`), as the platforms' APIs do."""
    body = b"" if data is None else json.dumps(data, ensure_ascii=False).encode("utf-8")
    handler.send_response(status)
    handler.send_header("Content-Type", "application/json; charset=utf-8")
    handler.send_header("Content-Length", str(len(body)))
    handler.end_headers()
    handler.wfile.write(body)
