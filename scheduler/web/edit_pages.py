"""Changing a content item's words in the console (editor): GET /edit/<item> shows the form, POST
checks the words as `qm check` would and saves them into the item's file; the posts made from it go
back to review. What the form shows is gathered by `pages.edit`."""

from __future__ import annotations

from urllib.parse import quote

from starlette.exceptions import HTTPException
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from ..inputs.content_save import EditRejected, StaleEdit, refresh, save
from ..publishing import states as st
from ..support.errors import QmError
from .app import Call, action, view
from .pages import done_message, redirect_done, site_of


def routes() -> list[BaseRoute]:
    return [
        Route("/edit/{item_id}", edit_page, methods=["GET"]),
        Route("/edit/{item_id}", edit_save, methods=["POST"]),
    ]


@view("editor")
def edit_page(call: Call) -> Response:
    site = site_of(call.console)
    try:
        form = site.edit_form(call.request.path_params["item_id"])
    except QmError as exc:
        raise HTTPException(404, "；".join(exc.lines())) from None
    return call.page("edit.html", done=done_message(call), **site.edit_values(form))


@action("editor")
def edit_save(call: Call) -> Response:
    site, console = site_of(call.console), call.console
    item_id = call.request.path_params["item_id"]
    try:
        form = site.edit_form(item_id)
    except QmError as exc:
        raise HTTPException(404, "；".join(exc.lines())) from None
    fields = {name: _raw(call, name) for name in ("title", "summary", "headline", "body")}
    values = {k: v for k, v in fields.items() if v is not None}
    page = site.edit_values(form)["page"]
    if page.locked:
        return call.page(
            "edit.html", status=409, **site.edit_values(form, values, {"": [f"正在发布（{'、'.join(page.locked)}），发布完成前不能修改"]})
        )
    try:
        saved = save(console.campaign, site.library, site.plan, site.renderer, item_id, values, call.field("digest"))
    except EditRejected as exc:
        return call.page("edit.html", status=400, **site.edit_values(form, values, exc.by_field))
    except StaleEdit as exc:
        return call.page("edit.html", status=409, **site.edit_values(site.edit_form(item_id), values, {"": [str(exc)]}))
    if not saved.changed:
        return redirect_done(f"/edit/{quote(item_id)}", "unchanged")
    _, _, result = refresh(console.queue, console.campaign, site.renderer, saved, call.who(), console.now())
    site.reload()
    waiting = {e.id for e in page.posts if e.state in st.BEFORE_PUBLISHING}
    late = [p for p in result.ignored if p in waiting]  # claimed by the daemon between the check above and the save
    return redirect_done(f"/edit/{quote(item_id)}", "saved-late" if late else "saved")


def _raw(call: Call, name: str) -> str | None:
    """A form field as typed with newlines as `\n` (browsers send CRLF; not stripped: the edit normalizes it),
    None when the form lacks it. Counted and checked as shown, so a refused form says the length the file would have."""
    value = call.form.get(name) if call.form is not None else None
    return value.replace("\r\n", "\n").replace("\r", "\n") if isinstance(value, str) else None
