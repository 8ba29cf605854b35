"""Load config.yaml into a `Campaign`, reporting every problem with file:line and key.

This module reads the campaign's own sections (its dates and time zone, where its files are, the
console's address; who runs it and its brand are read by `config_identity`) and holds what every channel's section shares (`common_channel`,
read by each channel kind); the other sections have their own readers: `config_calendar` (key dates,
reminders, pins, coverage), `config_posters` (posters) and `config_operations` (notifications, units,
review, lint, daemon).
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from ..channels.kinds import kinds
from ..support import redact
from ..support.errors import ConfigError
from . import config_calendar, config_identity, config_operations, config_posters
from .campaign import Campaign, ChannelConfig, Paths, WebConfig
from .config_identity import URL_RE
from .dates_written import example_day
from .located_yaml import Mapping, YamlSyntaxError, load
from .readers import Reader, under

TOP_KEYS = (
    "campaign",
    "key_dates",
    "brand",
    "posters",
    "channels",
    "notifications",
    "reminders",
    "pins",
    "coverage",
    "lint",
    "paths",
    "database",
    "review",
    "web",
    "units",
    "daemon",
)
SIZE_RE = re.compile(r"^(\d{2,5})[x×X*](\d{2,5})$")
MAX_SIDE = 30000  # pixels, either side of a screen or poster
# pixels of a screen or of a poster of a size given as WxH: an A2 sheet at 300 dpi (4961x7016) or an 8K wall
# (7680x4320) fits, and drawing it takes about 450 MB; 30000x30000 would take gigabytes (the banner has its own cap)
MAX_AREA = 40_000_000


def area_too_big(width: int, height: int) -> str:
    """Why a screen or poster of this pixel size cannot be drawn ("" when it can), in Chinese."""
    if width * height <= MAX_AREA:
        return ""
    return f"{width}×{height} 共 {width * height // 10_000} 万像素，超过了 {MAX_AREA // 10_000} 万像素的上限（画这么大的图要占用大量内存）"


HOURS_RE = re.compile(r"^(\d{1,2}:\d{2})\s*[-–~]\s*(\d{1,2}:\d{2})$")
ID_RE = re.compile(r"^[a-z0-9][a-z0-9-]*$")
MAX_CAMPAIGN_DAYS = 366  # a campaign (a quality month, at most a year of activities) is planned slot by slot
DEFAULT_STATE = ".qm"  # paths.state when the config names none, next to the config file


def load_campaign(path: Path) -> Campaign:
    """Read and validate a campaign config; raise ConfigError listing every problem found."""
    path = Path(path)
    source = str(path)
    try:
        data = load(path, source)
    except YamlSyntaxError as exc:
        raise ConfigError(problems=[exc.problem]) from exc
    if data is None:
        raise ConfigError(
            f"{source}：配置文件是空的（可以复制 qm 自带的 config.yaml 再按本次活动修改，各项的写法见 qm 的 docs/guide/config.md）"
        )
    if not isinstance(data, Mapping):
        raise ConfigError(f"{source}：配置文件应当是一个映射（键: 值），请参考 qm 的 docs/guide/config.md")
    r = Reader()
    campaign = _campaign(r, data, path)
    if r.problems:
        raise ConfigError(f"配置文件 {source} 有 {len(r.problems)} 个问题", r.problems)
    assert campaign is not None
    return campaign


def _campaign(r: Reader, data: Mapping, path: Path) -> Campaign | None:
    r.keys(data, "", TOP_KEYS)
    base = path.parent
    c = r.section(data, "campaign", "")
    kd = r.section(data, "key_dates", "")
    if c is None or kd is None:
        return None
    r.keys(
        c,
        "campaign",
        ("name", "organizer", "organizer_short", "co_organizers", "theme", "start", "end", "timezone", "hotline", "contacts", "level"),
    )
    start, end = r.date(c, "start", "campaign"), r.date(c, "end", "campaign")
    r.example_day = example_day(start, end) if start and end else start  # key dates and the rest: shown a day of this campaign
    if start and end and end < start:
        r.problem(c.where("end"), "活动结束日期早于开始日期", "检查 campaign.start 和 campaign.end")
    elif start and end and (end - start).days + 1 > MAX_CAMPAIGN_DAYS:
        days = (end - start).days + 1
        r.problem(
            c.where("end"),
            f"活动期 {start} 至 {end} 共 {days} 天，超过 {MAX_CAMPAIGN_DAYS} 天的上限",
            "“质量月”活动一般为一个月：检查 campaign.end 的年份和月份",
        )
        end = None  # nothing further is checked (or planned) over such a span
    tz_name = r.text(c, "timezone", "campaign", "Asia/Shanghai")
    try:
        tz = ZoneInfo(tz_name)
    except (ZoneInfoNotFoundError, ValueError):
        r.problem(c.where("timezone"), f"未知时区 {tz_name!r}", "一般写 Asia/Shanghai")
        tz = ZoneInfo("Asia/Shanghai")
    key_dates = config_calendar.key_dates(r, kd, start, end)
    paths = _paths(r, data, base)
    channels = r.section(data, "channels", "")
    configured: list[ChannelConfig] = []
    if channels is not None:
        known = kinds()  # the registry: every kind a section of `channels:` may configure
        r.keys(channels, "channels", tuple(k.section for k in known))
        window = (start, end) if start and end else None
        for kind in known:
            configured += kind.read(r, channels, window)
        if not configured:
            r.problem(channels.where(), "没有启用任何渠道", f"至少配置 {'、'.join(k.section for k in known)} 之一")
    rest = {  # read even when something above is wrong, so that every problem is reported at once
        **config_identity.identity(r, c, data, base),
        "posters": config_posters.posters(r, data, base),
        "notifiers": config_operations.notifiers(r, data),
        "pins": config_calendar.pins(r, data),
        "units": config_operations.units(r, data),
        "reminders": config_calendar.reminders(r, data),
        "lint": config_operations.lint(r, data, base),
        "coverage": config_calendar.coverage(r, data),
        "database_url": config_operations.database(r, data, base),
        "review": config_operations.review(r, data),
        "web": _web(r, data),
        "daemon": config_operations.daemon(r, data),
    }
    if start is None or end is None or key_dates is None or paths is None:
        return None
    return Campaign(
        start=start,
        end=end,
        timezone=tz,
        key_dates=key_dates,
        channels=tuple(configured),
        paths=paths,
        config_path=path,
        **rest,  # type: ignore[arg-type]
    )


def _paths(r: Reader, data: Mapping, base: Path) -> Paths | None:
    p = r.section(data, "paths", "", required=False)
    if p is None:
        p = Mapping()
        p.source, p.line, p.key_lines = data.source, data.line, {}
    r.keys(p, "paths", ("content", "templates", "posters", "state", "submissions"))
    content = under(base, r.text(p, "content", "paths", "content"))
    templates = under(base, r.text(p, "templates", "paths", "templates"))
    if not content.is_dir():
        r.problem(p.where("content"), f"内容库目录不存在：{content}", "检查 paths.content")
    if not templates.is_dir():
        r.problem(p.where("templates"), f"模板目录不存在：{templates}", "检查 paths.templates")
    return Paths(
        content=content,
        templates=templates,
        posters=under(base, r.text(p, "posters", "paths", "posters")),
        state=under(base, r.text(p, "state", "paths", DEFAULT_STATE)),
        submissions=under(base, r.text(p, "submissions", "paths")) if "submissions" in p else None,
    )


COMMON_CHANNEL_KEYS = ("publisher", "times", "dates", "auto_approve", "grace_minutes")


def common_channel(
    r: Reader, m: Mapping, path: str, window: tuple[dt.date, dt.date] | None, default_times: tuple[dt.time, ...] = ()
) -> dict[str, object]:
    """What every channel's section has (`COMMON_CHANNEL_KEYS`), read and checked: for any kind's reader."""
    times = r.times(m, "times", path, required=not default_times) or default_times
    if m.get("times") == [] and not times:  # an invalid or missing time is reported by the reader already
        r.problem(m.where("times"), f"{path}.times 不能为空", '例如 times: ["20:00"]')
    dates = None
    if "dates" in m:
        seq = r.seq(m, "dates", path)
        parsed = []
        for i in range(len(seq)):
            d = r.date(seq_item(seq, i), "v", f"{path}.dates[{i}]")
            if d and window and not window[0] <= d <= window[1]:
                r.problem(seq.where(i), f"{path}.dates 中的 {d} 不在活动期内", f"活动期为 {window[0]} 至 {window[1]}")
            elif d:
                parsed.append(d)
        dates = tuple(sorted(set(parsed)))
    return {
        "times": times,
        "dates": dates,
        "publisher": r.choice(m, "publisher", path, ("outbox", "api"), "outbox"),
        "auto_approve": r.flag(m, "auto_approve", path, False),
        "grace_minutes": r.integer(m, "grace_minutes", path, 120, lo=0, hi=24 * 60),
    }


def seq_item(seq: list[object], i: int) -> Mapping:
    """Wrap one list element as {"v": element} so the scalar readers can check it."""
    wrapped = Mapping({"v": seq[i]})
    wrapped.source = getattr(seq, "source", "")
    wrapped.line = seq.line_of(i) if hasattr(seq, "line_of") else 0
    wrapped.key_lines = {"v": wrapped.line}
    return wrapped


def _web(r: Reader, data: Mapping) -> WebConfig:
    m = r.section(data, "web", "", required=False)
    if m is None:
        return WebConfig()
    r.keys(m, "web", ("public_url", "session_idle_minutes", "trusted_proxies"))
    url = r.text(m, "public_url", "web", "").rstrip("/")
    if url and not URL_RE.match(url):
        r.problem(m.where("public_url"), f"web.public_url 不是网址：{url!r}", "写作 http://192.168.1.20:8080（同事访问 qm web 的地址）")
    redact.register_host(url)  # `http://qm-web:8080/p@x` in a message is this host's path, not a user and password
    idle = r.integer(m, "session_idle_minutes", "web", 30, lo=5, hi=24 * 60)
    return WebConfig(public_url=url, session_idle_minutes=idle, trusted_proxies=_proxies(r, m))


def _proxies(r: Reader, m: Mapping) -> tuple[str, ...]:
    """web.trusted_proxies: the reverse proxies whose X-Forwarded-For names the client, as IP addresses or networks."""
    import ipaddress

    listed = r.seq(m, "trusted_proxies", "web")
    out = []
    for i, value in enumerate(listed):
        text = str(value).strip()
        try:
            out.append(str(ipaddress.ip_network(text, strict=False) if "/" in text else ipaddress.ip_address(text)))
        except ValueError:
            hint = "写反向代理的 IP 地址或网段，如 127.0.0.1 或 10.0.0.0/8；不能写 * 或主机名（那样谁都能在请求里冒充别的地址）"
            r.problem(listed.where(i), f"web.trusted_proxies 的第 {i + 1} 项不是 IP 地址或网段：{text!r}", hint)
    return tuple(out)
