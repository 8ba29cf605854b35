"""The console's posters and screens: GET /posters[/<YYYY-MM>][?stale=1] the month's posters with their sizes (only
those drawn before their words changed),
/posters/file/<path> the files themselves, /screens[/<YYYY-MM-DD>][?day=…] what each screen plays today (or that day):
its playlist in order with the pictures, the posts kept off it, whether the player has it, and what it reported playing;
/screens/thumb/<screen id>/<file> and /posters/thumb/<path> the page's small pictures of the files the player routes
(`/screen/<screen id>/<file>`) and /posters/file serve, behind the same checks of the path and a login (`screens.thumbs`); and
/static/font/qm-cjk.ttc the bundled Chinese font for machines without one. What the pages show is
gathered by `pages.media` and `pages.playlists`."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any
from urllib.parse import quote

from starlette.exceptions import HTTPException
from starlette.responses import FileResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from ..poster.fonts import candidates
from ..screens.thumbs import thumbnail, thumbs_folder
from .app import Call, view
from .pages import day_of, site_of, today


def routes() -> list[BaseRoute]:
    return [
        Route("/posters", posters_page, methods=["GET"]),
        Route("/posters/file/{path:path}", poster_image, methods=["GET"]),
        Route("/posters/thumb/{path:path}", poster_thumb, methods=["GET"]),
        Route("/posters/{month}", posters_page, methods=["GET"]),
        Route("/screens", screens_page, methods=["GET"]),
        Route("/screens/{day}", screens_page, methods=["GET"]),
        Route("/screens/thumb/{screen}/{rest:path}", slide_thumb, methods=["GET"]),
        Route("/static/font/qm-cjk.ttc", font, methods=["GET"]),
    ]


@view("editor")
def posters_page(call: Call) -> Response:
    site = site_of(call.console)
    month = call.request.path_params.get("month")
    first = day_of(f"{month}-01", call) if month else site.default_month(today(call))
    only_stale = call.request.query_params.get("stale") == "1"  # only the posters drawn before their words changed
    return call.page("posters.html", **site.posters_values(first, today(call), only_stale))


@view("editor")
def poster_image(call: Call) -> Response:
    path = site_of(call.console).poster_path(call.request.path_params["path"])
    if path is None:
        raise HTTPException(404)
    return FileResponse(path, headers={"cache-control": "private, max-age=60"})


@view("editor")
def poster_thumb(call: Call) -> Response:
    return _thumb(call, site_of(call.console).poster_path(call.request.path_params["path"]))


@view("editor")
def slide_thumb(call: Call) -> Response:
    players = call.request.app.state.players
    screen = players.screens.get(call.request.path_params["screen"])
    return _thumb(call, players.file_for(screen, call.request.path_params["rest"]) if screen is not None else None)


def _thumb(call: Call, source: Path | None) -> Response:
    """The small picture of a file the route found (None: a 404); like every console answer not kept by the browser
    (`security_headers`), so a page never shows one of an older file."""
    found = thumbnail(source, thumbs_folder(call.console.campaign)) if source is not None else None
    if found is None:
        raise HTTPException(404)
    return FileResponse(found, media_type="image/jpeg")


@view("editor")
def screens_page(call: Call) -> Response:
    chosen = call.request.path_params.get("day") or call.request.query_params.get("day", "")  # the form's date field
    if chosen and "day" not in call.request.path_params:
        return RedirectResponse(f"/screens/{quote(chosen)}", status_code=303)
    now = dt.datetime.fromtimestamp(call.console.now(), call.console.campaign.timezone)
    day = day_of(chosen, call) if chosen else now.date()
    return call.page("screens.html", wide=True, **site_of(call.console).screens_values(day, now))


async def font(request: Any) -> Response:
    """The bundled CJK font (public, like the style sheet): pages use it only where the machine has no Chinese font."""
    found = candidates(None, system=False)
    if not found:
        raise HTTPException(404)
    return FileResponse(found[0].path, media_type="font/collection", headers={"cache-control": "public, max-age=86400"})
