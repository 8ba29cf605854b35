"""Load config.yaml into a `Campaign`, reporting every problem with file:line and key."""

from __future__ import annotations

import datetime as dt
import difflib
import os
import re
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from ..channels.kinds import kinds
from ..support.errors import ConfigError
from .campaign import (
    POSTER_FAMILIES,
    ROLE_LABELS,
    ROLES,
    Brand,
    Campaign,
    ChannelConfig,
    Contact,
    Coverage,
    DaemonConfig,
    KeyDates,
    LintConfig,
    Notifier,
    Paths,
    Pin,
    PosterConfig,
    PrintSheet,
    Reminders,
    ReviewConfig,
    Stage,
    Unit,
    WebConfig,
)
from .located_yaml import Mapping, YamlSyntaxError, load
from .readers import Reader
from .vocabulary import AREAS, TOPICS

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
HOURS_RE = re.compile(r"^(\d{1,2}:\d{2})\s*[-–~]\s*(\d{1,2}:\d{2})$")
COLOR_RE = re.compile(r"^#[0-9A-Fa-f]{6}$")
ID_RE = re.compile(r"^[a-z0-9][a-z0-9-]*$")
URL_RE = re.compile(r"^https?://\S+$")
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
    if not isinstance(data, Mapping):
        raise ConfigError(f"{source}：配置文件应当是一个映射（键: 值），请参考 README 中的配置说明")
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
    r.keys(c, "campaign", ("name", "organizer", "co_organizers", "theme", "start", "end", "timezone", "hotline", "contacts"))
    start, end = r.date(c, "start", "campaign"), r.date(c, "end", "campaign")
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
    key_dates = _key_dates(r, kd, start, end)
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
        "name": r.text(c, "name", "campaign"),
        "organizer": r.text(c, "organizer", "campaign"),
        "co_organizers": r.texts(c, "co_organizers", "campaign"),
        "theme": r.text(c, "theme", "campaign"),
        "hotline": r.text(c, "hotline", "campaign"),
        "contacts": _contacts(r, c),
        "brand": _brand(r, data, base),
        "posters": _posters(r, data, base),
        "notifiers": _notifiers(r, data),
        "pins": _pins(r, data),
        "units": _units(r, data),
        "reminders": _reminders(r, data),
        "lint": _lint(r, data, base),
        "coverage": _coverage(r, data),
        "database_url": r.text(data, "database", "", ""),
        "review": _review(r, data),
        "web": _web(r, data),
        "daemon": _daemon(r, data),
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


def _key_dates(r: Reader, kd: Mapping, start: dt.date | None, end: dt.date | None) -> KeyDates | None:
    r.keys(kd, "key_dates", ("launch", "launch_time", "launch_venue", "county_plans_due", "summary_due"))
    launch = r.date(kd, "launch", "key_dates")
    plans = r.date(kd, "county_plans_due", "key_dates")
    summary = r.date(kd, "summary_due", "key_dates")
    launch_time = r.time(kd, "launch_time", "key_dates", dt.time(9, 0))
    if launch and start and end and not start <= launch <= end:
        r.problem(kd.where("launch"), f"启动日 {launch} 不在活动期 {start} 至 {end} 之内", "启动日必须在活动期内")
    if summary and end and summary < end:
        r.problem(kd.where("summary_due"), f"总结上报日期 {summary} 早于活动结束 {end}", "总结应在活动结束后上报")
    if plans and launch and plans < launch - dt.timedelta(days=60):
        r.problem(kd.where("county_plans_due"), "县区方案上报日期离启动日太远", "检查年份是否写错")
    if not (launch and plans and summary and launch_time):
        return None
    venue = r.text(kd, "launch_venue", "key_dates", "", max_len=30)
    return KeyDates(launch=launch, county_plans_due=plans, summary_due=summary, launch_time=launch_time, launch_venue=venue)


