"""Values of the template config.yaml (`qm init` copies it) still standing in a campaign's own config: said by
`qm check` as reminders (提醒) with their config.yaml line, since every one of them is valid and would otherwise be
printed on posters, leaflets, the WeChat footer and the report as it is.

What is looked for: an address (link or e-mail) at an `example` domain (example.gov.cn, example.com …), a phone
number (a `phone` or `hotline` value of digits, an area code and hyphen) with 0000000 in it, never an app_id or
other identifier full of zeros, the template's example photo, launch venue and screen names, and the organizer written the template's
way (`市市场监督管理局`) or twice among the co-organizers when the organizer names its place (大庆市、林口县市场监督管理局).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from ..inputs.campaign import Campaign
from ..inputs.located_yaml import Mapping, Sequence, YamlSyntaxError, load
from ..inputs.place_names import place_of

EXAMPLE_PHOTO = "example-city.jpg"  # templates/posters/photo/ in the template
TEMPLATE_VENUE = "中央大街广场"  # key_dates.launch_venue in the template
TEMPLATE_SCREENS = ("中央大街户外大屏", "火车站广场竖屏")  # the template's screens' names: Harbin's places, not the user's
_EXAMPLE_HOST = re.compile(r"(?:^|[/@.])example\.[a-z.]+", re.IGNORECASE)
PHONE_KEYS = ("phone", "hotline")  # the config's telephone fields (a contact's, a maintainer's, the hotline)
_ZERO_PHONE = re.compile(r"[\d\s()（）+-]*0000000[\d\s()（）+-]*")  # 0456-0000000, (0456) 0000000: digits only


def template_left(campaign: Campaign) -> list[str]:
    """One line per value still the template's, `config.yaml:36：…`, in the file's order."""
    from ..inputs.parse_cache import CONFIG_FILE, ParseCache, active

    try:
        with active(ParseCache(campaign.paths.state / CONFIG_FILE), save=False):  # the parse the config was read from
            data = load(campaign.config_path, str(campaign.config_path))
    except YamlSyntaxError:  # the config loaded a moment ago: it changed meanwhile, the next check says so
        return []
    found = [(where, said) for path, value, where in _scalars(data, ()) if (said := _said(path, value))]
    found += _organizer_again(campaign, data)
    return [f"{where}：{said}" for where, said in sorted(found, key=lambda f: int(f[0].rsplit(":", 1)[1]))]


def _scalars(node: Any, path: tuple[str, ...]) -> Iterator[tuple[tuple[str, ...], str, str]]:
    """Every string in the config with its key path and its file:line."""
    if isinstance(node, Mapping):
        for key, value in node.items():
            if isinstance(value, str):
                yield (*path, str(key)), value, node.where(key)
            else:
                yield from _scalars(value, (*path, str(key)))
    elif isinstance(node, Sequence):
        for index, value in enumerate(node):
            if isinstance(value, str):
                yield path, value, node.where(index)
            else:
                yield from _scalars(value, path)


def _said(path: tuple[str, ...], value: str) -> str:
    key = ".".join(path)
    if _EXAMPLE_HOST.search(value):
        return f"{key} 是示例地址 {value}（example 域名不存在，读者打不开）：换成本单位真实的网址或邮箱"
    if path[-1:] and path[-1] in PHONE_KEYS and _ZERO_PHONE.fullmatch(value.strip()):
        return f"{key} 还是模板里的示例电话 {value}：换成本单位真实的电话号码"
    if Path(value).name == EXAMPLE_PHOTO:
        return f"{key} 还是模板自带的示例照片 {value}：换成本单位自己拍的照片"
    if path[-1:] == ("launch_venue",) and value.strip() == TEMPLATE_VENUE:
        return f"{key} 还是模板里的地点“{value}”：写本地启动活动的地点"
    if path[-2:] == ("screens", "name") and value.strip() in TEMPLATE_SCREENS:
        return f"{key} 还是模板里的屏幕名称“{value}”：写本地这块屏的名称（播放页面、审核台和工作总结都用它）"
    return ""


def _organizer_again(campaign: Campaign, data: Any) -> list[tuple[str, str]]:
    """The organizer named again as a co-organizer, or written as the template's 市… where the organizer names its
    city (co-organizers, a contact's office): the footer and the report would name one body twice."""
    organizer = campaign.organizer.strip()
    town = place_of(organizer)
    town = town if len(town) > 1 else ""  # a bare 市 names no place: the template's own way
    bare = f"市{organizer[len(town) :].lstrip()}" if town else ""  # 大庆市、林口县市场监督管理局 -> 市市场监督管理局: the template's way
    section = data.get("campaign") if isinstance(data, Mapping) else None
    if not isinstance(section, Mapping):
        return []
    lines = []
    co = section.get("co_organizers")
    co = co if isinstance(co, Sequence) else Sequence()
    for index, name in enumerate(co):
        if not isinstance(name, str):
            continue
        if name.strip() == organizer:
            lines.append((co.where(index), f"协办单位“{name}”就是主办单位：从 co_organizers 中删去，否则署名里写两遍"))
        elif bare and name.strip() == bare:
            said = f"协办单位“{name}”是模板里的写法，主办单位是{organizer}：删去它（主办单位不用再列为协办），或写出协办单位的全称"
            lines.append((co.where(index), said))
    contacts = section.get("contacts")
    for contact in contacts if isinstance(contacts, Sequence) else []:
        office = contact.get("office") if isinstance(contact, Mapping) else None
        if bare and isinstance(office, str) and office.strip().startswith(bare):
            full = town + office.strip()[1:]
            lines.append((contact.where("office"), f"联系人的 office“{office}”还是模板里的写法：写出科室的全称，如{full}"))
    return lines
