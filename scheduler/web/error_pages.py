"""What the console shows when a request cannot be answered: an unexpected error (500), a page that needs
the content library or config.yaml while it cannot be read (503), a missing page or a wrong method."""

from __future__ import annotations

import logging
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

from ..support.errors import QmError
from .app import Call, console_of, session_of

log = logging.getLogger("qm.web")


async def server_error(request: Request, exc: Exception) -> Response:
    """An unexpected error: logged with its traceback, shown as a short Chinese page."""
    log.error("web_error path=%s error=%s", request.url.path, type(exc).__name__, exc_info=exc)
    html = "<!doctype html><meta charset=utf-8><title>出错了</title><p>审核台出错了，操作可能没有完成。请刷新页面查看当前状态；问题持续时请联系管理员查看 qm.log。</p>"
    return HTMLResponse(html, status_code=500)


async def input_error(request: Request, exc: Exception) -> Response:
    """A page that needs what staff wrote (the content library, config.yaml) while it cannot be read: say what is wrong."""
    assert isinstance(exc, QmError)
    log.warning("web_input_error path=%s", request.url.path)
    call = Call(console_of(request), request, None, None)
    head, *problems = [line.strip().removeprefix("- ") for line in exc.lines()]
    message = head + "；".join(problems) + "。改正后刷新本页（可先用 qm check 检查）。"
    return await run_in_threadpool(call.page, "message.html", status=503, title="内容库或配置有问题，这一页暂时无法显示", message=message)


async def http_error(request: Request, exc: Exception) -> Response:
    status = exc.status_code if isinstance(exc, HTTPException) else 500
    titles = {404: "页面不存在", 405: "不支持这种请求"}
    console = console_of(request)
    session = await session_of(request)  # signed in: the page keeps the navigation bar and who is signed in
    call = Call(console, request, session.user if session else None, session)
    said = str(getattr(exc, "detail", ""))  # ours say in Chinese what is missing (starlette's default is the English phrase)
    message = f"{said}。" if not said.isascii() else f"{titles.get(status, '请求无法处理')}（{status}）。"
    # the page reads the queue and hashes the config: off the event loop, as every other page
    return await run_in_threadpool(call.page, "message.html", status=status, title=titles.get(status, "出错了"), message=message)


HANDLERS: dict[Any, Any] = {HTTPException: http_error, QmError: input_error, Exception: server_error}