def _paths(r: Reader, data: Mapping, base: Path) -> Paths | None:
    p = r.section(data, "paths", "", required=False)
    if p is None:
        p = Mapping()
        p.source, p.line, p.key_lines = data.source, data.line, {}
    r.keys(p, "paths", ("content", "templates", "posters", "state", "submissions"))
    content = _under(base, r.text(p, "content", "paths", "content"))
    templates = _under(base, r.text(p, "templates", "paths", "templates"))
    if not content.is_dir():
        r.problem(p.where("content"), f"内容库目录不存在：{content}", "检查 paths.content")
    if not templates.is_dir():
        r.problem(p.where("templates"), f"模板目录不存在：{templates}", "检查 paths.templates")
    return Paths(
        content=content,
        templates=templates,
        posters=_under(base, r.text(p, "posters", "paths", "posters")),
        state=_under(base, r.text(p, "state", "paths", DEFAULT_STATE)),
        submissions=_under(base, r.text(p, "submissions", "paths")) if "submissions" in p else None,
    )


def _under(base: Path, relative: str) -> Path:
    """A path from the config, relative to the config's folder, without `a/../` detours."""
    return Path(os.path.normpath(base / relative))


def _contacts(r: Reader, c: Mapping) -> tuple[Contact, ...]:
    out = []
    for path, item in r.entries(c, "contacts", "campaign"):
        r.keys(item, path, ("name", "office", "phone", "email"))
        out.append(
            Contact(
                name=r.text(item, "name", path),
                office=r.text(item, "office", path, ""),
                phone=r.text(item, "phone", path, ""),
                email=r.text(item, "email", path, ""),
            )
        )
    return tuple(out)


def _brand(r: Reader, data: Mapping, base: Path) -> Brand:
    b = r.section(data, "brand", "", required=False)
    if b is None:
        return Brand()
    r.keys(b, "brand", ("primary", "secondary", "accent", "text", "background", "logo", "qr_link", "font"))
    colours = {}
    for key in ("primary", "secondary", "accent", "text", "background"):
        value = r.text(b, key, "brand", getattr(Brand, key))
        if not COLOR_RE.match(value):
            r.problem(b.where(key), f"brand.{key} 不是颜色值：{value!r}", "颜色写作 #C8102E")
        colours[key] = value
    logo = font = None
    if "logo" in b:
        logo = _under(base, r.text(b, "logo", "brand"))
        if not logo.is_file():
            r.problem(b.where("logo"), f"标志图片不存在：{logo}", "检查 brand.logo 的路径")
        elif (why := _not_image(logo)) is not None:
            r.problem(b.where("logo"), f"brand.logo 不是图片：{logo}（{why}）", "换成 PNG 或 JPG 图片")
    if "font" in b:
        font = _under(base, r.text(b, "font", "brand"))
        if not font.is_file():
            r.problem(b.where("font"), f"字体文件不存在：{font}", "检查 brand.font 的路径，或删去此项使用内置字体")
        elif (why := _not_font(font)) is not None:
            r.problem(
                b.where("font"), f"brand.font 不是字体文件：{font}（{why}）", "换成 .ttf、.otf 或 .ttc 字体文件，或删去此项使用内置字体"
            )
    qr = r.text(b, "qr_link", "brand", "")
    if qr and not URL_RE.match(qr):
        r.problem(b.where("qr_link"), f"brand.qr_link 不是网址：{qr!r}", "以 https:// 开头")
    return Brand(**colours, logo=logo, qr_link=qr, font=font)


def _not_image(path: Path) -> str | None:
    """Why a file cannot be used as a picture, or None; the whole image is decoded (a truncated one fails)."""
    from PIL import Image  # only configs with a logo pay for the import

    try:
        with Image.open(path) as img:
            img.load()
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombError) as exc:
        return "无法识别或已损坏" if not isinstance(exc, Image.DecompressionBombError) else "图片尺寸过大"
    return None


def _not_font(path: Path) -> str | None:
    """Why a file cannot be used as a font, or None."""
    from PIL import ImageFont

    try:
        ImageFont.truetype(str(path), 12)
    except (OSError, ValueError):
        return "无法作为字体读取"
    return None


