"""The screen server under bad requests and load: clear HTTP answers, never silence.

These assert HTTP behaviour only (status codes, bodies), so they guard whichever server serves the players.
"""

from __future__ import annotations

import json
import socket
import threading
import time
from pathlib import Path

import pytest

from scheduler.inputs.campaign import Campaign
from scheduler.inputs.content import Library
from scheduler.planning.planner import Plan
from scheduler.screens.serve import ScreenServer
from tests.screen_helpers import build_into, local, playlist, serving, small_screen

CONNECTIONS = 200


@pytest.fixture
def campaign(heihe: Campaign, tmp_path: Path) -> Campaign:
    return small_screen(local(heihe, tmp_path))


def _answer(sock: socket.socket, deadline: float) -> int:
    """The status code of the answer on `sock`, or 0 when none came before the deadline."""
    chunks = []
    try:
        while True:
            sock.settimeout(max(deadline - time.monotonic(), 0.01))
            chunk = sock.recv(65536)
            if not chunk:
                break
            chunks.append(chunk)
    except OSError:
        return 0
    answer = b"".join(chunks)
    return int(answer.split()[1]) if answer.startswith(b"HTTP/") else 0


def _raw(server: ScreenServer, request: bytes) -> bytes:
    """Send raw bytes (headers exactly as written) and read the whole answer."""
    host, port = server.address
    with socket.create_connection((str(host), port), timeout=10) as sock:
        sock.sendall(request)
        return b"".join(iter(lambda: sock.recv(65536), b""))


def _exchange(server: ScreenServer, request: bytes) -> tuple[int, bytes]:
    head, _, body = _raw(server, request).partition(b"\r\n\r\n")
    return int(head.split()[1]), body


@pytest.mark.parametrize("length", ["abc", "-5", "1e3", "٣", ""])
def test_a_played_report_with_a_bad_content_length_gets_400(campaign: Campaign, length: str) -> None:
    with serving(campaign) as server:
        request = f"POST /screen/center/played HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Length: {length}\r\n\r\n{{}}".encode()
        status, body = _exchange(server, request)
        assert status == 400, body  # from the application or, for a header that is not a number at all, the HTTP layer
        status, _ = _exchange(server, b"GET /status HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        assert status == 200  # the server carries on


@pytest.mark.parametrize("text", ['{"version": "abc", "slides": [', "", "[1, 2]", "\xff\xfe"])
def test_status_reports_a_corrupt_playlist(campaign: Campaign, heihe_plan: Plan, library: Library, text: str) -> None:
    """Without the file's path: the status needs no login (the players read it), and where qm keeps its files is not
    for whoever reaches the port (staff see the path on the console's screens page)."""
    built = build_into(campaign, playlist(campaign, heihe_plan, library))
    (built.folder / "playlist.json").write_bytes(text.encode("latin-1"))
    with serving(campaign) as server:
        status, body = _exchange(server, b"GET /status HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    assert status == 200
    screen = json.loads(body)["screens"]["center"]
    said = "这块屏的播放列表已损坏，无法读取：请工作人员运行 qm screen build 重新生成（文件位置见审核台的“电子屏”页）"
    assert screen["error"] == screen["message"] == said
    assert str(campaign.paths.state) not in body.decode() and "playlist.json" not in body.decode()
    assert screen["playlist"] is None and screen["size"] == "960x540"


def test_a_forged_host_header_is_never_sent_back_in_a_redirect(campaign: Campaign) -> None:
    """The players' port is open to the walls' network: `/status/` is answered with the path, never `http://<Host>/`."""
    with serving(campaign) as server:
        head = _raw(server, b"GET /status/ HTTP/1.1\r\nHost: evil.example\r\nConnection: close\r\n\r\n").partition(b"\r\n\r\n")[0]
    assert b"\r\nlocation: /status\r\n" in head.lower() and b"evil" not in head


def test_200_concurrent_connections_are_all_answered(campaign: Campaign, heihe_plan: Plan, library: Library) -> None:
    """All players connect while the server is busy: the kernel must queue every connection, none dropped."""
    build_into(campaign, playlist(campaign, heihe_plan, library))
    server = ScreenServer(campaign, "127.0.0.1", 0)  # listening, not yet accepting: every connection waits in the backlog
    host, port = server.address
    socks: list[socket.socket] = []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    try:
        for _ in range(CONNECTIONS):
            try:
                sock = socket.create_connection((str(host), port), timeout=3)  # a dropped SYN times out here
            except OSError:
                break  # the queue is full: the rest would wait in vain as well
            sock.sendall(b"GET /screen/center/current/playlist.json HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            socks.append(sock)
        thread.start()
        deadline = time.monotonic() + 60  # a bound for a failing run, far above what a queued answer needs
        answered = [_answer(sock, deadline) for sock in socks].count(200)
        assert answered == CONNECTIONS, f"{CONNECTIONS - len(socks)} connections refused, {len(socks) - answered} got no answer"
    finally:
        for sock in socks:
            sock.close()
        server.shutdown()
