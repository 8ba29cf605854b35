"""The titles of items the content library no longer has, from what the queue holds of them.

A post keeps the words it went out with (its payload): a WeChat article's title, a Weibo post's text
(whose template opens with 【title】), a screen slide's headline. The article's title is taken first,
then the Weibo's bracketed title, then the headline (a screen's shorter wording)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from ..publishing import states as st
from ..publishing.queue import Post

_BRACKETED = re.compile(r"^(?:#[^#]*#\s*)*【([^】]{1,80})】")  # after any #topic#: 【title】


def from_payload(payload: Mapping[str, Any]) -> tuple[int, str]:
    """The title a payload carries and how sure it is (lower is surer); (9, "") when it carries none."""
    if str(payload.get("title") or "").strip():
        return 0, " ".join(str(payload["title"]).split())
    found = _BRACKETED.match(str(payload.get("text") or "").strip())
    if found:
        return 1, found.group(1).strip()
    if str(payload.get("headline") or "").strip():
        return 2, " ".join(str(payload["headline"]).split())
    return 9, ""


def published_titles(held: Iterable[Post], known: Mapping[str, str]) -> dict[str, str]:
    """Item id -> title for the items not in `known` (the library), from the posts that carried them."""
    best: dict[str, tuple[tuple[int, bool], str]] = {}
    for post in held:
        if post.item in known:
            continue
        rank, title = from_payload(post.payload)
        sure = (rank, post.state != st.PUBLISHED)  # what went out before what was only rendered
        if title and (post.item not in best or sure < best[post.item][0]):
            best[post.item] = (sure, title)
    return {item: title for item, (_sure, title) in best.items()}