def _posters(r: Reader, data: Mapping, base: Path) -> PosterConfig:
    m = r.section(data, "posters", "", required=False)
    if m is None:
        return PosterConfig()
    r.keys(m, "posters", ("banner", "print", "family", "families", "photo"))
    design = {"prints": _prints(r, m), **_families(r, m, base)}
    b = r.section(m, "banner", "posters", required=False)
    if b is None:
        return PosterConfig(**design)
    path = "posters.banner"
    r.keys(b, path, ("length", "height", "dpi"))
    length = r.number(b, "length", path, PosterConfig.banner_length, lo=0.5, hi=30)
    height = r.number(b, "height", path, PosterConfig.banner_height, lo=0.2, hi=3)
    dpi = r.integer(b, "dpi", path, PosterConfig.banner_dpi, lo=10, hi=300)
    if length * height * (dpi / 0.0254) ** 2 > 150e6:
        r.problem(
            b.where("dpi"),
            f"横幅 {length}×{height} 米在 {dpi} dpi 下超过 1.5 亿像素，无法生成",
            "降低 posters.banner.dpi（横幅通常 72 dpi 即可）",
        )
    if height >= length:
        r.problem(b.where("height"), "横幅的高度应小于长度", "length 是长度（米），height 是高度（米）")
    return PosterConfig(banner_length=length, banner_height=height, banner_dpi=dpi, **design)


def _families(r: Reader, m: Mapping, base: Path) -> dict[str, Any]:
    """posters.family (the campaign's poster family), posters.families (an area's own), posters.photo."""
    family = r.choice(m, "family", "posters", POSTER_FAMILIES, "red")
    families: list[tuple[str, str]] = []
    f = r.section(m, "families", "posters", required=False)
    if f is not None:
        r.keys(f, "posters.families", AREAS)
        families = [(area, r.choice(f, area, "posters.families", POSTER_FAMILIES)) for area in AREAS if area in f]
    photo = None
    if "photo" in m:
        photo = _under(base, r.text(m, "photo", "posters"))
        if not photo.is_file():
            r.problem(m.where("photo"), f"照片不存在：{photo}", "检查 posters.photo 的路径（JPG 或 PNG）")
    if photo is None and "photo" in {family, *(fam for _, fam in families)}:
        r.problem(
            m.where("family" if family == "photo" else "families"),
            "照片系列的海报需要一张照片",
            "在 posters.photo 写照片文件，如 photo: examples/photo/city.jpg",
        )
    return {"family": family, "families": tuple(families), "photo": photo}


def _prints(r: Reader, m: Mapping) -> tuple[PrintSheet, ...]:
    """posters.print: the print PDFs `qm posters` also makes (each as `qm print` would)."""
    out = []
    items = r.seq(m, "print", "posters")
    for i, s in enumerate(items):
        path = f"posters.print[{i}]"
        if not isinstance(s, Mapping):
            r.problem(items.where(i), f"{path} 应当是一个映射", "例如 {layout: wallchart, topic: anti-fake, size: a2}")
            continue
        r.keys(s, path, ("layout", "topic", "items", "size", "cmyk"))
        sheet = PrintSheet(
            layout=r.text(s, "layout", path),
            size=r.text(s, "size", path, ""),
            topic=r.text(s, "topic", path, ""),
            items=r.texts(s, "items", path) if "items" in s else (),
            cmyk=r.flag(s, "cmyk", path, False),
        )
        if bool(sheet.topic) == bool(sheet.items):
            r.problem(s.where(), f"{path} 要写 topic（主题或领域）或 items（内容编号列表），二者选一")
        out.append(sheet)
    return tuple(out)


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


