"""Keep secrets out of everything a person or a file can see.

Two nets: every secret value qm reads (`secrets.read_secret`, tokens a channel fetches) is
registered here and replaced by `***` wherever it appears; and anything shaped like a credential in
a URL or a JSON body (`access_token=…`, `"secret": "…"`) is masked even if it was never
registered (and so is what comes before a URL's host: `https://user:password@host`, read by `userinfo`, which a
password holding "/", "?", "#" or "@" does not cut short). `shown_url` is a URL without it, for messages;
`has_userinfo` finds it in the config. `scrub` is applied to channel error messages (hence the audit log and notifications)
and, through `logs.RedactingFilter`, to every log record (kept there: this module does not import logging,
which the commands that only scrub channel errors do not need).
"""

from __future__ import annotations

import re
import threading
from urllib.parse import unquote

MASK = "***"
MIN_LENGTH = 6  # shorter values would mask ordinary words
_PATTERNS = (
    re.compile(r"((?:access_token|secret|appsecret|token|sign)=)[^&\s\"']+", re.I),
    re.compile(r"(\"(?:access_token|secret|appsecret)\"\s*:\s*\")[^\"]+", re.I),
)
_URL = re.compile(r"(?<![a-z0-9+.\-])([a-z][a-z0-9+.\-]*://)\S{1,2048}", re.I)  # bounded: a user part is near the start
_QUERY = re.compile(r"[^=&#?@]+=[^&#]*(?:&[^=&#?@]+=[^&#]*)*(?:#.*)?")  # key=value pairs
# a URL query's parameters holding a secret, by their name percent-decoded (%70assword is password): an API's key,
# and libpq's password, the client key's sslpassword and the OAuth client's secret
SECRET_PARAMETERS = frozenset({"key", "api_key", "apikey", "password", "passwd", "pwd", "sslpassword", "oauth_client_secret"})
# a name is short and holds no "?": `?a?password=…` is read at its second "?", and "?" * 16000 in one pass
_PARAMETER = re.compile(r"([?&]([^=&#?\s\"']{1,100})=)[^&#\s\"']+")
# an authority that is a host and its port: a name with a dot (an address) or localhost; `u:2024` before a "/" and
# an "@" is a user and a numeric password holding "/" (`https://u:2024/x@host`), masked rather than shown, unless
# the config names it as a host qm talks to (`_hosts`: `http://qm-web:8080`, a one-word name in a private network)
_HOST_PORT = re.compile(r"(?:[^:@/]*\.[^:@/]*|localhost):[0-9]*", re.I)
_known: set[str] = set()
_hosts: set[str] = set()
_lock = threading.Lock()


def register(value: str) -> None:
    """Remember a secret value so that `scrub` masks it from now on."""
    if len(value) >= MIN_LENGTH:
        with _lock:
            _known.add(value)


def register_host(url: str) -> None:
    """Remember the `host:port` of an address the config gives (the console's, an API's, an Anthias server's): written
    before a "/" it is then that host and port, never a user and a numeric password (`http://qm-web:8080/p@x`). Only an
    address with no "@" anywhere is taken, so a user part is never learnt as a host."""
    _scheme, sep, rest = url.partition("://")
    authority = re.split(r"[/?#]", rest, maxsplit=1)[0]
    if sep and ":" in authority and "@" not in url:
        with _lock:
            _hosts.add(authority.lower())


def scrub(text: str) -> str:
    with _lock:
        known = sorted(_known, key=len, reverse=True)
    for value in known:
        if value in text:
            text = text.replace(value, MASK)
    text = _URL.sub(_masked_userinfo, text)
    for pattern in _PATTERNS:
        text = pattern.sub(rf"\g<1>{MASK}", text)
    return masked_query(text)


def secret_parameter(name: str) -> bool:
    """Whether a URL query's parameter `name` (as written, or decoded) holds a secret (`SECRET_PARAMETERS`)."""
    return unquote(name).lower() in SECRET_PARAMETERS


def masked_query(text: str) -> str:
    """`text` with the value of each URL query parameter holding a secret masked: `?sslpassword=***`."""
    return _PARAMETER.sub(lambda m: m.group(1) + MASK if secret_parameter(m.group(2)) else m.group(), text)


def _masked_userinfo(m: re.Match[str]) -> str:
    """`https://***@host` for a URL in a text with `user:password@` before its host (a user alone is left)."""
    user, rest = userinfo(m[0])
    return m[0] if ":" not in user else f"{m[1]}{MASK}@{rest.removeprefix(m[1])}"


def userinfo(url: str) -> tuple[str, str]:
    """(what is written before the host: `user` or `user:password`, "" for none; the URL without it and its "@").
    People type passwords holding "/", "@", "?" and "#" unencoded, where `urlsplit` would stop at the first of them
    and show the rest of the password as the host or path: so when the part before the first "/", "?" or "#" holds
    an "@" or a ":" (a user, or a host's port), the user part ends at the LAST "@" that is not in the query
    (`https://u:pa?ss@host/x?mail=a@b`: `u:pa?ss`; `postgresql://qm:2024/Secret@host/qm`: `qm:2024/Secret`);
    `https://host/p?mail=a@b`, `https://host/@team` and `https://h.cn:8080/p@x` (a port, then a path) have none, nor has
    `http://qm-web:8080/p@x` once the config names `qm-web:8080` (`register_host`)."""
    scheme, sep, rest = url.partition("://")
    authority = re.split(r"[/?#]", rest, maxsplit=1)[0]
    if sep and ("@" in authority or ":" in authority):
        end = _query_start(rest)
        host_port = _HOST_PORT.fullmatch(authority) or authority.lower() in _hosts
        if host_port and not scheme.lower().startswith("postgres") and "/" in rest[:end]:
            end = rest.index("/")  # `https://h.cn:8080/p@x`: a path's "@" (a database's path is a name, never with "@")
        at = rest.rfind("@", 0, end)
        if at >= 0:
            return rest[:at], f"{scheme}{sep}{rest[at + 1 :]}"
    return "", url


def _query_start(rest: str) -> int:
    """Where a query begins (postgresql://qm@db/qm?application_name=qm@web), len(rest) if none: the first "?"
    after a path's "/" or an earlier "@" (the user's) that key=value pairs follow. A "?" before them is a password's."""
    first, last = rest.find("@"), rest.rfind("@")
    for q, c in enumerate(rest):
        if c == "?" and (_after_host(rest, first, last, q) or "/" in rest[:q]) and _QUERY.fullmatch(rest, q + 1) is not None:
            return q
    return len(rest)


def _after_host(rest: str, first: int, last: int, q: int) -> bool:
    """Whether a "?" with no path before it follows the host: it comes after the first "@", unless a password is
    written before that "@" and another "@" follows with the database's path after it (`qm:pa@ss?k=v@db/qm`: the password
    is `pa@ss?k=v`; in `qm:pw@db?host=/run/pg&application_name=qm@web` the "@" is a query value's)."""
    return first < q and not (first >= 0 and last > q and ":" in rest[:first] and "/" in rest[last:])


def has_userinfo(url: str) -> bool:
    """A URL with `user:password@` (or `user@`) before its host: credentials that would be copied with the config."""
    return bool(userinfo(url)[0])


def shown_url(url: str) -> str:
    """A URL as a message may show it: without what comes before `@` in its host, its query's secrets masked."""
    return scrub(userinfo(url)[1])
