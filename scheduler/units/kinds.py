"""The two things a unit sends, by id: its activity plan (方案) and its work summary (总结). Light: the
`qm units --kind` option is built from it on every start-up."""

from __future__ import annotations

PLAN, SUMMARY = "plan", "summary"
FOLDERS = {PLAN: "方案", SUMMARY: "总结"}  # each kind's folder under <submissions>/<unit>/
LABELS = {PLAN: "活动方案", SUMMARY: "工作总结"}
ALIASES = {**{folder: kind for kind, folder in FOLDERS.items()}, "计划": PLAN}  # other names staff type for a kind
EMPTY, PICTURES_ONLY = "文件是空的（没有文字）", "文件里只有图片，没有文字"  # a file with no text is no submission
COUNTIES = ("县", "区", "市", "旗")  # how a county-level unit's name ends; others (市教育局, 市总工会) are departments


def units_word(names: list[str]) -> str:
    """Who the units are, as a notice names them: 各县区, 各有关部门, or both."""
    counties = [n for n in names if n.endswith(COUNTIES)]
    if len(counties) == len(names):
        return "各县区"
    return "各县区和有关部门" if counties else "各有关部门"


def next_step(kind: str, organizer: str) -> str:
    """What the office does once the units' files are in (the seed plan: 由办公室统一汇总后报省联席会议办公室)."""
    if kind == PLAN:
        place = organizer.split("质量")[0]  # 黑河市, 逊克县; a county's office reports to its city's
        above = "市联席会议办公室" if place.endswith(("县", "区", "旗")) else "省联席会议办公室"
        return f"下一步：由办公室统一汇总后报{above}（生成汇总：qm units --collect --kind 方案）"
    return "下一步：汇总各单位工作总结，写入本单位的工作总结（生成汇总：qm units --collect；工作总结：qm report）"