def _notifiers(r: Reader, data: Mapping) -> tuple[Notifier, ...]:
    out = []
    for path, m in r.entries(data, "notifications", ""):
        r.keys(m, path, ("name", "kind", "webhook_env", "secret_env", "events"))
        for key in ("webhook", "secret", "token"):
            if key in m:
                r.problem(m.where(key), "密钥和 Webhook 地址不能写在配置文件里", f"改用 {key}_env 指定环境变量名")
        events = r.texts(m, "events", path) or Notifier.events
        for e in events:
            if e not in Notifier.events:
                r.problem(m.where("events"), f"{path}.events 中的 {e!r} 不可用", f"只能是 {' | '.join(Notifier.events)}")
        out.append(
            Notifier(
                name=r.text(m, "name", path),
                kind=r.choice(m, "kind", path, ("wecom", "dingtalk")),
                webhook_env=r.text(m, "webhook_env", path),
                secret_env=r.text(m, "secret_env", path, ""),
                events=events,
            )
        )
    return tuple(out)


def _units(r: Reader, data: Mapping) -> tuple[Unit, ...]:
    out: list[Unit] = []
    for path, m in r.entries(data, "units", ""):
        r.keys(m, path, ("name", "contact", "phone", "webhook_env", "kind"))
        for key in ("webhook", "secret", "token"):
            if key in m:
                r.problem(m.where(key), "密钥和 Webhook 地址不能写在配置文件里", "改用 webhook_env 指定存放地址的环境变量名")
        name = r.text(m, "name", path)
        if name and any(u.name == name for u in out):
            r.problem(m.where("name"), f"单位 {name} 重复", "每个单位只写一次")
        if name and ("/" in name or "\\" in name or name.startswith(".")):
            r.problem(
                m.where("name"), f"单位名称 {name!r} 不能含 / 或 \\，也不能以 . 开头（它也是文件夹名）", "写单位的中文名称，如 爱辉区"
            )
        out.append(
            Unit(
                name=name,
                contact=r.text(m, "contact", path, ""),
                phone=str(r.text(m, "phone", path, "")),
                webhook_env=r.text(m, "webhook_env", path, ""),
                kind=r.choice(m, "kind", path, ("wecom", "dingtalk"), "wecom"),
            )
        )
    return tuple(out)


def _pins(r: Reader, data: Mapping) -> tuple[Pin, ...]:
    out = []
    for path, m in r.entries(data, "pins", ""):
        r.keys(m, path, ("item", "channel", "date", "time"))
        day = r.date(m, "date", path)
        time = r.time(m, "time", path, None)
        item, channel = r.text(m, "item", path), r.text(m, "channel", path)
        if day and item and channel:
            out.append(Pin(item=item, channel=channel, date=day, time=time, where=m.where()))
    return tuple(out)


def _reminders(r: Reader, data: Mapping) -> Reminders:
    m = r.section(data, "reminders", "", required=False)
    if m is None:
        return Reminders()
    r.keys(m, "reminders", ("time", "county_plans_due", "summary_due", "launch"))

    def days(key: str, default: tuple[int, ...]) -> tuple[int, ...]:
        seq = r.seq(m, key, "reminders")
        if key not in m:
            return default
        out = []
        for i, v in enumerate(seq):
            if not isinstance(v, int) or isinstance(v, bool) or not 0 <= v <= 60:
                r.problem(seq.where(i), f"reminders.{key} 应当是提前的天数（0–60 的整数）")
            else:
                out.append(v)
        return tuple(sorted(set(out), reverse=True))

    return Reminders(
        time=r.time(m, "time", "reminders", dt.time(9, 0)) or dt.time(9, 0),
        county_plans_due=days("county_plans_due", Reminders.county_plans_due),
        summary_due=days("summary_due", Reminders.summary_due),
        launch=days("launch", Reminders.launch),
    )


def _lint(r: Reader, data: Mapping, base: Path) -> LintConfig:
    m = r.section(data, "lint", "", required=False)
    if m is None:
        return LintConfig()
    r.keys(m, "lint", ("sensitive_words", "sensitive_words_file", "absolute_terms_extra"))
    words = list(r.texts(m, "sensitive_words", "lint"))
    if "sensitive_words_file" in m:
        file = _under(base, r.text(m, "sensitive_words_file", "lint"))
        try:
            lines = file.read_text(encoding="utf-8").splitlines()
            words += [w.strip() for w in lines if w.strip() and not w.startswith("#")]
        except OSError:
            r.problem(m.where("sensitive_words_file"), f"敏感词文件不存在或无法读取：{file}")
    return LintConfig(sensitive_words=tuple(words), absolute_terms_extra=r.texts(m, "absolute_terms_extra", "lint"))


