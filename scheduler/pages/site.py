"""What each console page shows, gathered from the campaign, the plan and the queue: the values its template needs.

`Site` keeps the loaded library, plan and renderer (and the check results per post version) between
requests; `reload` after a content edit. Each `*_values` method returns the template's values, so
the web layer only adds the user, the CSRF token and the response.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any
from urllib.parse import quote

from ..channels.kinds import label_of
from ..inputs.campaign import Campaign
from ..inputs.content import Library, load_library
from ..inputs.content_save import EditForm, open_form
from ..planning.planner import Plan, make_plan
from ..poster.freshness import unseen
from ..publishing import states as st
from ..publishing.kept_posts import read_kept
from ..publishing.queue import Post, Queue
from ..publishing.queue_sync import fill
from ..publishing.review_progress import live_passes, passes_of
from ..rendering.payloads import Renderer
from ..screens.slogan_check import Vetted, checked
from ..support.atomic_files import file_inside
from ..support.errors import QmError
from ..support.values import ImageRef
from ..views.daemon_status import gather, job_names
from ..views.day_preview import poster_file
from ..views.placeholder import placeholder_src
from .calendar import campaign_months, month_view, shown_span
from .day import DayPage, DayPost, day_view
from .edit import EditPage, SheetUse, edit_view, rejection
from .library import library_view
from .media import play_logs, played, posters
from .playlists import screen_playlists
from .poster_days import DAYS_OPEN, by_day
from .posts import STATE_LABELS, Checks, Entry, entries, window
from .status import status_view
from .times import went_out


@dataclass
class Site:
    campaign: Campaign
    queue: Queue
    clock: Callable[[], float] = time.time
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    _slogans: tuple[Library, Vetted] | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        self.renderer = Renderer(self.campaign)
        self.checks = Checks(self.campaign, self.renderer)
        self._seen = self._fingerprint()
        self.library, self.plan = self._load()
        self.problem = ""  # why the library on disk could not be read again, if it could not

    def _load(self) -> tuple[Library, Plan]:
        library = load_library(self.campaign.paths.content, self.campaign.text_values, self.campaign.example_day)
        return library, make_plan(self.campaign, library, read_kept(self.campaign.db_url))

    def _fingerprint(self) -> tuple[tuple[str, int], ...]:
        """Name and modification time of every content file: changes when anyone edits the library."""
        found = []
        for path in self.campaign.paths.content.rglob("*"):
            try:
                found.append((str(path), path.stat().st_mtime_ns))
            except OSError:
                continue
        return tuple(sorted(found))

    def reload(self) -> None:
        """Read the content library again (after an edit) and forget the check results."""
        seen = self._fingerprint()
        library, plan = self._load()
        with self._lock:
            self._seen, self.library, self.plan = seen, library, plan
            self.checks.forget()

    def refresh_queue(self) -> None:
        """Bring the queue in line with the library as now read (from today on), as the CLI's commands do before reading it."""
        fill(self.queue, self.campaign, self.plan, self.renderer, self.clock())

    def refill(self) -> None:
        """Read the library again and bring the queue in line with it: before sending a post again (重发), whose item
        may have been edited while it was publishing (the edit's refresh left it alone then)."""
        self.reload()
        self.refresh_queue()

    def ensure_fresh(self) -> None:
        """Reload when a content file changed since the library was read (an edit by hand or from another console).

        A library that no longer loads keeps the pages on the last one that did; `problem` says why (shown on every page).
        """
        seen = self._fingerprint()
        if seen == self._seen:
            return
        try:
            self.reload()
            self.refresh_queue()  # a file changed by hand: its posts go back to review as after any edit
        except QmError as exc:
            self._seen = seen
            self.problem = "内容库现在有问题，页面显示的是上次读取的内容：" + "；".join(exc.lines()) + "（改正后用 qm check 检查）"
        else:
            self.problem = ""

    # -- shared ----------------------------------------------------------------------------------

    def entries(self, start: dt.date, end: dt.date) -> list[Entry]:
        lo, hi = window(self.campaign, start, end)
        return entries(self.campaign, self.plan, self.library, self.queue.find(start=lo, end=hi), start, end)

    def unseen_pictures(self, post: Post) -> str:
        """Why the post may not be approved: a poster of it was drawn before its words changed ("" when none was)."""
        item, images = self.library.get(post.item), self.renderer.as_stored(post).images
        return unseen(self.campaign, post.id, item, images, self.checks.out_of_date(item, images))

    def redraw(self, post: Post) -> int:
        """Draw again the posters of the post drawn before its words changed; how many. Pillow loads only here."""
        from ..poster import ensure

        item = self.library.get(post.item)
        if item is None:
            return 0
        old = self.checks.out_of_date(item, self.renderer.as_stored(post).images)
        for image in old:
            ensure(self.campaign, item, image)
        return len(old)

    def image_src(self, image: ImageRef) -> str:
        path = poster_file(self.campaign, image)
        if path is None:
            item = self.library.get(image.item)
            return placeholder_src(self.campaign, image, item.area if item is not None else "")
        return "/posters/file/" + quote(path.relative_to(self.campaign.paths.posters).as_posix())

    def default_month(self, today: dt.date) -> dt.date:
        months = campaign_months(self.campaign)
        first = today.replace(day=1)
        return first if first in months else self.campaign.start.replace(day=1)

    # -- pages -----------------------------------------------------------------------------------

    def month_values(self, first: dt.date, today: dt.date) -> dict[str, Any]:
        start, end = shown_span(first)
        found = self.entries(start, end)
        if len(self.campaign.review.stages) > 1:  # halfway through review: a dot of its own
            waiting = [e.queued for e in found if e.queued is not None and e.queued.state == st.PLANNED]
            progress = {i: live_passes(self.campaign.review, done) for i, done in passes_of(self.queue, waiting).items()}
            found = [replace(e, passed=progress[e.id][-1].name) if progress.get(e.id) else e for e in found]
        month = month_view(self.campaign, first, found, self.checks.problems, today, STATE_LABELS)
        return {"title": month.title, "month": month}

    def day_values(self, day: dt.date) -> dict[str, Any]:
        page: DayPage = day_view(self.campaign, self.plan, day, self.entries(day, day), self.checks, self.queue, self.image_src)
        return {"title": page.title, "page": page, "back": f"/day/{day.isoformat()}", "no_font": self.checks.no_font_notice()}

    def post(self, post_id: str) -> DayPost | None:
        queued = self.queue.get(post_id)
        planned = next((p for p in self.plan.posts if p.id == post_id), None)
        if planned is not None:
            day = planned.at.date()
        elif queued is not None:
            day = queued.when(self.campaign.timezone).date()
        else:
            return None
        found = [e for e in self.entries(day, day) if e.id == post_id]
        page = day_view(self.campaign, self.plan, day, found, self.checks, self.queue, self.image_src)
        return page.posts[0] if page.posts else None

    def post_values(self, post_id: str) -> dict[str, Any] | None:
        p = self.post(post_id)
        if p is None:
            return None
        queued = p.entry.queued
        receipt = queued.receipt if queued else None
        url = receipt.url if receipt and receipt.url.startswith(("https://", "http://")) else ""
        times = went_out(self.queue.engine, queued, self.campaign.timezone) if queued else None
        back = f"/post/{quote(post_id)}"
        return {"title": p.entry.id, "p": p, "receipt_url": url, "went_out": times, "back": back, "no_font": self.checks.no_font_notice()}

    def edit_form(self, item_id: str) -> EditForm:
        return open_form(self.library, item_id, self.campaign.text_values, self.campaign.example_day)

    def edit_values(
        self, form: EditForm, values: dict[str, str] | None = None, messages: dict[str, list[str]] | None = None
    ) -> dict[str, Any]:
        uses = [p for p in self.plan.posts if p.item.id == form.item.id]
        days = sorted({p.at.date() for p in uses})
        used = [e for e in (self.entries(days[0], days[-1]) if days else []) if e.item is not None and e.item.id == form.item.id]
        moves = self.queue.last_moves([e.id for e in used if e.state == st.REJECTED], st.REJECTED)
        said = tuple(
            rejection(m, self.campaign.timezone, [s.name for s in self.campaign.review.stages]) for e in used if (m := moves.get(e.id))
        )
        redraw = tuple(e.id for e in used if e.queued is not None and self.checks.stale(e))
        source = _relative(form.path, self.campaign.paths.content)
        page: EditPage = edit_view(form, source, used, values, messages, said, redraw, self._sheets_of(form.item.id))
        return {"title": f"修改 {form.item.title}", "page": page}

    def _sheets_of(self, item_id: str) -> tuple[SheetUse, ...]:
        """The print sheets in posters/print that print the item (those whose items are known)."""
        from ..views.print_standing import SIGNED, read

        found = read(self.campaign, self.queue.engine, self.library)
        uses = (s for s in found if any(i == item_id for i, _ in s.sheet.items or ()))
        return tuple(SheetUse(s.name, s.said, s.outdated, s.state == SIGNED) for s in uses)

    def library_values(self, query: str) -> dict[str, Any]:
        page = library_view(self.library.items, self.plan.posts, query, lambda name: label_of(self.campaign, name))
        return {"title": "内容库", "page": page}

    def status_values(self, now: float) -> dict[str, Any]:
        channels = [(c.name, label_of(self.campaign, c.name)) for c in self.campaign.channels]
        names = job_names(self.campaign, self.plan.reminders)
        return {
            "title": "运行状态",
            "page": status_view(
                gather(self.queue.engine, now, names=names),
                self.campaign.timezone,
                channels,
                names,
                self.campaign.start.year,
            ),
        }

    def posters_values(self, first: dt.date, today: dt.date, only_stale: bool = False) -> dict[str, Any]:
        """The 海报 page of `first`'s month by day around `today`; `only_stale`: showing only the posters drawn
        before their words changed."""
        last = (first + dt.timedelta(days=32)).replace(day=1) - dt.timedelta(days=1)
        months = campaign_months(self.campaign)
        index = months.index(first) if first in months else -1
        cards = posters(self.campaign, self.entries(first, last), self.checks)
        return {
            "title": f"{first.year}年{first.month}月的海报",
            "heading": f"{first.year}年{first.month}月的海报",
            "cards": cards,
            "days": by_day([c for c in cards if c.stale or not only_stale], today),
            "days_open": DAYS_OPEN,
            "no_font": self.checks.no_font_notice(),
            "previous": months[index - 1] if index > 0 else None,
            "following": months[index + 1] if 0 <= index < len(months) - 1 else None,
            "only_stale": only_stale,
        }

    def screens_values(self, day: dt.date, now: dt.datetime) -> dict[str, Any]:
        """The 电子屏 page of `day`: each screen's playlist (`pages.playlists`) and what its player reported playing."""
        from ..screens.approved_days import days_states
        from ..screens.daily import approval, day_playlists, pause_states

        today, campaign, queue = now.date(), self.campaign, self.queue
        ahead = day >= today  # a past day is built from the plan as it was (`daily`), as `qm screen build` does
        states = days_states(campaign, self.plan, self.renderer, queue, day, day, today) if ahead else pause_states(queue)
        planned = None
        if campaign.start <= day <= campaign.end:
            (planned,) = day_playlists(campaign, self.plan, self._vetted(), [day], None, approval(states if ahead else {}, today))
        start, end = (campaign.at(d, dt.time()).timestamp() for d in (day, day + dt.timedelta(days=1)))
        found = {} if ahead else {p.id: p.state for p in queue.find(start=start, end=end)}  # ahead: `states` holds the day's
        logs = play_logs(campaign)  # read once: the day's plays and each playlist's first play
        playlists = screen_playlists(campaign, day, now, planned, {**found, **states}, self.image_src, logs)
        title = f"电子屏：{day.month}月{day.day}日的播放列表"
        days = {"day": day, "today": today, "previous": day - dt.timedelta(days=1), "following": day + dt.timedelta(days=1)}
        return {"title": title, **days, "playlists": playlists, "screens": played(campaign, day, logs)}

    def _vetted(self) -> Vetted:
        """The library the playlists rotate slogans from (`slogan_check`), checked once per library read."""
        library = self.library
        if self._slogans is None or self._slogans[0] is not library:
            self._slogans = (library, checked(self.campaign, library).library)
        return self._slogans[1]

    def poster_path(self, relative: str) -> Path | None:
        """A poster file named by its path under the posters folder; None (a 404) for anything else."""
        path = file_inside(self.campaign.paths.posters, relative)
        return path if path is not None and path.suffix in (".png", ".jpg") else None


def _relative(path: Path, root: Path) -> str:
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return path.name
