"""Keep secrets out of everything a person or a file can see.

Two nets: every secret value qm reads (`secrets.read_secret`, tokens a channel fetches) is
registered here and replaced by `***` wherever it appears; and anything shaped like a credential in
a URL or a JSON body (`access_token=…`, `"secret": "…"`) is masked even if it was never
registered. `scrub` is applied to channel error messages (hence the audit log and notifications)
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
    re.compile(r"(\"(?:access_token|secret|appsecret)\"\s*:\s*\")[^\"]+", re.I),
)
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
