"""Changing a content item's words in the console (editor): GET /edit/<item> shows the form, POST
checks the words as `qm check` would and saves them into the item's file; the posts made from it go
back to review. What the form shows is gathered by `pages.edit`."""

from __future__ import annotations

from urllib.parse import quote

from starlette.exceptions import HTTPException
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from ..inputs.content_edit import EDITABLE
from ..inputs.content_save import EditForm, EditRejected, StaleEdit, UnreadableFile, refresh, save
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
    form = _form(call)
    return form if isinstance(form, Response) else call.page("edit.html", done=done_message(call), **site.edit_values(form))


@action("editor")
def edit_save(call: Call) -> Response:
    site, console = site_of(call.console), call.console
    item_id = call.request.path_params["item_id"]
    form = _form(call)
    if isinstance(form, Response):
        return form
    fields = {name: _raw(call, name) for name in EDITABLE}
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


def _form(call: Call) -> EditForm | Response:
    """The item's form; a page saying where its file is wrong and who fixes it when the file does not read
    (editors cannot fix a file in the console); 404 for an item the library does not have."""
    item_id = call.request.path_params["item_id"]
    try:
        return site_of(call.console).edit_form(item_id)
    except UnreadableFile as exc:
        message = (
            "；".join(exc.lines())
            + "。在这个文件改好之前，不能在网页上修改这条内容。请能打开内容文件的同事（管理内容库的同事）按上面的位置改正，"
            "改完运行 qm check 检查；改好后刷新本页即可修改。"
        )
        return call.page("message.html", status=503, title=f"内容 {item_id} 的文件有错误，暂时不能修改", message=message)
    except QmError as exc:
        raise HTTPException(404, "；".join(exc.lines())) from None
