"""Campaign facts a content text quotes as {{ name }} (the hotline, the launch's date, time and venue):
the loader fills them in with the campaign's values and reports, at the line, a name it does not know or
a value the config lacks."""

from __future__ import annotations

import re
from collections.abc import Mapping

from .readers import Reader

# Campaign facts a content text may quote as {{ name }}: the campaign's own hotline instead of a number
# written into the text, the launch event's date, time and venue. Values come from Campaign.text_values.
PLACEHOLDERS: dict[str, str] = {
    "hotline": "投诉举报热线（campaign.hotline）",
    "campaign": "活动名称（campaign.name）",
    "theme": "活动主题（campaign.theme）",
    "organizer": "主办单位（campaign.organizer）",
    "year": "活动年份",
    "launch_date": "启动日期，如 9月8日",
    "launch_weekday": "启动日星期，如 星期三",
    "launch_time": "启动时间，如 09:00",
    "launch_daypart": "启动在一天中的时段：上午、下午或晚上",
    "launch_venue": "启动活动地点（key_dates.launch_venue）",
    "level": "本地的级别用字：市、县、区或旗（全市、质量强市的“市”；campaign.level）",
    "people": "对本地群众的称呼：市民（市）、群众（县、旗）、居民（区）",
}
PLACEHOLDER_RE = re.compile(r"\{\{\s*([^{}]*?)\s*\}\}")


def fill_placeholders(
    r: Reader, text: str, where: str, values: Mapping[str, str] | None, body_line_base: tuple[str, int] | None = None
) -> str:
    """Replace {{ name }} with the campaign's value; report unknown names and values the config lacks."""

    def place(match: re.Match[str]) -> str:
        spot = where
        if body_line_base is not None:  # a Markdown body: point at the placeholder's own line
            spot = f"{body_line_base[0]}:{body_line_base[1] + text.count(chr(10), 0, match.start())}"
        name = match.group(1)
        if name not in PLACEHOLDERS:
            known = "、".join("{{ " + n + " }}" for n in PLACEHOLDERS)
            r.problem(spot, f"未知的占位符 {match.group(0)}", f"可用的占位符：{known}")
            return match.group(0)
        value = (values or {}).get(name, "")
        if not value:
            r.problem(spot, f"占位符 {match.group(0)} 没有值：配置里没有写{PLACEHOLDERS[name]}", "在 config.yaml 里补上，或改写这段文字")
            return match.group(0)
        return value

    return PLACEHOLDER_RE.sub(place, text)


def expansion_hint(written: str, values: Mapping[str, str] | None, hint: str = "") -> str:
    """`hint` for a text found too long, led by what the placeholders of `written` (the text as the file
    has it) became: the file's line looks short, the published text is not."""
    names = [n for n in dict.fromkeys(PLACEHOLDER_RE.findall(written)) if n in PLACEHOLDERS and (values or {}).get(n)]
    if not names:
        return hint
    became = "，".join(f"{{{{ {n} }}}} 换成了 {(values or {})[n]}，占 {len((values or {})[n])} 字" for n in names)
    shorter = "，或在 config.yaml 的 campaign.hotline 写短一些的热线号码" if "hotline" in names else ""
    return "；".join(part for part in (f"其中 {became}：请缩短这段文字{shorter}", hint) if part)
