"""The `channels.screens` list of config.yaml: one entry per screen."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from ...inputs.campaign import ChannelConfig
from ...inputs.config import COMMON_CHANNEL_KEYS, HOURS_RE, ID_RE, MAX_SIDE, SIZE_RE, area_too_big, common_channel
from ...inputs.config_identity import URL_RE
from ...inputs.dates_written import parse_time
from ...inputs.located_yaml import Mapping
from ...inputs.readers import Reader
from ...support.redact import has_userinfo, register_host, shown_url
from ..api_config import USERINFO

# The poster sizes named without the campaign (`poster.sizes`): a screen's id is a size name too (its slides' size).
SIZE_NAMES = frozenset({"wechat-cover", "wechat-square", "square", "portrait", "a3", "a2", "banner"})


@dataclass(frozen=True)
class ScreenConfig(ChannelConfig):
    id: str = ""
    title: str = ""
    width: int = 1920
    height: int = 1080
    on_from: dt.time = dt.time(7, 0)
    on_to: dt.time = dt.time(22, 0)
    slide_seconds: int = 10
    launch_extra: int = 2  # extra featured items on launch day
    anthias: str = ""  # base URL of an Anthias signage server that `qm screen push` sends to


def read_screens(r: Reader, channels: Mapping, window: tuple[dt.date, dt.date] | None) -> tuple[ScreenConfig, ...]:
    out: list[ScreenConfig] = []
    for path, m in r.entries(channels, "screens", "channels"):
        r.keys(
            m, path, (*COMMON_CHANNEL_KEYS, "id", "name", "size", "on_hours", "slide_seconds", "items_per_day", "launch_extra", "anthias")
        )
        sid = r.text(m, "id", path)
        if sid and not ID_RE.match(sid):
            r.problem(m.where("id"), f"{path}.id 只能用小写英文、数字和连字符：{sid!r}")
        if sid in SIZE_NAMES:
            r.problem(
                m.where("id"),
                f"{path}.id {sid} 与海报尺寸名 {sid} 重名：qm poster --size {sid} 指的是那个尺寸，不是这块屏",
                f"换一个编号，如按地点取名 plaza，或写 {sid}-screen",
            )
        if any(s.id == sid for s in out):
            r.problem(m.where("id"), f"屏幕编号 {sid!r} 重复")
        size = r.text(m, "size", path)
        sm = SIZE_RE.match(size) if size else None
        if isinstance(m.get("size"), int):  # 0x1080 is hexadecimal to YAML: a number, not what was typed
            r.problem(m.where("size"), f"{path}.size 被 YAML 读成了数字 {size}，不是像素尺寸", '写作 宽x高 并加引号，如 "1920x1080"')
        elif size and not sm:
            r.problem(m.where("size"), f"{path}.size 不是像素尺寸：{size!r}", "写作 1920x1080")
        elif sm and not all(16 <= int(side) <= MAX_SIDE for side in sm.groups()):
            r.problem(m.where("size"), f"{path}.size {size} 超出范围（每边 16–{MAX_SIDE} 像素）", "写屏幕的实际像素，如 1920x1080")
        elif sm and (why := area_too_big(int(sm[1]), int(sm[2]))):
            r.problem(m.where("size"), f"{path}.size {size} 太大：{why}", "写屏幕的实际像素，如 1920x1080")
        hours = r.text(m, "on_hours", path, "07:00-22:00")
        hm = HOURS_RE.match(hours)
        on_from = on_to = None
        if hm:
            on_from, on_to = parse_time(hm.group(1)), parse_time(hm.group(2))
        if not (on_from and on_to and on_from < on_to):
            r.problem(m.where("on_hours"), f"{path}.on_hours 不是有效的时段：{hours!r}", "写作 07:00-22:00，开始早于结束")
            on_from, on_to = dt.time(7), dt.time(22)
        if "grace_minutes" in m:  # a common key, but a screen's late items play until it goes dark (its kind's deadline)
            r.problem(
                m.where("grace_minutes"),
                f"电子屏 {sid} 不用 grace_minutes：电子屏错过时间的内容当天一直补播到关屏（开屏时段 {hours} 结束），不按补发时限",
                "删去这一行",
            )
        common = common_channel(r, m, path, window, default_times=(on_from,))  # a screen's day starts when it switches on
        common["per_slot"] = r.integer(m, "items_per_day", path, 2, lo=1, hi=50)
        for t in common["times"]:  # type: ignore[attr-defined]
            if not on_from <= t < on_to:
                r.problem(m.where("times"), f"{path}.times 中的 {t:%H:%M} 不在开屏时段 {hours} 之内")
        out.append(
            ScreenConfig(
                name=f"screen:{sid}",
                id=sid,
                title=r.text(m, "name", path),
                width=int(sm.group(1)) if sm else 1920,
                height=int(sm.group(2)) if sm else 1080,
                on_from=on_from,
                on_to=on_to,
                slide_seconds=r.integer(m, "slide_seconds", path, 10, lo=2, hi=600),
                launch_extra=r.integer(m, "launch_extra", path, 2, lo=0, hi=20),
                anthias=anthias_url(r, m, path),
                **common,  # type: ignore[arg-type]
            )
        )
    return tuple(out)


def anthias_url(r: Reader, m: Mapping, path: str) -> str:
    url = r.text(m, "anthias", path, "")
    if url and not URL_RE.match(url):
        r.problem(
            m.where("anthias"), f"{path}.anthias 不是网址：{shown_url(url)!r}", "写作 http://192.168.1.50（Anthias 播放服务器的地址）"
        )
    elif has_userinfo(url):
        hint = f"删去地址里的“用户名:密码@”，写作 {shown_url(url)}；需要登录时把 用户名:密码 写进环境变量 QM_ANTHIAS_AUTH"
        r.problem(m.where("anthias"), f"{path}.anthias {USERINFO}", hint)
    register_host(url)
    return url
