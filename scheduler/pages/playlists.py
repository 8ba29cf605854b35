"""What each screen plays on a day, for the console's 电子屏 page: read-only, from the playlists `screens` builds.

A day whose playlist was built (by the daemon or `qm screen build`) shows that file's slides in its order, with
its pictures; while today's or a later day's playlist differs from the one the queue and the library make now
(`daily.day_playlists`, the same function the build uses), the page says a rebuild is due. A day not built
shows the playlist the build would write now. Then the posts kept off the wall and why, whether the player has
the playlist (`current`) and when it reported playing it, the on-hours, a pause, a day outside the campaign.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from ..channels.screen.config import ScreenConfig
from ..inputs.campaign import Campaign
from ..planning.planner import PlannedPost
from ..publishing import states as st
from ..screens.build import CURRENT, current_folder, day_folder, playlist_day, screens_root
from ..screens.daily import EDITED, DayPlaylists, day_for
from ..screens.playlist import Playlist, is_on
from ..screens.pushes import push_notes
from ..support.file_times import file_time
from ..support.values import ImageRef

if TYPE_CHECKING:
    from .media import PlayLog

KINDS = {"launch": "启动活动", "theme": "活动主题", "featured": "重点内容", "slogan": "轮播标语"}
HELD = {EDITED: "审核后又改过，改过的文字没有审核", st.CANCELLED: "已取消（要重新上屏：重发后再审核）", st.REJECTED: "已退回"}


@dataclass(frozen=True)
class SlideRow:
    order: int
    kind: str  # its Chinese name (`KINDS`)
    title: str
    item: str
    post: str  # the plan's post, for launch and featured slides ("" for the theme and the slogans)
    seconds: int
    start: str  # "19:30 起" for a slide shown from a later time of the day, else ""
    picture: str  # the slide's image (or a placeholder) URL: the full picture the link opens
    review: str  # 已审核, 已发布 … or 不需审核 (the theme, the slogans)
    state: str  # the queue's state ("" for the theme and the slogans): the badge's colour

    @property
    def thumb(self) -> str:
        return thumb_of(self.picture)


@dataclass(frozen=True)
class HeldRow:
    post: str
    title: str
    at: str
    why: str


@dataclass(frozen=True)
class ScreenPlaylist:
    screen: ScreenConfig
    built: bool  # the slides are those of a written playlist file (else those a build would write now)
    slides: tuple[SlideRow, ...]
    held: tuple[HeldRow, ...]
    notes: tuple[tuple[str, str], ...]  # (css class: good, warn or bad; what to know) in order of importance
    version: str = ""
    folder: str = ""  # the version folder's name: its files are served at /screen/<id>/<folder>/…
    built_at: str = ""  # when its file was written (`file_time`: the computer's time, said so while rehearsing)
    sent_at: str = ""  # since when the player is given it (`current` points at it), "" when it is not
    first_play: str = ""  # the player's first report of playing it
    pushed: tuple[tuple[str, str], ...] = ()  # (css class, what to know) of `qm screen push` to Anthias (`pushes`)

    @property
    def seconds(self) -> int:
        return sum(s.seconds for s in self.slides)


def screen_playlists(
    campaign: Campaign,
    day: dt.date,
    now: dt.datetime,
    planned: DayPlaylists | None,
    states: dict[str, str],
    src: Callable[[ImageRef], str],
    logs: dict[str, PlayLog],
) -> list[ScreenPlaylist]:
    """Each screen's playlist on `day` seen at `now`; `planned`: what the build makes of the day now (None outside
    the campaign); `states`: the queue's states by post id, and of the pauses (`daily.queue_states`); `logs`: the
    proof-of-play logs the page read (`media.play_logs`)."""
    root = screens_root(campaign)
    out = []
    for n, screen in enumerate(campaign.screens):
        made = planned.playlists[n] if planned is not None else None
        held = [p for p in planned.held if p.channel == screen.name] if planned is not None else []
        one = _one(campaign, root, screen, day, now, made, held, states, src, logs.get(screen.id, []))
        due = one.built and day == day_for(campaign, screen, now)  # the one a push sends now
        out.append(replace(one, pushed=tuple(push_notes(root, screen, campaign.timezone, one.version if due else ""))))
    return out


def _one(
    campaign: Campaign,
    root: Path,
    screen: ScreenConfig,
    day: dt.date,
    now: dt.datetime,
    made: Playlist | None,
    held: list[PlannedPost],
    states: dict[str, str],
    src: Callable[[ImageRef], str],
    plays: PlayLog,
) -> ScreenPlaylist:
    tz = campaign.timezone
    notes = _day_notes(campaign, screen, day, now, made is not None)
    folder = day_folder(root, screen.id, day)
    read = _read(screen.id, folder, states, tz, now) if folder is not None else None
    kept_off = tuple(_held(p, states) for p in held)
    damaged = folder is not None and read is None and folder.is_dir()  # not one pruned meanwhile: a file that does not read
    if folder is not None and damaged:
        said = f"这一天的播放列表文件 {folder / 'playlist.json'} 已损坏，无法读取（运行 qm screen build --date {day} 重新生成）"
        notes.append(("bad", said))
    if folder is None or read is None:
        current = current_folder(root, screen.id) if day == day_for(campaign, screen, now) else None
        if current is not None and playlist_day(current) is None and current != folder:  # not even its day reads
            damaged = True
            notes.append(
                ("bad", f"播放器正在用的播放列表文件 {current / 'playlist.json'} 已损坏，无法读取（运行 qm screen build 重新生成）")
            )
        if made is not None and made.paused:
            built = "" if damaged else "这一天的播放列表还没有生成。"
            notes.append(
                ("bad", f"{built}已暂停（{made.paused}）：{'重新' if damaged else ''}生成的播放列表将是空的，屏幕不放 qm 的任何画面")
            )
        elif made is not None:
            notes.append(("warn", "下面是重新生成时将写入的画面") if damaged else _not_built(day, now.date()))
        slides = tuple(_planned_rows(campaign, made, states, src)) if made is not None else ()
        return ScreenPlaylist(screen, False, slides, kept_off, tuple(notes))
    doc, rows, built_at = read
    if doc.get("paused"):
        notes.append(("bad", f"已暂停（{doc['paused']}）：播放列表是空的，屏幕不放 qm 的任何画面；恢复后 5 分钟内重新放映"))
    elif made is not None and made.paused and day >= now.date():
        notes.append(("bad", f"已暂停（{made.paused}）：后台服务 5 分钟内清空这份播放列表，屏幕不再放 qm 的任何画面"))
    if made is not None and day >= now.date() and doc.get("content_version") != made.version:
        said = "现在的内容或审核状态与已生成的播放列表不同：后台服务（qm daemon）5 分钟内重新生成"
        notes.append(("warn", f"{said}；没有运行后台服务时运行 qm screen build --date {day}"))
    current = current_folder(root, screen.id)
    sent = ""
    if current == folder.resolve():
        try:
            sent = file_time((root / screen.id / CURRENT).lstat().st_mtime, tz, now.timestamp())
        except OSError:  # swapped for a new one this moment
            sent = "刚刚"
    elif day == day_for(campaign, screen, now):
        shows = playlist_day(current) if current is not None else None
        where = f"播放器拿到的是 {shows} 的播放列表" if shows else "播放器还没有拿到任何播放列表"
        notes.append(("bad", f"这一份没有交给播放器：{where}（运行 qm screen build 切换）"))
    version = str(doc.get("version", folder.name))
    first = _first_play(plays, version, tz)
    return ScreenPlaylist(screen, True, rows, kept_off, tuple(notes), version, folder.name, built_at, sent, first)


def _day_notes(campaign: Campaign, screen: ScreenConfig, day: dt.date, now: dt.datetime, inside: bool) -> list[tuple[str, str]]:
    if not inside:
        span = f"{campaign.start} 至 {campaign.end}"
        return [("bad", f"这一天不在活动期（{span}）内：电子屏这天不播放 qm 的画面，屏幕黑屏")]
    if day != now.date():
        return []
    if is_on(campaign, screen, now):
        return [("good", f"现在是开屏时段（{screen.on_from:%H:%M}–{screen.on_to:%H:%M}）")]
    return [("warn", f"现在不在开屏时段（{screen.on_from:%H:%M}–{screen.on_to:%H:%M}）：屏幕黑屏")]


def _not_built(day: dt.date, today: dt.date) -> tuple[str, str]:
    if day < today:
        return ("warn", "这一天没有生成过播放列表（下面是按排期算出的画面，屏幕当天没有播放它们）")
    if day == today:
        return ("bad", "今天的播放列表还没有生成，屏幕不会播放下面的画面：运行后台服务（qm daemon）或 qm screen build")
    return ("warn", "这一天的播放列表还没有生成：下面是按现在的审核状态将要播放的画面；后台服务在前一天关屏后自动生成")


def _planned_rows(campaign: Campaign, made: Playlist, states: dict[str, str], src: Callable[[ImageRef], str]) -> Iterable[SlideRow]:
    size = f"{made.screen.width}x{made.screen.height}"
    for n, slide in enumerate(made.slides, start=1):
        picture = src(ImageRef("", slide.text.id, slide.layout, size))
        yield _row({"order": n, **slide.to_json()}, slide.start, picture, states)


THUMBS = {"/screen/": "/screens/thumb/", "/posters/file/": "/posters/thumb/"}


def thumb_of(picture: str) -> str:
    """The page's small picture of a slide's `picture` (`screens.thumbs`); a placeholder (an inline SVG) as it is."""
    for full, small in THUMBS.items():
        if picture.startswith(full):
            return small + picture.removeprefix(full)
    return picture


def _row(slide: dict[str, Any], start: dt.datetime | None, picture: str, states: dict[str, str]) -> SlideRow:
    post = str(slide.get("post") or "")
    state = states.get(post, "") if post else ""
    review = st.label(state) if state else ("不需审核" if not post else "队列中没有")
    kind = KINDS.get(str(slide.get("kind")), str(slide.get("kind")))
    when = f"{start:%H:%M} 起" if start else ""
    return SlideRow(
        int(slide["order"]), kind, str(slide["title"]), str(slide["item"]), post, int(slide["duration"]), when, picture, review, state
    )


def _held(post: PlannedPost, states: dict[str, str]) -> HeldRow:
    state = states.get(post.id, "")
    why = HELD.get(state) or (f"{st.label(state)}：审核通过后才上屏" if state else "还没有排进队列：审核通过后才上屏")
    return HeldRow(post.id, post.item.title, f"{post.at:%H:%M}", why)


def _read(
    screen_id: str, folder: Path, states: dict[str, str], tz: dt.tzinfo, now: dt.datetime
) -> tuple[dict[str, Any], tuple[SlideRow, ...], str] | None:
    """A version folder's playlist, its slides as rows and when it was written; None when it does not read (or is gone)."""
    path = folder / "playlist.json"
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
        rows = []
        for slide in doc["slides"]:
            picture = f"/screen/{screen_id}/{folder.name}/{quote(str(slide['file']))}"
            start = dt.datetime.fromisoformat(slide["start"]) if slide.get("start") else None
            rows.append(_row(slide, start, picture, states))
        return doc, tuple(rows), file_time(path.stat().st_mtime, tz, now.timestamp())
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None


def _first_play(plays: PlayLog, version: str, tz: dt.tzinfo) -> str:
    """When the player first reported playing this version (its proof-of-play log), "" when it has not."""
    times = [shown for shown, rec in plays if rec.get("version") == version]
    return f"{min(times).astimezone(tz):%Y-%m-%d %H:%M:%S}" if times else ""
