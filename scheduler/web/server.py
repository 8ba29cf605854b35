"""Run an ASGI application on uvicorn in a background thread, on a socket bound here.

Binding the socket ourselves turns "port in use" into a clear Chinese message (exit code 2) before
anything starts, and lets tests ask for port 0 and read the port back. `shutdown` is idempotent.
"""

from __future__ import annotations

import errno
import logging
import signal
import socket
import threading
from collections.abc import Callable
from typing import Any

import uvicorn

from ..support.errors import InputError
from ..support.os_messages import os_reason

HOST_HINT = "--host 写这台电脑自己的 IP 地址：127.0.0.1 只有本机能访问，0.0.0.0 办公室局域网里的电脑都能访问"


class Server:
    def __init__(self, app: Any, host: str = "127.0.0.1", port: int = 0) -> None:
        """X-Forwarded-For is read by the console itself, from the proxies it trusts (`client_address.client_of`)."""
        self.sock = _bind(host, port)
        config = uvicorn.Config(
            RelativeRedirects(app),
            lifespan="off",
            log_config=None,  # uvicorn's records go through qm's logging (qm.log), not its own console format
            log_level=logging.ERROR,  # malformed requests are answered 400 without a log line each
            access_log=False,
            server_header=False,
            timeout_keep_alive=5,
            timeout_graceful_shutdown=2,
            proxy_headers=False,  # uvicorn would keep no trace of the proxy, and take any word for an address
        )
        self.server = uvicorn.Server(config)
        self._lock = threading.Lock()
        self._serving = False
        self._done = threading.Event()
        self._closed = False

    @property
    def address(self) -> tuple[str, int]:
        host, port = self.sock.getsockname()[:2]
        return str(host), int(port)

    @property
    def url(self) -> str:
        host, port = self.address
        return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"  # an IPv6 address in brackets

    def serve_forever(self) -> None:
        """Serve until `shutdown` (blocks; call it from a thread)."""
        with self._lock:
            if self._closed:
                return
            self._serving = True
        try:
            self.server.run(sockets=[self.sock])
        finally:
            self._done.set()

    def start(self) -> threading.Thread:
        """Serve in a daemon thread and return once the server accepts connections."""
        thread = threading.Thread(target=self.serve_forever, name="qm-web", daemon=True)
        thread.start()
        while not self.server.started and thread.is_alive():
            thread.join(0.02)
        return thread

    def shutdown(self) -> None:
        """Stop serving (requests in progress get two seconds to finish) and close the socket; safe to call twice."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
            serving = self._serving
        self.server.should_exit = True
        if serving:
            self._done.wait(10)
        self.sock.close()


def serve_until_signal(server: Server, ready: Callable[[], None]) -> None:
    """Serve in the background, call `ready` once it accepts connections, stop at SIGTERM or Ctrl+C."""
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    server.start()
    ready()
    try:
        stop.wait()
    finally:
        server.shutdown()


class RelativeRedirects:
    """Redirects that name no host. Starlette answers `/day/2027-09-08/` with an absolute address built from the
    request's Host header (`http://<Host>/day/2027-09-08`), which anyone can write: a cache or proxy between the office
    and qm could keep that redirect to another site. qm's own redirects are paths; this makes Starlette's one too."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        named = dict(scope.get("headers") or ()).get(b"host", b"").decode("latin-1").lower()

        async def relative(message: Any) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [(k, _path_only(v, named) if k.lower() == b"location" else v) for k, v in message.get("headers", [])]
            await send(message)

        await self.app(scope, receive, relative)


def _path_only(location: bytes, host: str) -> bytes:
    """`http://<host>/p?q` as `/p?q` when <host> is the one the request named (or none was named); others as they are."""
    scheme, sep, rest = location.decode("latin-1").partition("://")
    if not sep or scheme.lower() not in ("http", "https"):
        return location
    netloc, slash, path = rest.partition("/")
    if host and netloc.lower() != host:
        return location
    return ("/" + path if slash else "/").encode("latin-1")


def _bind(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    # accepted connections inherit it (Linux): without it a keep-alive response sent in two writes waits ~40 ms for a delayed ACK
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    try:
        sock.bind((host, port))
        sock.listen(2048)
    except (socket.gaierror, UnicodeError) as exc:  # before OSError: a name that resolves to nothing is one too
        sock.close()
        raise InputError(f"--host {host} 不是有效的地址（{HOST_HINT}）") from exc
    except OSError as exc:
        sock.close()
        raise bind_error(exc, host, port) from exc
    sock.setblocking(False)
    return sock


def bind_error(exc: OSError, host: str, port: int) -> InputError:
    """Why the server cannot listen at host:port, in Chinese, naming the option to change."""
    if exc.errno == errno.EADDRINUSE:
        other = port + 1 if port < 65535 else port - 1
        return InputError(f"端口 {port} 已被占用（换一个端口，如 --port {other}，或停止占用它的程序）")
    if exc.errno == errno.EADDRNOTAVAIL:
        return InputError(f"--host {host} 不是这台电脑的地址，无法在这个地址上提供服务（{HOST_HINT}）")
    if exc.errno in (errno.EACCES, errno.EPERM):
        return InputError(f"没有权限使用端口 {port}（1024 以下的端口只有管理员能用：换一个端口，如 --port 8080）")
    return InputError(f"无法在 {host}:{port} 上提供服务：{os_reason(exc)}（检查 --host 和 --port；{HOST_HINT}）")
