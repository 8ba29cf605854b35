"""The two things a unit sends, by id: its activity plan (方案) and its work summary (总结). Light: the
`qm units --kind` option is built from it on every start-up."""

from __future__ import annotations

from ..inputs.place_names import MUNICIPALITIES, PREFECTURES, PROVINCES, city_of, place_parts

PLAN, SUMMARY = "plan", "summary"
FOLDERS = {PLAN: "方案", SUMMARY: "总结"}  # each kind's folder under <submissions>/<unit>/
LABELS = {PLAN: "活动方案", SUMMARY: "工作总结"}
ALIASES = {**{folder: kind for kind, folder in FOLDERS.items()}, "计划": PLAN}  # other names staff type for a kind
EMPTY, PICTURES_ONLY = "文件是空的（没有文字）", "文件里只有图片，没有文字"  # a file with no text is no submission
COUNTIES = ("县", "区", "市", "旗")  # how a county-level unit's name ends; others (市教育局, 市总工会) are departments


def is_county(name: str) -> bool:
    return name.endswith(COUNTIES) and not name.endswith(PREFECTURES)


def units_word(names: list[str], level: str) -> str:
    """Who the units are, as a notice names them: 各县区, 各有关部门, or both; with none listed, a city's
    counties, or a county's (district's, banner's) 各有关单位."""
    if not names and level != "市":
        return "各有关单位"
    counties = [n for n in names if is_county(n)]
    if len(counties) == len(names):
        return "各县区"
    return "各县区和有关部门" if counties else "各有关部门"


def next_step(kind: str, organizer: str, units: list[str], level: str) -> str:
    """What the office does once the units' files are in (the seed plan: 由办公室统一汇总后报省联席会议办公室)."""
    if kind == PLAN:
        return f"下一步：由办公室统一汇总后报{_above(organizer, units, level)}联席会议办公室（生成汇总：qm units --collect --kind 方案）"
    return "下一步：汇总各单位工作总结，写入本单位的工作总结（生成汇总：qm units --collect；工作总结：qm report）"


def _above(organizer: str, units: list[str], level: str) -> str:
    """Whose office the organizer reports to, by the place its name starts with: a place under another (大兴安岭地区
    漠河市, 延边朝鲜族自治州延吉市, 黑河市爱辉区) to that one's (地区, 州, 盟, 市); a county (district, banner:
    `campaign.level`) to its city's; a prefecture (地区, or a city whose units include counties) to the province's;
    上级 for a province, a municipality (北京市…) and when it cannot be told (a county-level city's name ends in 市
    too, and a name may hold no place)."""
    parts = place_parts(organizer)
    places = [p for p in parts if not p.endswith(PROVINCES)]
    if len(places) > 1:
        word = next((w for w in PREFECTURES if places[-2].endswith(w)), places[-2][-1])
        return "州" if word == "自治州" else word
    if parts and not places:
        return "上级"
    if level != "市":
        return "市"
    city = city_of(organizer)
    if city and city not in MUNICIPALITIES and (city.endswith(PREFECTURES) or any(is_county(u) for u in units)):
        return "自治区" if city.endswith("盟") or any(p.endswith("自治区") for p in parts) else "省"  # 盟: Inner Mongolia's
    return "上级"
