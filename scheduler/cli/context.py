"""What a command works on, loaded once and only when asked for."""

from __future__ import annotations

import argparse
import datetime as dt
import os
from collections.abc import Callable
from contextlib import AbstractContextManager
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

from ..inputs.campaign import Campaign
from ..inputs.config import DEFAULT_STATE, load_campaign
from ..inputs.dates_written import example_day, typed_day, typed_error
from ..runtime.rehearsal import now_in, now_seconds, refuse_on_live, show_example
from ..support.errors import ContentError, InputError, PlanError, QmError

if TYPE_CHECKING:  # imported only by commands that use them (start-up time): `qm check` answered
    from jinja2 import BytecodeCache
    from sqlalchemy.engine import Engine  # from its cache reads the config only

    from ..inputs.content import Library
    from ..planning.kept import Kept
    from ..planning.planner import Plan
    from ..publishing.queue import Queue
    from ..publishing.sync_post import SyncResult
    from ..rendering.payloads import Renderer
    from ..screens.slogan_check import Checked
    from .check_parts import Parts


class Context:
    def __init__(self, config_path: Path, from_env: bool = False) -> None:
        self.config_path = config_path
        self.from_env = from_env  # the path is QM_CONFIG's: a missing file is fixed there
        self.compiled_templates: Callable[[], BytecodeCache | None] | None = None  # where the renderer keeps compiled templates
        self.refreshed: SyncResult | None = None  # what the last refresh of the queue (`filled_queue`) did
        self.parts: Parts | None = None  # `qm check`'s verdicts on parts: they keep its plan

    @cached_property
    def campaign(self) -> Campaign:
        from ..inputs.parse_cache import CONFIG_FILE, ParseCache, active

        if not self.config_path.exists():
            if self.from_env:
                raise InputError(
                    f"找不到配置文件 {self.config_path}（这个路径来自环境变量 QM_CONFIG：改正或删除 QM_CONFIG，或用 -c 指定配置文件）"
                )
            raise InputError(not_found(self.config_path))
        # Parsed YAML is kept in the state folder, which the config names: the config's own parse is
        # looked for, and kept, only where that folder is by default.
        cache = ParseCache(Path(os.path.normpath(self.config_path.parent / DEFAULT_STATE)) / CONFIG_FILE)
        with active(cache, save=False):
            campaign = load_campaign(self.config_path)
        if cache.path == campaign.paths.state / CONFIG_FILE:
            cache.save()
        show_example(campaign.at(campaign.example_day, dt.time(9)))  # a malformed QM_NOW is shown a day of it
        return campaign

    @cached_property
    def code(self) -> str:
        """qm's code identity (`check_cache.code_identity`), read once per command."""
        from .check_cache import code_identity

        return code_identity()

    @cached_property
    def library(self) -> Library:
        """The content library; ContentError unless every file loads, saying why one file stops the command."""
        try:
            return self.readable_library.whole(self.campaign.paths.content)
        except ContentError as exc:
            exc.after = WHOLE_LIBRARY
            raise

    @cached_property
    def readable_library(self) -> Library:
        """The items that load, and the problems of the files that do not (`read_library`), read once: `library`
        is it when whole; commands that still serve the rest, as `qm queue` does, take it as it is."""
        from ..inputs.content import read_library
        from ..inputs.parse_cache import CONTENT_FILE, ParseCache, active

        with active(ParseCache(self.campaign.paths.state / CONTENT_FILE)):
            return read_library(self.campaign.paths.content, self.campaign.text_values, self.campaign.example_day)

    @cached_property
    def slogans(self) -> Checked:
        """The library's slogans `qm check` reports, checked once per command (and per daemon round, which
        reads a fresh context): the playlists rotate from its `library`, whoever reports says its `refused`."""
        from ..screens.slogan_check import checked

        return checked(self.campaign, self.library)

    def parsed_layouts(self) -> AbstractContextManager[object]:
        """Inside it, poster layouts are read with their parsed YAML kept in the state folder."""
        from ..inputs.parse_cache import LAYOUTS_FILE, ParseCache, active

        return active(ParseCache(self.campaign.paths.state / LAYOUTS_FILE))

    @cached_property
    def plan(self) -> Plan:
        from ..planning.plan_checks import check_pins
        from ..planning.planner import make_plan

        problems = check_pins(self.campaign, self.library)
        if problems:
            raise PlanError(problems=problems)

        def make() -> Plan:
            return make_plan(self.campaign, self.library, self.kept)

        return self.parts.plan(self.library, self.kept, make) if self.parts else make()

    @cached_property
    def kept(self) -> dict[str, Kept]:
        """The posts the queue already holds: the plan keeps their items (see the planner)."""
        from ..publishing.kept_posts import read_kept

        return read_kept(self.campaign.db_url, self.campaign.daemon.lease_timeout)

    @cached_property
    def renderer(self) -> Renderer:
        from ..rendering.payloads import Renderer  # jinja2 and the CSS inliner: only for commands that render posts

        renderer = Renderer(self.campaign)
        renderer.env.bytecode_cache = self.compiled_templates() if self.compiled_templates else None
        return renderer

    @cached_property
    def engine(self) -> Engine:
        """The queue database, migrated to the latest schema; refused (`campaign_identity`) when it holds
        another campaign than the config's, before any command writes to it."""
        from ..publishing.campaign_identity import claim
        from ..publishing.db import open_db

        engine = open_db(self.campaign.db_url, lease_timeout=self.campaign.daemon.lease_timeout)
        try:
            claim(engine, self.campaign, self.clock())
        except BaseException:
            engine.dispose()
            raise
        return engine

    def close(self) -> None:
        """Let go of the database at the end of a command, as the process's exit would: a command run
        inside another process (the tests, the waiting check) must not leave its last connection to be
        closed whenever the garbage collector gets to it, which folds SQLite's log into the file then."""
        if "engine" in vars(self):
            self.engine.dispose()

    def filled_queue(self) -> Queue:
        """The publishing queue, first brought in line with the current config and content (today on).

        Refused on the rehearsal clock on the live database (`refuse_on_live`): the fill plans from the
        rehearsal's day, auto-approves, cancels and records all of it at the rehearsal's moment."""
        from ..publishing.queue import Queue
        from ..publishing.queue_sync import fill
        from ..rendering.version_cache import FILE, VersionCache

        refuse_on_live(self.engine, REFILL)
        queue = Queue(self.engine)
        self.refreshed = fill(
            queue, self.campaign, self.plan, self.renderer, self.clock(), versions=VersionCache(self.campaign.paths.state / FILE)
        )
        return queue

    def clock(self) -> float:
        """The time, as `time.time()`: the rehearsal clock's when QM_NOW is set (runtime/rehearsal.py)."""
        return now_seconds()

    def now(self) -> dt.datetime:
        return now_in(self.campaign.timezone)

    def today(self) -> dt.date:
        return self.now().date()


