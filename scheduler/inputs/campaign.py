"""The campaign as the rest of qm sees it: plain, validated, immutable data loaded from config.yaml."""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, cast
from zoneinfo import ZoneInfo

from .dates_written import example_day
from .poster_settings import Brand, PosterConfig

if TYPE_CHECKING:  # each kind's settings live in its package (channels/<kind>/config.py)
    from ..channels.screen.config import ScreenConfig
    from ..channels.wechat.config import WeChatConfig
    from ..channels.weibo.config import WeiboConfig

WEEKDAYS = "一二三四五六日"


def day_with_weekday(day: dt.date) -> str:
    """9月7日 星期二: how the posters page and the plan's month grid name a day."""
    return f"{day.month}月{day.day}日 星期{WEEKDAYS[day.weekday()]}"


@dataclass(frozen=True)
class Contact:
    name: str
    office: str = ""
    phone: str = ""
    email: str = ""


@dataclass(frozen=True)
class KeyDates:
    launch: dt.date
    county_plans_due: dt.date
    summary_due: dt.date
    launch_time: dt.time = dt.time(9, 0)
    launch_venue: str = ""  # where the launch event is held, e.g. 中央大街广场


@dataclass(frozen=True)
class ChannelConfig:
    """What every publishing channel has: when it posts and how its posts are reviewed."""

    name: str  # "wechat", "weibo", "screen:<id>"
    times: tuple[dt.time, ...]
    dates: tuple[dt.date, ...] | None = None  # None: every day of the window
    publisher: str = "outbox"  # outbox | api
    auto_approve: bool = False
    grace_minutes: int = 120
    per_slot: int = 1  # items shown per slot time (screens feature several items a day)

    @property
    def kind(self) -> str:
        return self.name.split(":", 1)[0]

    @property
    def method(self) -> str:
        """How its posts go out: the publisher and, for another than the outbox, the mode it calls the platform in
        (where the kind has one). An attempt's receipt means something only to the method that made it
        (`publishing.maybe_sent.switched`)."""
        mode = getattr(self, "mode", "")
        return f"{self.publisher}:{mode}" if mode and self.publisher != "outbox" else self.publisher


@dataclass(frozen=True)
class Notifier:
    name: str
    kind: str  # wecom | dingtalk
    webhook_env: str
    secret_env: str = ""
    events: tuple[str, ...] = ("failure", "approval", "reminder", "assisted")
    where: str = field(default="", compare=False)  # config.yaml:line of its webhook_env, for messages


@dataclass(frozen=True)
class Unit:
    """A participating unit (区县、成员单位) that sends the office its plan and summary."""

    name: str  # also its folder under the submissions folder
    contact: str = ""
    phone: str = ""
    webhook_env: str = ""  # its group robot's webhook, for reminders (the address itself is a secret)
    kind: str = "wecom"  # wecom | dingtalk


@dataclass(frozen=True)
class Pin:
    item: str
    channel: str
    date: dt.date
    time: dt.time | None
    where: str  # file:line, for messages
    date_where: str = ""  # file:line of its date (what to change when the launch moved): `where` when not known


@dataclass(frozen=True)
class Reminders:
    time: dt.time = dt.time(9, 0)
    county_plans_due: tuple[int, ...] = (3, 1, 0)  # days before
    summary_due: tuple[int, ...] = (7, 3, 1, 0)
    launch: tuple[int, ...] = (3, 1)


@dataclass(frozen=True)
class LintConfig:
    sensitive_words: tuple[str, ...] = ()
    absolute_terms_extra: tuple[str, ...] = ()
    words_file: Path | None = field(default=None, repr=False)  # where sensitive_words were read from (the console watches it)


ROLES = ("editor", "reviewer", "admin")  # each may do what the ones before it may
ROLE_LABELS = {"editor": "编辑", "reviewer": "审核人", "admin": "管理员"}


def role_needed(role: str) -> str:
    """What an action asks of a person, in words: "审核人或更高的角色", or for the highest role "管理员角色"."""
    return f"{ROLE_LABELS[role]}{'角色' if role == ROLES[-1] else '或更高的角色'}"


@dataclass(frozen=True)
class Stage:
    name: str  # 初审, 终审 …
    role: str  # the least role that may pass it


@dataclass(frozen=True)
class ReviewConfig:
    """Review in stages (三审): a post is approved once every stage passed, in order."""

    stages: tuple[Stage, ...] = (Stage("审核", "reviewer"),)
    same_person: bool = False  # may one person pass two stages of the same post?


@dataclass(frozen=True)
class DaemonConfig:
    """How `qm daemon` runs. On PostgreSQL, a standby takes over within `lease_timeout` seconds of the
    active daemon dying, being cut off (the lease's TCP keepalives give up on a silent peer then) or freezing
    (the server ends a lease session silent that long: `runtime.lease.PgLease`)."""

    lease_timeout: float = 30.0


@dataclass(frozen=True)
class WebConfig:
    public_url: str = ""  # how staff reach `qm web`, for links in notifications ("" = no links)
    session_idle_minutes: int = 30
    trusted_proxies: tuple[str, ...] = ()  # reverse proxies in front of it: their X-Forwarded-For names the client


