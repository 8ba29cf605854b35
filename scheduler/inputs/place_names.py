"""The place an organizer's name starts with, read once for every use: the level `campaign.level` defaults to
(全市 / 全县 / 全区 / 全旗), whom the office reports to (`units.kinds`) and the template's 市… written for the
organizer (`views.template_left`). A name is read part by part (黑龙江省, 黑河市, 爱辉区), up to what is no place:
a body's own name (市场监督管理局, 教育局, 质量强区…), a word holding 市 or 区 that names none (城市, 社区), or what is
no Chinese letter (a bracket, a comma). Spaces between parts are passed over, and so is a national body's opening
(中共, 共青团, 中国人民银行, 国家税务总局…) before the place. Pure and light: it imports nothing of the project."""

from __future__ import annotations

import re

LEVELS = ("市", "县", "区", "旗")  # campaign.level: the place word of 全市 / 全县 / 全区 / 全旗
PREFECTURES = ("地区", "自治州", "盟")  # above the counties, though 地区 ends in 区: a city's level
PROVINCES = ("省", "自治区")  # above the cities: an autonomous region's level is 区 (全区), a province's 市
MUNICIPALITIES = ("北京市", "天津市", "上海市", "重庆市")  # cities with no province above them
_WORD = "自治区|地区|自治州|盟|省|市|县|区|旗"  # 自治县 and 自治旗 end in 县 and 旗; 新区 in 区
# a part's own name is Chinese letters (· in a minority's name) holding no place word, nor a word of a body
_LETTER = r"(?:(?![省市县区旗盟局办委厅])[\u3400-\u4dbf\u4e00-\u9fff·])"
_PART = re.compile(rf"市[南北中]区|{_LETTER}{{1,15}}?(?:{_WORD})")  # 青岛市市南区, 济南市市中区: districts named 市…
_BARE = re.compile("[市县区旗]")  # the template's way: 市质量计量标准化工作联席会议办公室, 县市场监督管理局
# what begins a body's name though it holds a place word (林口县城市管理局, 黑河市社区…, 质量强市…)
_BODY = re.compile("市场|城市|社区|区域|行政公署|质量|联席|人民政府|委员会")
# a national body's name before the place (中共黑河市委…, 中国人民银行黑河市分行, 国家税务总局黑河市税务局)
_OPENING = re.compile(r"(?:中国共产党|中共|共青团|中华全国|中国|国家)(?:[^省市县区旗盟\s]{0,10}?(?:银行|总局|公司))?")


def _read(organizer: str) -> tuple[list[str], int]:
    """The places `organizer` (stripped) starts with and where the last of them ends in it."""
    name, parts, end = organizer.strip(), [], 0
    opening = _OPENING.match(name)
    at = opening.end() if opening else 0
    while at < len(name) and not _BODY.match(name, at):
        found = _PART.match(name, at) or (_BARE.match(name, at) if at == 0 else None)
        if found is None:
            break
        parts.append(found[0])
        end = found.end()
        at = len(name) - len(name[end:].lstrip())  # past ASCII or full-width spaces
    return parts, end


def place_parts(organizer: str) -> list[str]:
    """The places `organizer` starts with, largest first: 黑河市爱辉区市场监督管理局: 黑河市, 爱辉区; 大庆市教育局:
    大庆市; a bare 市 for the template's 市质量计量标准化工作联席会议办公室; none for 质量强市工作领导小组办公室."""
    return _read(organizer)[0]


def place_of(organizer: str) -> str:
    """The start of `organizer` (stripped) up to the end of its places, as written (黑河市爱辉区, 大兴安岭地区, 林口县,
    中共黑河市 of 中共黑河市委宣传部), so the rest of the name follows it; "" when it names no place."""
    return organizer.strip()[: _read(organizer)[1]]


def level_of(organizer: str) -> str:
    """市, 县, 区 or 旗: the smallest place `organizer` starts with (黑河市…: 市; 哈尔滨市道里区…: 区); a prefecture
    (…地区, …自治州, …盟) counts as a city, an autonomous region as 区 (全区), a province or no place as a city."""
    parts = place_parts(organizer)
    return "市" if not parts or parts[-1].endswith((*PREFECTURES, "省")) else parts[-1][-1]


def city_of(organizer: str) -> str:
    """The city or prefecture `organizer` starts with, after its province (黑河市, 大兴安岭地区, a bare 市); "" when
    the first place is a county (林口县…) or there is none."""
    parts = [p for p in place_parts(organizer) if not p.endswith(PROVINCES)]
    return parts[0] if parts and parts[0].endswith(("市", *PREFECTURES)) else ""
