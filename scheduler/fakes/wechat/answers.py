"""How the fake WeChat API answers, and the units of its limits.

Errors come back as HTTP 200 with `{"errcode", "errmsg"}`, the message ending in a request id as the
platform's do; success is `errcode` 0 with the call's fields beside it.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from typing import Any
from zoneinfo import ZoneInfo

from ..server import Answer, Request

MB = 1024 * 1024
CST = ZoneInfo("Asia/Shanghai")  # the platform's days (quotas, statistics) are Beijing days

Route = Callable[[Request], Answer]


def ok(**fields: Any) -> Answer:
    return 200, {"errcode": 0, "errmsg": "ok", **fields}


def err(code: int, message: str) -> Answer:
    return 200, {"errcode": code, "errmsg": f"{message} rid: fake-{secrets.token_hex(4)}"}