@dataclass(frozen=True)
class Coverage:
    """Topics the month must cover: each at least `times` posts over all channels together."""

    topics: tuple[str, ...] = ()
    times: int = 1
    where: str = ""  # config file:line, for messages


@dataclass(frozen=True)
class Paths:
    content: Path
    templates: Path
    posters: Path
    state: Path
    submissions: Path | None = None  # units' files; default <state>/submissions


@dataclass(frozen=True)
class Campaign:
    name: str
    organizer: str
    theme: str
    start: dt.date
    end: dt.date
    timezone: ZoneInfo
    hotline: str
    key_dates: KeyDates
    paths: Paths
    config_path: Path
    co_organizers: tuple[str, ...] = ()
    level: str = "市"  # the place word content says 全市 / 全县 / 全区 / 全旗 with (campaign.level, or from the organizer's name)
    organizer_short: str = ""  # printed where the organizer's full name does not fit (a screen's footer); "" = none
    contacts: tuple[Contact, ...] = ()
    brand: Brand = field(default_factory=Brand)
    posters: PosterConfig = field(default_factory=PosterConfig)
    channels: tuple[ChannelConfig, ...] = ()  # every configured channel, of any registered kind (channels/kinds/)
    notifiers: tuple[Notifier, ...] = ()
    pins: tuple[Pin, ...] = ()
    units: tuple[Unit, ...] = ()
    reminders: Reminders = field(default_factory=Reminders)
    lint: LintConfig = field(default_factory=LintConfig)
    coverage: Coverage = field(default_factory=Coverage)
    database_url: str = ""
    review: ReviewConfig = field(default_factory=ReviewConfig)
    web: WebConfig = field(default_factory=WebConfig)
    daemon: DaemonConfig = field(default_factory=DaemonConfig)

    def channel(self, name: str) -> ChannelConfig | None:
        return next((c for c in self.channels if c.name == name), None)

    def with_channels(self, *changed: ChannelConfig) -> Campaign:
        """The campaign with these channels in place of the configured ones of the same name (added if new)."""
        by_name = {c.name: c for c in changed}
        kept = tuple(by_name.pop(c.name, c) for c in self.channels)
        return dataclasses.replace(self, channels=(*kept, *by_name.values()))

    # Typed views for what only one kind has (WeChat's statistics and quotas, Weibo's token, the
    # screens' playlists). Rendering, checks, previews and publishing go through the registry instead.
    @property
    def wechat(self) -> WeChatConfig | None:
        return next((cast("WeChatConfig", c) for c in self.channels if c.kind == "wechat"), None)

    @property
    def weibo(self) -> WeiboConfig | None:
        return next((cast("WeiboConfig", c) for c in self.channels if c.kind == "weibo"), None)

    @property
    def screens(self) -> tuple[ScreenConfig, ...]:
        return tuple(cast("ScreenConfig", c) for c in self.channels if c.kind == "screen")

    def days(self) -> list[dt.date]:
        count = (self.end - self.start).days + 1
        return [self.start + dt.timedelta(days=i) for i in range(count)]

    def at(self, day: dt.date, time: dt.time) -> dt.datetime:
        """A wall-clock time in the campaign's timezone."""
        return dt.datetime.combine(day, time, tzinfo=self.timezone)

    @property
    def launch_label(self) -> str:
        """When the launch event is, as staff write it: 9月8日（星期三）09:00."""
        v = self.text_values
        return f"{v['launch_date']}（{v['launch_weekday']}）{v['launch_time']}"

    @property
    def submissions_dir(self) -> Path:
        return self.paths.submissions or self.paths.state / "submissions"

    @property
    def launch_start(self) -> dt.datetime:
        """When the launch event begins: posts before it invite, posts after it report."""
        return self.at(self.key_dates.launch, self.key_dates.launch_time)

    @property
    def example_day(self) -> dt.date:
        """A day of this campaign, to show how a date is written (2016-09-08 for a 2016 campaign)."""
        return example_day(self.start, self.end)

    @property
    def text_values(self) -> dict[str, str]:
        """The campaign's facts that content and poster texts may quote by name ({{ hotline }}, {hotline})."""
        launch = self.key_dates.launch
        return {
            "campaign": self.name,
            "theme": self.theme,
            "organizer": self.organizer,
            "hotline": self.hotline,
            "launch_date": f"{launch.month}月{launch.day}日",
            "launch_weekday": f"星期{WEEKDAYS[launch.weekday()]}",
            "launch_time": f"{self.key_dates.launch_time:%H:%M}",
            "launch_daypart": _daypart(self.key_dates.launch_time),
            "launch_venue": self.key_dates.launch_venue or "活动现场",  # until the venue is set in config
            "year": str(self.start.year),
            "level": self.level,
            "people": PEOPLE.get(self.level, "市民"),
        }

    @property
    def db_url(self) -> str:
        return self.database_url or f"sqlite:///{self.paths.state / 'qm.sqlite3'}"


PEOPLE = {"市": "市民", "县": "群众", "区": "居民", "旗": "群众"}  # who content addresses: {{ people }}


def _daypart(time: dt.time) -> str:
    """上午 / 下午 / 晚上: how a report says when the event was ("今天上午……举行")."""
    return "上午" if time.hour < 12 else "下午" if time.hour < 18 else "晚上"
