"""`qm queue --diff ID`: a post's text as last approved beside its text now, and what changed (named by what
happened to them, not by their versions: those mean nothing to people), ending with the approval of the version
shown, as `qm approve` asks for it when the text changed after one looked."""

from __future__ import annotations

import re

from ..pages.diff import DiffLine, compared_text, diff_lines, readable_lines, side_by_side
from ..publishing.queue import Queue
from ..support.errors import InputError
from ..views.columns import pad, width
from .approve_seen import approve_at

COLUMN = 38  # display columns of each side (a Chinese character takes two)
MARKS = ("⟦", "⟧")  # around the characters that changed on a line
_TOKEN = re.compile(f"{MARKS[0]}[^{MARKS[1]}]{{0,12}}{MARKS[1]}|.", re.S)


def show_diff(queue: Queue, post_id: str) -> str:
    if not post_id.strip():
        raise InputError("qm queue --diff 后面要写一条内容的编号，如 20270908-wechat-2000（用 qm queue 查看编号）")
    post = queue.get(post_id)
    if post is None:
        raise queue.unknown(post_id)
    version, stage, old = compared_text(queue, post)
    if not version:
        return f"{post_id} 还没有审核通过过，也没有通过过任何审核阶段，没有可比较的旧版本。用 qm approve {post_id} 审核当前内容。\n"
    passed = f"{stage}通过" if stage else "审核通过"
    if version == post.version:
        if lacks := queue.change_reasons([post]).get(post_id, ""):  # the review rules in force want more
            return f"{post_id} 的内容与审核通过的文字相同，但{lacks}，需要审核：{approve_at(post_id, post.version)}\n"
        return f"{post_id} 的内容与审核通过的文字相同，无需重新审核。\n"
    if old is None:
        return f"{post_id} {passed}的文字没有保存（早期的队列），无法对比；请直接审核当前内容。\n"
    reason = queue.change_reasons([post]).get(post_id, "") or f"{passed}后内容有修改，审核阶段从头开始"
    out = [
        f"{post_id}：{reason}。",
        f"左：{passed}的文字；右：现在的文字；{MARKS[0]}{MARKS[1]} 内为改动的文字。",
        "",
    ]
    rows = side_by_side(diff_lines(readable_lines(old), readable_lines(post.payload)))
    if not rows:
        out.append("（文字相同：改动的是图片或版式，请在预览中查看）")
    for left, right in rows:
        mark = " " if left is right else "|"
        lefts, rights = _wrap(_marked(left)), _wrap(_marked(right))
        for i in range(max(len(lefts), len(rights))):
            a = lefts[i] if i < len(lefts) else ""
            b = rights[i] if i < len(rights) else ""
            out.append(f"{pad(a, COLUMN)} {mark if i == 0 else ' '} {b}".rstrip())
    out.append("")
    out.append(f"确认无误后：{approve_at(post_id, post.version)}")
    return "\n".join(out) + "\n"


def _marked(line: DiffLine | None) -> str:
    if line is None:
        return ""
    if line.op == "gap":
        return "……"
    return "".join(f"{MARKS[0]}{text}{MARKS[1]}" if changed else text for changed, text in line.runs)


def _wrap(text: str) -> list[str]:
    """Cut a line into pieces of at most COLUMN display columns (a short marked change stays whole)."""
    pieces, current = [], ""
    for token in _TOKEN.findall(text):
        if current and width(current + token) > COLUMN:
            pieces.append(current)
            current = ""
        current += token
    return [*pieces, current] if current or not pieces else pieces
