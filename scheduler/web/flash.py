"""What an action has to say after its redirect (post/redirect/get): the action keeps its message here
under a random key and redirects to a page whose address carries only that key (`?note=…`); the page
shows the message again on every reload, and a reload re-submits nothing.

The message itself never travels in the address, so a link cannot make the console show words of its
sender's choosing; a key is good only for the session that made it. Messages are kept in the console
process (the latest few hundred, each cut to `LONGEST` characters: what a crafted form echoes cannot fill the
memory): after a restart an old key simply shows nothing.

A secret (a generated password, `keep_secret`) is kept apart from the messages, for one read and a short time:
forgotten as its page reads it, and `SECRET_LASTS` seconds after it was kept whether or not anyone read it (a timer
drops it from memory; a page asking later shows nothing).
"""

from __future__ import annotations

import secrets
import threading
import time
from collections import OrderedDict
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .app import Call

KEPT = 500
LONGEST = 20_000  # characters of a message kept: a day's refusals name each post (a form holds 200), never a megabyte
SECRET_LASTS = 600.0  # seconds a secret waits for its page
SECRETS_KEPT = 50
_LOCK = threading.Lock()


def keep(call: Call, message: str, param: str = "note") -> str:
    """Keep `message` for the signed-in session; the key to put in the redirect's `param` parameter (`note`: why an
    action was refused, shown as an error; `said`: what a day's approval did, `pages.done_message`)."""
    assert call.session is not None
    key = secrets.token_urlsafe(12)
    message = message if len(message) <= LONGEST else message[: LONGEST - 1] + "…"  # a crafted form's ids, echoed
    with _LOCK:
        notes = _notes(call)
        notes[(call.session.token_hash, param, key)] = message
        while len(notes) > KEPT:
            notes.popitem(last=False)
    return key


def note(call: Call, param: str = "note") -> str:
    """The message the address's `param` names, if this session kept it for that parameter; "" otherwise."""
    key = call.request.query_params.get(param, "")
    if not key or call.session is None:
        return ""
    with _LOCK:
        return _notes(call).get((call.session.token_hash, param, key), "")


def keep_secret(call: Call, secret: str, param: str) -> str:
    """Keep `secret` for the signed-in session, to be read once (`take_secret`) within `SECRET_LASTS` seconds; the key."""
    assert call.session is not None
    key, lasts = secrets.token_urlsafe(12), SECRET_LASTS
    store = _secrets(call)
    whose = (call.session.token_hash, param, key)
    with _LOCK:
        store[whose] = (time.monotonic() + lasts, secret)
        while len(store) > SECRETS_KEPT:
            store.popitem(last=False)
    timer = threading.Timer(lasts, _forget, (store, whose))
    timer.daemon = True  # a console stopping does not wait for it
    timer.start()
    return key


def take_secret(call: Call, param: str) -> tuple[bool, str]:
    """(whether the address names a secret at all, the secret or "" when it was read before, has expired or is
    another session's). The secret is forgotten as it is read."""
    key = call.request.query_params.get(param, "")
    if not key or call.session is None:
        return False, ""
    with _LOCK:
        until, secret = _secrets(call).pop((call.session.token_hash, param, key), (0.0, ""))
    return True, secret if time.monotonic() < until else ""


def _forget(store: OrderedDict[tuple[str, str, str], tuple[float, str]], whose: tuple[str, str, str]) -> None:
    with _LOCK:
        store.pop(whose, None)


def _secrets(call: Call) -> OrderedDict[tuple[str, str, str], tuple[float, str]]:
    store = call.console.extra.setdefault("secrets", OrderedDict())
    assert isinstance(store, OrderedDict)
    return store


def _notes(call: Call) -> OrderedDict[tuple[str, str, str], str]:
    notes = call.console.extra.setdefault("notes", OrderedDict())
    assert isinstance(notes, OrderedDict)
    return notes
