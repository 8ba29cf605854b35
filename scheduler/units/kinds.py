"""The two things a unit sends, by id: its activity plan (方案) and its work summary (总结). Light: the
`qm units --kind` option is built from it on every start-up."""

from __future__ import annotations

PLAN, SUMMARY = "plan", "summary"
FOLDERS = {PLAN: "方案", SUMMARY: "总结"}  # each kind's folder under <submissions>/<unit>/
LABELS = {PLAN: "活动方案", SUMMARY: "工作总结"}
ALIASES = {**{folder: kind for kind, folder in FOLDERS.items()}, "计划": PLAN}  # other names staff type for a kind
EMPTY, PICTURES_ONLY = "文件是空的（没有文字）", "文件里只有图片，没有文字"  # a file with no text is no submission