def _review(r: Reader, data: Mapping) -> ReviewConfig:
    m = r.section(data, "review", "", required=False)
    if m is None:
        return ReviewConfig()
    r.keys(m, "review", ("stages", "same_person"))
    stages: list[Stage] = []
    for path, entry in r.entries(m, "stages", "review"):
        r.keys(entry, path, ("name", "role"))
        name = r.text(entry, "name", path, max_len=20)
        role = r.choice(entry, "role", path, ROLES)
        if name in {x.name for x in stages}:
            r.problem(entry.where("name"), f"{path}.name：审核阶段 {name} 重复", "每个阶段的名称不同，如 初审、复审、终审")
        elif name and role in ROLES:
            stages.append(Stage(name, role))
    if "stages" in m and not stages:
        roles = "、".join(f"{k}（{v}）" for k, v in ROLE_LABELS.items())
        r.problem(
            m.where("stages"),
            "review.stages 至少要有一个阶段",
            f"如 [{{name: 初审, role: editor}}, {{name: 终审, role: reviewer}}]；角色：{roles}",
        )
    return ReviewConfig(
        stages=tuple(stages) or ReviewConfig.stages,
        same_person=r.flag(m, "same_person", "review", False),
    )


def _web(r: Reader, data: Mapping) -> WebConfig:
    m = r.section(data, "web", "", required=False)
    if m is None:
        return WebConfig()
    r.keys(m, "web", ("public_url", "session_idle_minutes"))
    url = r.text(m, "public_url", "web", "").rstrip("/")
    if url and not URL_RE.match(url):
        r.problem(m.where("public_url"), f"web.public_url 不是网址：{url!r}", "写作 http://192.168.1.20:8080（同事访问 qm web 的地址）")
    return WebConfig(public_url=url, session_idle_minutes=r.integer(m, "session_idle_minutes", "web", 30, lo=5, hi=24 * 60))


LEASE_TIMEOUT_RANGE = (10.0, 600.0)  # seconds: keepalives need a few; beyond ten minutes a launch-day post would wait too long


def _daemon(r: Reader, data: Mapping) -> DaemonConfig:
    m = r.section(data, "daemon", "", required=False)
    if m is None:
        return DaemonConfig()
    r.keys(m, "daemon", ("lease_timeout",))
    lo, hi = LEASE_TIMEOUT_RANGE
    hint = (
        f"写 {lo:g}–{hi:g} 之间的秒数，例如 lease_timeout: {DaemonConfig.lease_timeout:g}（默认）："
        "主服务死掉或断网后，备用服务在这么多秒内接管；太短会在网络短暂抖动时误切换"
    )
    return DaemonConfig(lease_timeout=r.number(m, "lease_timeout", "daemon", DaemonConfig.lease_timeout, lo, hi, hint=hint))


def _coverage(r: Reader, data: Mapping) -> Coverage:
    m = r.section(data, "coverage", "", required=False)
    if m is None:
        return Coverage()
    r.keys(m, "coverage", ("topics", "times"))
    topics = r.texts(m, "topics", "coverage")
    items = r.seq(m, "topics", "coverage")
    for i, topic in enumerate(topics):
        if topic not in TOPICS:
            close = difflib.get_close_matches(topic, list(TOPICS), n=1)
            hint = f"是不是 {close[0]}？" if close else "主题的写法见 content/README.md"
            r.problem(items.where(i), f"coverage.topics 的第 {i + 1} 项 {topic!r} 不是已知的主题", hint)
    if len(set(topics)) != len(topics):
        r.problem(m.where("topics"), "coverage.topics 中有重复的主题", "每个主题写一次")
    times = r.integer(m, "times", "coverage", 1, lo=1, hi=31)
    return Coverage(topics=topics, times=times, where=m.where("topics"))
