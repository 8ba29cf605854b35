"""Names that things are matched by in config.yaml: a unit's (also its submissions folder) and a
review stage's (also in the audit log). A space before or after one, most often a full-width space
typed with a Chinese input method, stays in a YAML value unseen and makes the name match nothing;
it is refused at its line, with the name written right."""

from __future__ import annotations

from .located_yaml import Mapping
from .readers import Reader, join_path

_SPACES = {"\u3000": "全角空格", " ": "空格", "\t": "Tab"}


def checked_name(r: Reader, m: Mapping, key: str, path: str, max_len: int | None = None) -> str:
    """The text at `key`, without the spaces around it (which are reported)."""
    value = r.filled(
        m,
        key,
        path,
        "名称要用来对应单位报送的文件夹和审核记录",
        "写上名称：单位写单位名称，如 爱辉区；审核阶段写阶段名称，如 初审",
        max_len,
    )
    before, after = value[: len(value) - len(value.lstrip())], value[len(value.rstrip()) :]
    if before or after:
        ends = "和".join(end for end, part in (("前面", before), ("后面", after)) if part)
        spaces = "、".join(dict.fromkeys(_SPACES.get(ch, f"看不见的空白字符 U+{ord(ch):04X}") for ch in before + after))
        where = join_path(path, key)
        r.problem(m.where(key), f"{where} “{value}”的{ends}有{spaces}", f"删掉名称{ends}的空格，写成 {key}: {value.strip()}")
    return value.strip()
