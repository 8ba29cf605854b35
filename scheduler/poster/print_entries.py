"""The config's `posters.print` entries as `qm posters` makes them and `qm check` checks them: each named by its
file:line and as it is written, and what stops it being made (`printpick.ordered`, without drawing)."""

from __future__ import annotations

import datetime as dt

from ..inputs.campaign import Campaign
from ..inputs.content import Library
from ..inputs.poster_settings import PrintSheet
from ..support.errors import PosterError, Problem
from .printpick import ordered


def shown(sheet: PrintSheet) -> str:
    """The entry as config.yaml writes it: {layout: leaflet, topic: anti-fake}."""
    written = {
        "layout": sheet.layout,
        "topic": sheet.topic,
        "items": f"[{', '.join(sheet.items)}]" if sheet.items else "",
        "size": sheet.size,
    }
    return "{" + ", ".join(f"{k}: {v}" for k, v in written.items() if v) + (", cmyk: true" if sheet.cmyk else "") + "}"


def _said(sheet: PrintSheet, why: object) -> str:
    return f"posters.print 的这一项 {shown(sheet)} 生成不了：{why}"


def refused(sheet: PrintSheet, e: PosterError) -> PosterError:
    """`e`, said of the entry `sheet` that cannot be made."""
    return PosterError(f"{sheet.where}：{_said(sheet, e)}", e.problems if len(e.problems) > 1 else [])


def entry_problems(campaign: Campaign, library: Library, today: dt.date) -> list[Problem]:
    """What stops each `posters.print` entry being made on `today`, as `qm posters` would refuse it."""
    found: list[Problem] = []
    for sheet in campaign.posters.prints:
        try:
            ordered(campaign, sheet, library, today)
        except PosterError as e:
            found += [Problem(_said(sheet, why), sheet.where) for why in (e.problems if len(e.problems) > 1 else [e])]
    return found
