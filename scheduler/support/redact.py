"""Keep secrets out of everything a person or a file can see.

Two nets: every secret value qm reads (`secrets.read_secret`, tokens a channel fetches) is
registered here and replaced by `***` wherever it appears; and anything shaped like a credential in
a URL or a JSON body (`access_token=…`, `"secret": "…"`) is masked even if it was never
registered (and so is what comes before a URL's host: `https://user:password@host`). `shown_url` is a URL
without it, for messages; `has_userinfo` finds it in the config. `scrub` is applied to channel error messages (hence the audit log and notifications)
and, through `logs.RedactingFilter`, to every log record (kept there: this module does not import logging,
which the commands that only scrub channel errors do not need).
"""

from __future__ import annotations

import re
import threading

MASK = "***"
MIN_LENGTH = 6  # shorter values would mask ordinary words
_PATTERNS = (
    re.compile(r"((?:access_token|secret|appsecret|token|sign)=)[^&\s\"']+", re.I),
    re.compile(r"([?&](?:key|api_key|apikey|password|passwd|pwd)=)[^&\s\"']+", re.I),  # in a URL's query
    re.compile(r"(\"(?:access_token|secret|appsecret)\"\s*:\s*\")[^\"]+", re.I),
    re.compile(r"(\b[a-z][a-z0-9+.\-]*://)[^\s/?#@:]*:[^\s/?#@]*(?=@)", re.I),  # https://user:password@host
)
_HOST = re.compile(r"[/?#]")
_known: set[str] = set()
_lock = threading.Lock()


def register(value: str) -> None:
    """Remember a secret value so that `scrub` masks it from now on."""
    if len(value) >= MIN_LENGTH:
        with _lock:
            _known.add(value)


def scrub(text: str) -> str:
    with _lock:
        known = sorted(_known, key=len, reverse=True)
    for value in known:
        if value in text:
            text = text.replace(value, MASK)
    for pattern in _PATTERNS:
        text = pattern.sub(rf"\g<1>{MASK}", text)
    return text


def _split(url: str) -> tuple[str, str, str]:
    """A URL's `scheme://`, the part before its path (`user:password@host:port`), and the rest."""
    scheme, sep, rest = url.partition("://")
    if not sep:
        return "", "", url
    end = m.start() if (m := _HOST.search(rest)) else len(rest)
    return scheme + sep, rest[:end], rest[end:]


def has_userinfo(url: str) -> bool:
    """A URL with `user:password@` (or `user@`) before its host: credentials that would be copied with the config."""
    return "@" in _split(url)[1]


def shown_url(url: str) -> str:
    """A URL as a message may show it: without what comes before `@` in its host, its query's secrets masked."""
    scheme, host, rest = _split(url)
    return scrub(scheme + host.rpartition("@")[2] + rest)
