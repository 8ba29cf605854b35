"""What a console form must say about its size before it is read: its length (Content-Length), more than
nothing, at most `MAX_FORM` bytes (`LOGIN_FORM` for signing in, which anyone may post to). A form refused
here is not read and nothing is done."""

from __future__ import annotations

from collections.abc import Mapping

from starlette.responses import Response

MAX_FORM = 1024 * 1024  # bytes: the longest article body is far below this
LOGIN_FORM = 16 * 1024  # bytes: a name, a password, the form's token and the page to go back to
AGAIN = "操作没有执行。请返回页面刷新后，用页面上的按钮重新提交。"


def refused(headers: Mapping[str, str], limit: int = MAX_FORM) -> Response | None:
    """The answer to a form that is empty, too large, or sent in chunks without its length; None when it may be read.

    Without a Content-Length a request has no body, unless it is sent in chunks (Transfer-Encoding):
    the length is then unknown until all is read, and a form must say it first."""
    length = headers.get("content-length", "")
    if not length and "chunked" in headers.get("transfer-encoding", "").lower():
        return _text(411, f"表单缺少长度（Content-Length），{AGAIN}")
    length = length or "0"
    if not length.isdigit():
        return _text(400, f"表单长度（Content-Length）“{length[:20]}”不是数字，{AGAIN}")
    if int(length) == 0:
        return _text(400, f"表单是空的，{AGAIN}")
    if int(length) > limit:
        return _text(413, f"表单太大（{int(length)} 字节，上限 {_size(limit)}），操作没有执行。")
    return None


def _size(n: int) -> str:
    return f"{n // 1024 // 1024} MB" if n % (1024 * 1024) == 0 else f"{n // 1024} KB"


def _text(status: int, message: str) -> Response:
    return Response(message.encode(), status_code=status, media_type="text/plain; charset=utf-8")