def not_found(path: Path) -> str:
    """The missing config, the folder searched for it and, when the folder above (or one below) has a file of that
    name, how to get there: staff run qm in the wrong folder more often than they lose the file. A cd only when
    the folder searched is the current one (-c naming another folder: the -c that names the file found)."""
    from ..support.commands import shell_word, shown_path

    folder = Path(os.path.abspath(path.parent))
    here = folder == Path(os.path.abspath(os.curdir))
    said = f"找不到配置文件 {path}（在目录 {folder} 里找过）"
    if not folder.is_dir():  # a mistyped -c: the folders around one that is not there say nothing of what was meant
        return f"找不到配置文件 {path}：目录 {folder} 不存在，检查 -c 给的路径"
    for up, above in enumerate(folder.parents[:3], 1):
        if (above / path.name).is_file():
            back, found = "/".join([".."] * up), shown_path(above / path.name)
            how = f"先 cd {back} 再运行（或用 -c {found}）" if here else f"用 -c {found}"
            return f"{said}：上{'一两三'[up - 1]}级目录 {above} 里有 {path.name}，{how}"
    try:
        below = sorted(d.name for d in folder.iterdir() if (d / path.name).is_file())
    except OSError:
        below = []
    if below:
        more = f"等 {len(below)} 个目录" if len(below) > 3 else ""
        found = shown_path(folder / below[0] / path.name)
        cd = f"cd {shell_word(below[0])}"
        how = (
            (f"先 {cd} 再运行" if len(below) == 1 else f"先 cd 到要用的那个目录再运行，如 {cd}")
            if here
            else f"用 -c {found}"
            if len(below) == 1
            else f"用 -c 指定要用的那个，如 -c {found}"
        )
        return f"{said}：这个目录下的 {'、'.join(below[:3])}{more} 里有 {path.name}，{how}"
    if not here:
        return f"{said}：检查 -c 给的路径，或先 cd 到活动目录（qm init 新建的那个）再运行"
    return f"{said}：先 cd 到活动目录（qm init 新建的那个）再运行，或用 -c 指定配置文件，或设置环境变量 QM_CONFIG"


WHOLE_LIBRARY = (
    "说明：排期按整个内容库安排每条内容的日期，少了一条，别的内容的日期也会跟着变，所以有文件读不出来时排不出排期，"
    "用到排期和内容库的命令都要等改好再运行。如果后台服务已经在运行，它照常发布队列里已有的内容；没有运行的，改好后再启动。"
)
REFILL = "刷新发布队列（qm queue、qm screen build、qm build 都先按演练的日期刷新队列，自动审核、排入和取消内容）"


# How a date option's help shows a day. --help reads no config, so the example cannot be a day of the
# campaign; it says the year is the campaign's, so that staff of a 2016 campaign do not copy 2027.
DAY_EXAMPLE = "如 2027-09-08，年份写活动所在的年"


def parse_day(text: str) -> dt.date:
    """argparse type for dates; the message says what is wrong (format, or the month's length), with
    a day of the named config's campaign as the example."""
    day, written = typed_day(text)  # 2027-9-8, 2027/9/8 and 2027年9月8日 as well
    if day is None:
        raise argparse.ArgumentTypeError(f"{text} 不是有效日期：{typed_error(text, written, _campaign_day())}")
    return day


def _campaign_day() -> dt.date | None:
    """A day of the campaign in the config named on the command line; None when it cannot be read."""
    from .main import NAMED

    try:
        campaign = load_campaign(NAMED["config"])
    except (KeyError, QmError, OSError):
        return None
    return example_day(campaign.start, campaign.end)
