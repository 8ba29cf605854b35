"""The campaign's calendar in config.yaml, and what the plan must hold: the key dates (launch, the
counties' plans, the summary), the reminders sent before them, posts pinned to a day, and the topics
the plan must cover."""

from __future__ import annotations

import datetime as dt

from .campaign import Coverage, KeyDates, Pin, Reminders
from .located_yaml import Mapping
from .readers import Reader
from .vocabulary import TOPICS


def key_dates(r: Reader, kd: Mapping, start: dt.date | None, end: dt.date | None) -> KeyDates | None:
    r.keys(kd, "key_dates", ("launch", "launch_time", "launch_venue", "county_plans_due", "summary_due"))
    launch = r.date(kd, "launch", "key_dates")
    plans = r.date(kd, "county_plans_due", "key_dates")
    summary = r.date(kd, "summary_due", "key_dates")
    launch_time = r.time(kd, "launch_time", "key_dates", dt.time(9, 0))
    if launch and start and end and not start <= launch <= end:
        r.problem(kd.where("launch"), f"启动日 {launch} 不在活动期 {start} 至 {end} 之内", "启动日必须在活动期内")
    if summary and end and summary < end:
        r.problem(kd.where("summary_due"), f"总结上报日期 {summary} 早于活动结束 {end}", "总结应在活动结束后上报")
    if plans and summary and plans >= summary:
        r.problem(
            kd.where("county_plans_due"), f"县区方案上报日期 {plans} 不早于总结上报日期 {summary}", "方案先报、总结后报，检查这两个日期"
        )
    if plans and launch and plans < launch - dt.timedelta(days=60):
        r.problem(kd.where("county_plans_due"), "县区方案上报日期离启动日太远", "检查年份是否写错")
    if not (launch and plans and summary and launch_time):
        return None
    venue = r.text(kd, "launch_venue", "key_dates", "", max_len=30)
    return KeyDates(launch=launch, county_plans_due=plans, summary_due=summary, launch_time=launch_time, launch_venue=venue)


def pins(r: Reader, data: Mapping) -> tuple[Pin, ...]:
    out = []
    for path, m in r.entries(data, "pins", ""):
        r.keys(m, path, ("item", "channel", "date", "time"))
        day = r.date(m, "date", path)
        time = r.time(m, "time", path, None)
        item, channel = r.text(m, "item", path), r.text(m, "channel", path)
        if day and item and channel:
            out.append(Pin(item=item, channel=channel, date=day, time=time, where=m.where(), date_where=m.where("date")))
    return tuple(out)


def reminders(r: Reader, data: Mapping) -> Reminders:
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


def coverage(r: Reader, data: Mapping) -> Coverage:
    m = r.section(data, "coverage", "", required=False)
    if m is None:
        return Coverage()
    r.keys(m, "coverage", ("topics", "times"))
    topics = r.texts(m, "topics", "coverage")
    items = r.seq(m, "topics", "coverage")
    for i, topic in enumerate(topics):
        if topic not in TOPICS:
            from ..support.suggest import as_written, did_you_mean  # only for an unknown topic

            hint = did_you_mean(topic, TOPICS, labels=TOPICS, show=lambda t: as_written(t, TOPICS)) or "主题的写法见 content/README.md"
            r.problem(items.where(i), f"coverage.topics 的第 {i + 1} 项 {topic!r} 不是已知的主题", hint)
    if len(set(topics)) != len(topics):
        r.problem(m.where("topics"), "coverage.topics 中有重复的主题", "每个主题写一次")
    times = r.integer(m, "times", "coverage", 1, lo=1, hi=31)
    return Coverage(topics=topics, times=times, where=m.where("topics"))
