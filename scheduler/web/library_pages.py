"""The content library in the console: GET /content lists every item by area and topic, each linking to its
edit form; `?q=` filters by title, id or tag on the server (no script needed). What it shows is `pages.library`."""

from __future__ import annotations

from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from .app import Call, view
from .pages import site_of

QUERY_MAX = 100


def routes() -> list[BaseRoute]:
    return [Route("/content", content_page, methods=["GET"])]


@view("editor")
def content_page(call: Call) -> Response:
    query = call.request.query_params.get("q", "").strip()[:QUERY_MAX]
    return call.page("content.html", **site_of(call.console).library_values(query))
