"""The console's print sheets (印刷品) and their sign-off (签发) before they go to the printer:

GET  /prints              every sheet in posters/print with where it stands (`views.print_standing`, as `qm sign`)
GET  /prints/file/<name>  the PDF itself
POST /prints/sign         fields: csrf, name, sha256 (the bytes the page showed), despite (the page's concerns were
                          looked at), note (reviewer and above). Refused when the file changed since the page was shown,
                          and for a sheet printing changed words (it is made again first: signed, it still could not go).
POST /prints/remake       fields: csrf, name, sha256: make a sheet that prints changed words again, as the command that
                          made it would (`printjob.remake`; reviewer and above, as signing); it then waits to be signed again.
"""

from __future__ import annotations

import threading
from pathlib import Path

from starlette.exceptions import HTTPException
from starlette.responses import FileResponse, Response
from starlette.routing import BaseRoute, Route

from ..inputs.content import Library
from ..poster.print_files import FOLDER
from ..publishing.print_signoffs import sign, signoff_note
from ..support.atomic_files import file_inside
from ..support.errors import QmError
from ..support.file_times import file_time
from ..views.print_standing import (
    AFTER_SIGNING,
    ON_THE_PAGE,
    SIGNED,
    UNKNOWN_MAKING,
    Standing,
    after_signing,
    how_to_remake,
    read,
    remaking,
    sheet_title,
    tally,
    unsignable,
)
from .app import Call, action, refused_here, view
from .pages import redirect_done, site_of, today, with_param

REMADE = "已重新生成 {}：文字已是现在的，请打开 PDF 核对后再签发。"

NOTE_MOST = 200  # characters of a sign-off's note


def routes() -> list[BaseRoute]:
    return [
        Route("/prints", prints_page, methods=["GET"]),
        Route("/prints/file/{name}", print_file, methods=["GET"]),
        Route("/prints/sign", sign_sheet, methods=["POST"]),
        Route("/prints/remake", remake_sheet, methods=["POST"]),
    ]


def _standings(call: Call, library: Library | None = None) -> list[Standing]:
    console, user = call.console, call.user
    button = user is not None and user.may("reviewer")  # an editor sees no button: told the command alone
    return read(console.campaign, console.engine, library or site_of(console).library, ON_THE_PAGE if button else "{}")


def _done(call: Call, sheets: list[Standing]) -> str:
    """What was just done, naming the sheet it was done to (only one on the page: nothing else is echoed)."""
    done, name = call.request.query_params.get("done", ""), call.request.query_params.get("sheet", "")
    if name not in {s.name for s in sheets}:
        return ""
    return REMADE.format(name) if done == "remade" else f"已签发 {name}：{AFTER_SIGNING[done]}" if done in AFTER_SIGNING else ""


def note_shown(s: Standing) -> str:
    """The sign-off's note as the card shows it: a note made of the concerns signed despite (`signoff_note`) leaves
    out those the card lists anyway, and is said in a few words when nothing else is left."""
    note = s.signed.note if s.signed is not None and s.state == SIGNED else ""
    if not note.startswith("已知："):
        return note
    left = [c for c in note.removeprefix("已知：").split("；") if c not in s.concerns]
    return "签发时已知：" + "；".join(left) if left else "签发时已核对下面的问题"


@view("editor")
def prints_page(call: Call) -> Response:
    console = call.console
    library = site_of(console).library  # read once a request: its freshness check fingerprints the content folder
    sheets = _standings(call, library)
    assert call.user is not None
    return call.page(
        "prints.html",
        title="印刷品签发",
        sheets=sheets,
        tally=tally(sheets),
        may_sign=call.user.may("reviewer"),
        remakable={s.name for s in sheets if s.outdated and remaking(s.sheet, console.campaign) != UNKNOWN_MAKING},
        done=_done(call, sheets),
        titles={s.name: sheet_title(s.sheet, console.campaign) for s in sheets},
        printed={s.name: [it.title if (it := library.get(item)) else item for item, _ in s.sheet.items or ()] for s in sheets},
        made={s.name: file_time(s.sheet.made, console.campaign.timezone, console.now()) for s in sheets},
        notes={s.name: note_shown(s) for s in sheets},
    )


@view("editor")
def print_file(call: Call) -> Response:
    name = call.request.path_params["name"]
    path = file_inside(call.console.campaign.paths.posters / FOLDER, name)
    if path is None or path.suffix != ".pdf":
        raise HTTPException(404, f"没有印刷品 {name}：它可能已被删除或改名，请回到“印刷品”页面")
    return FileResponse(path, media_type="application/pdf", content_disposition_type="inline", filename=path.name)


@action("reviewer")
def sign_sheet(call: Call) -> Response:
    name, shown = call.field("name"), call.field("sha256")
    found = {s.name: s for s in _standings(call)}.get(name)
    if found is None:
        return refused_here(call, f"没有签发：posters/print 里没有 {name}（可能已被删除或改名）。")
    if not shown or shown != found.sheet.sha256:
        return refused_here(call, f"没有签发：打开页面之后，{name} 又重新生成过，文件内容已经不同。请打开新的文件核对后再签发。")
    if why := unsignable(found, how_to_remake(ON_THE_PAGE, remaking(found.sheet, call.console.campaign))):
        return refused_here(call, why)
    if found.concerns and not call.field("despite"):
        return refused_here(call, f"没有签发：{name} 有要先核对的问题（见下面），核对过仍要签发的，勾选“我已核对上面的问题”再签发。")
    if found.state != SIGNED:  # the same form twice: signed once
        note = signoff_note(call.field("note")[:NOTE_MOST], found.concerns)
        sign(call.console.engine, name, found.sheet.sha256, call.who(), call.console.now(), note)
    return redirect_done(with_param("/prints", "sheet", name), after_signing(found))


_REMAKES: dict[Path, threading.Lock] = {}
_REMAKES_LOCK = threading.Lock()


def _remaking(path: Path) -> threading.Lock:
    """The lock a remake of the sheet at `path` (a file there: no lock for a name made up) holds from reading the sheet's digest until the new one is written:
    two presses at once (a double tap, two reviewers) make it once, the second told it was made meanwhile."""
    with _REMAKES_LOCK:
        return _REMAKES.setdefault(path, threading.Lock())


@action("reviewer")
def remake_sheet(call: Call) -> Response:
    from ..poster.printjob import remake  # the PDF libraries: only when a sheet is made

    name, shown, console = call.field("name"), call.field("sha256"), call.console
    missing = f"没有重新生成：posters/print 里没有 {name}（可能已被删除或改名）。"
    if (path := file_inside(console.campaign.paths.posters / FOLDER, name)) is None:
        return refused_here(call, missing)
    with _remaking(path):  # a second press waits, then finds it made
        found = {s.name: s for s in _standings(call)}.get(name)
        if found is None:
            return refused_here(call, missing)
        if shown != found.sheet.sha256:  # made again meanwhile (here, twice, or by a command): not made a second time
            return refused_here(call, f"没有重新生成：打开页面之后，{name} 已经重新生成过。请打开新的文件核对后再签发。")
        try:
            made = remake(console.campaign, site_of(console).library, found.sheet, today(call))
        except QmError as exc:
            return refused_here(call, f"{name} 没能重新生成：{'；'.join(exc.lines())}")
    if not made:
        return refused_here(call, f"没有重新生成：不知道 {name} 是怎样生成的，请用 qm print 或 qm posters 重新生成。")
    return redirect_done(with_param("/prints", "sheet", name), "remade")
