"""The key a screen's player shows when it reports what it played (proof of play).

qm hands each screen's player a token in a cookie with the player page and with every poll of its
playlist (`qm_player`, path `/screen/<id>/`, HttpOnly, SameSite=Strict); the page's reports to
`/screen/<id>/played` carry it back without the page's script knowing it, so player templates copied
before the key existed keep working. A report without the screen's token is refused: a page on another
site cannot send one (the cookie stays home, and a JSON body needs a CORS preflight qm never grants),
and a report for one screen cannot be made with another screen's page.

The token is an HMAC of the screen id under a random key kept in `<state>/player-key`, made once,
so `qm web` and `qm screen serve` over the same state give the same token and a restart changes nothing.
Anyone who can open a player page can read its token: the reports it allows are then still only
slides of playlists qm built, at their times and durations (`screens.proof`).
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import secrets
from pathlib import Path

from ..support.atomic_files import atomic_write_bytes
from ..support.private_files import say_tightened, tighten

COOKIE = "qm_player"
KEEP_SECONDS = 400 * 86400  # browsers keep a cookie at most 400 days; every playlist poll renews it


def key_file(state: Path) -> Path:
    return state / "player-key"


def _key(state: Path) -> bytes:
    path = key_file(state)
    if not path.exists():
        with contextlib.suppress(FileExistsError):  # another process (qm web beside qm screen serve) made it first: theirs is the key
            atomic_write_bytes(path, secrets.token_hex(32).encode(), replace=False, private=True)  # others cannot forge reports
    else:  # one an earlier qm made readable by others: its owner's alone from now on, said once
        say_tightened("电子屏播放密钥", tighten(path))
    return path.read_bytes().strip()


def player_token(state: Path, screen_id: str) -> str:
    return hmac.new(_key(state), f"player:{screen_id}".encode(), hashlib.sha256).hexdigest()


def cookie_header(screen_id: str, token: str) -> str:
    return f"{COOKIE}={token}; Path=/screen/{screen_id}/; Max-Age={KEEP_SECONDS}; HttpOnly; SameSite=Strict"


def shows_token(cookie: str, token: str) -> bool:
    return bool(cookie) and hmac.compare_digest(cookie.encode(), token.encode())
