"""What an action has to say after its redirect (post/redirect/get): the action keeps its message here
under a random key and redirects to a page whose address carries only that key (`?note=…`); the page
shows the message again on every reload (or, `take`, only the first time), and a reload re-submits nothing.

The message itself never travels in the address, so a link cannot make the console show words of its
sender's choosing; a key is good only for the session that made it. Messages are kept in the console
process (the latest few hundred, each cut to `LONGEST` characters: what a crafted form echoes cannot fill the
memory): after a restart an old key simply shows nothing.
"""

from __future__ import annotations

import secrets
import threading
from collections import OrderedDict
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .app import Call

KEPT = 500
LONGEST = 20_000  # characters of a message kept: a day's refusals name each post (a form holds 200), never a megabyte
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


def take(call: Call, param: str) -> str:
    """As `note`, but the message is forgotten as it is read: shown once (a generated password), never on a reload."""
    key = call.request.query_params.get(param, "")
    if not key or call.session is None:
        return ""
    with _LOCK:
        return _notes(call).pop((call.session.token_hash, param, key), "")


def _notes(call: Call) -> OrderedDict[tuple[str, str, str], str]:
    notes = call.console.extra.setdefault("notes", OrderedDict())
    assert isinstance(notes, OrderedDict)
    return notes
