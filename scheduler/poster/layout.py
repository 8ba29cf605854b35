"""Poster layouts: declarative YAML files in `templates/posters/<layout>.yaml`.

A layout has one or more variants by the canvas's shape (strip, wide, square, tall); the one nearest
the canvas's aspect ratio is used. A variant has a background colour, decorative shapes and regions
(title, subtitle, body, slogan, qr, logo, footer), each a box relative to the canvas: [x, y, w, h]
in fractions of the width and height. Text regions hold a text pattern such as "{title}" with the
fields in FIELDS; font sizes are fractions of the canvas's short side. Colours name a brand colour
(primary, secondary, accent, text, background) or are written #RRGGBB.
"""

from __future__ import annotations

import functools
import hashlib
import re
import string
from dataclasses import dataclass
from pathlib import Path

from ..inputs.located_yaml import Mapping, YamlSyntaxError, load
from ..inputs.poster_settings import POSTER_FAMILIES
from ..inputs.readers import Reader
from ..support.errors import PosterError, Problem, QmError
from ..support.suggest import did_you_mean, named

REGIONS = ("title", "subtitle", "body", "slogan", "qr", "logo", "picture", "footer")
TEXT_REGIONS = ("title", "subtitle", "body", "slogan", "footer")
SHAPES = ("strip", "wide", "square", "tall")  # from widest to tallest
BRAND_COLOURS = ("primary", "secondary", "accent", "text", "background")
FIELDS = {
    "title": "标题",
    "headline": "电子屏标题",
    "line": "一句话",
    "summary": "摘要",
    "area": "活动领域",
    "topic": "主题类别",
    "campaign": "活动名称",
    "theme": "活动主题",
    "organizer": "主办单位",
    "organizer_short": "主办单位简称（campaign.organizer_short；没写时为空）",
    "hotline": "投诉举报热线",
    "launch_date": "启动日期，如 9月8日",
    "launch_weekday": "启动日星期，如 星期三",
    "launch_time": "启动时间，如 09:00",
    "launch_daypart": "启动时段：上午、下午或晚上",
    "launch_venue": "启动活动地点（key_dates.launch_venue；没写时为空，这一行随之省去）",
    "year": "活动年份",
}
HEX = re.compile(r"^#[0-9A-Fa-f]{6}$")
Box = tuple[float, float, float, float]


@dataclass(frozen=True)
class Region:
    name: str
    box: Box
    text: str = ""  # pattern with {fields}; qr/logo regions have none
    shorter: tuple[str, ...] = ()  # patterns tried in order when `text` cannot fit (small canvases)
    weight: str = "regular"
    color: str = "text"
    align: str = "center"  # left | center | right
    valign: str = "middle"  # top | middle | bottom
    max_size: float = 0.1  # of the canvas's short side
    min_size: float = 0.03
    line_height: float = 1.35
    max_lines: int = 6
    balance: bool = False  # even line lengths (titles, slogans)
    vertical: bool = False  # columns top to bottom, right to left
    fill: str = ""  # background of the box
    caption: str = ""  # under a QR code
    grew_from: float = 0.0  # max_size as written, when layout_gaps let the type grow (0: it did not)

    @property
    def is_text(self) -> bool:
        return self.name in TEXT_REGIONS


@dataclass(frozen=True)
class Shape:
    box: Box
    color: str
    radius: float = 0.0  # of the canvas's short side


@dataclass(frozen=True)
class Variant:
    shape: str
    background: str
    shapes: tuple[Shape, ...]
    regions: tuple[Region, ...]
    photo: bool = False  # the campaign's photograph (posters.photo) under everything, with an automatic scrim


@dataclass(frozen=True)
class Layout:
    name: str
    label: str
    path: Path
    digest: str  # hash of the file: part of every poster's cache key
    variants: dict[str, Variant]
    default_size: str = "square"  # used when a command names no size

    def fits(self, width: int, height: int) -> bool:
        """A layout is drawn only on the shapes it has a variant for: never stretched onto another."""
        return shape_of(width, height) in self.variants

    def variant_for(self, width: int, height: int) -> Variant:
        wanted = SHAPES.index(shape_of(width, height))
        best = min(self.variants, key=lambda s: (abs(SHAPES.index(s) - wanted), SHAPES.index(s)))
        return self.variants[best]


def shape_of(width: int, height: int) -> str:
    ratio = width / height
    if ratio >= 3.5:
        return "strip"
    if ratio >= 1.25:
        return "wide"
    return "square" if ratio > 0.8 else "tall"


FAMILIES = POSTER_FAMILIES


def family_folder(templates: Path, family: str) -> Path:
    """Where a family's layouts are: the default red family in templates/posters/, the others in a folder each."""
    return templates / "posters" if family == "red" else templates / "posters" / family


def layout_names(folder: Path) -> list[str]:
    return sorted(p.stem for p in folder.glob("*.yaml"))


def layout_named(folder: Path, written: str, sheets: dict[str, str] | None = None) -> str:
    """The layout `written` names, by its file name (knowledge-card) or its label (知识卡片); `sheets`: other
    layouts by name with their labels (挂图 for wallchart). PosterError listing them all in Chinese if none."""
    names, sheets = layout_names(folder), sheets or {}
    if written in names or written in sheets:
        return written
    labels = {**sheets, **{n: load_layout(folder, n).label for n in names}}
    found = next((name for name, label in labels.items() if label == written.strip()), None)
    if found is None:
        guess = did_you_mean(written, labels, labels=labels)
        listed = "、".join(named(n, labels) for n in labels) or "（无）"
        noun = "版式" if sheets else "海报版式"
        raise PosterError(f"没有{noun} {written!r}{f'（{guess}）' if guess else ''}：中文名或版式名都可以，可用 {listed}")
    return found


def layout_label(folder: Path, name: str) -> str:
    """The Chinese name of `name`'s layout in `folder` (知识卡片); the name itself where it does not load."""
    try:
        return load_layout(folder, name).label
    except QmError:  # not loading for any reason: its file name still names it
        return name


def load_layout(folder: Path, name: str) -> Layout:
    path = folder / f"{name}.yaml"
    if not path.is_file():
        available = "、".join(layout_names(folder)) or "（无）"
        raise PosterError(problems=[Problem(f"没有海报版式 {name!r}", str(path), f"可用的版式：{available}")])
    if not path.resolve().is_relative_to(folder.resolve()):  # its text would be drawn on posters
        hint = f"版式只能使用 {folder}/ 里真正的文件：删掉这个链接，把版式文件复制进来"
        raise PosterError(problems=[Problem(f"海报版式 {path} 是指向 {folder} 文件夹以外的链接，不能使用", str(path), hint)])
    return _load(path, path.stat().st_mtime_ns)


@functools.lru_cache(maxsize=32)
def _load(path: Path, _mtime: int) -> Layout:
    raw = path.read_bytes()
    try:
        data = load(path)
    except YamlSyntaxError as exc:
        raise PosterError(problems=[exc.problem]) from exc
    r = Reader()
    if not isinstance(data, Mapping):
        raise PosterError(problems=[Problem("版式文件应当是一个映射（键: 值）", f"{path}:1")])
    r.keys(data, "", ("label", "size", "variants"))
    variants: dict[str, Variant] = {}
    section = r.section(data, "variants", "")
    if section is not None:
        r.keys(section, "variants", SHAPES)
        for shape in SHAPES:
            if (m := r.section(section, shape, "variants", required=False)) is not None:
                variants[shape] = _variant(r, m, shape)
    if not variants and not r.problems:
        r.problem(data.where(), "版式没有任何 variants", f"至少写一个：{' | '.join(SHAPES)}")
    if r.problems:
        raise PosterError(f"海报版式 {path} 有 {len(r.problems)} 个问题", r.problems)
    label, size = r.text(data, "label", "", path.stem), r.text(data, "size", "", "square")
    return Layout(path.stem, label, path, hashlib.sha256(raw).hexdigest()[:16], variants, size)


def _variant(r: Reader, m: Mapping, shape: str) -> Variant:
    path = f"variants.{shape}"
    r.keys(m, path, ("background", "photo", "shapes", "regions"))
    background = _colour(r, m, "background", path, "background")
    shapes = []
    items = r.seq(m, "shapes", path)
    for i, s in enumerate(items):
        if not isinstance(s, Mapping):
            r.problem(items.where(i), f"{path}.shapes[{i}] 应当是一个映射")
            continue
        r.keys(s, f"{path}.shapes[{i}]", ("box", "color", "radius"))
        radius = float(r.number(s, "radius", f"{path}.shapes[{i}]", 0.0, 0.0, 0.5))
        shapes.append(Shape(_box(r, s, f"{path}.shapes[{i}]"), _colour(r, s, "color", f"{path}.shapes[{i}]", "primary"), radius))
    regions = []
    rm = r.section(m, "regions", path)
    if rm is not None:
        r.keys(rm, f"{path}.regions", REGIONS)
        regions = [_region(r, rm[name], name, f"{path}.regions.{name}", rm.where(name)) for name in REGIONS if name in rm]
    return Variant(shape, background, tuple(shapes), tuple(x for x in regions if x is not None), r.flag(m, "photo", path, False))


def _region(r: Reader, m: object, name: str, path: str, where: str) -> Region | None:
    if not isinstance(m, Mapping):
        r.problem(where, f"{path} 应当是一个映射")
        return None
    keys = ("box", "fill") + (
        ("text", "weight", "color", "align", "valign", "max", "min", "line_height", "max_lines", "balance", "vertical")
        if name in TEXT_REGIONS
        else ("caption", "color")
    )
    r.keys(m, path, keys)
    texts = _patterns(r, m, path) if name in TEXT_REGIONS else ("",)
    largest, smallest = r.number(m, "max", path, 0.1, 0.005, 1.0), r.number(m, "min", path, 0.03, 0.002, 1.0)
    if smallest > largest:
        r.problem(
            m.where("min"),
            f"{path}.min（{smallest:g}）大于 max（{largest:g}）：最小字号不能比最大字号大",
            "把 min 改得比 max 小，如 min: 0.03",
        )
        smallest = largest
    return Region(
        name=name,
        box=_box(r, m, path),
        text=texts[0],
        shorter=texts[1:],
        weight=r.choice(m, "weight", path, ("regular", "medium", "bold", "heavy"), "regular"),
        color=_colour(r, m, "color", path, "text"),
        align=r.choice(m, "align", path, ("left", "center", "right"), "center"),
        valign=r.choice(m, "valign", path, ("top", "middle", "bottom"), "middle"),
        max_size=largest,
        min_size=smallest,
        line_height=r.number(m, "line_height", path, 1.35, 1.0, 3.0),
        max_lines=r.integer(m, "max_lines", path, 6, lo=1, hi=40),
        balance=r.flag(m, "balance", path, False),
        vertical=r.flag(m, "vertical", path, False),
        fill=_colour(r, m, "fill", path, "") if "fill" in m else "",
        caption=r.text(m, "caption", path, ""),
    )


def _patterns(r: Reader, m: Mapping, path: str) -> tuple[str, ...]:
    """`text` is one pattern, or a list of them from the fullest to the shortest."""
    patterns = r.texts(m, "text", path) if isinstance(m.get("text"), list) else (r.text(m, "text", path),)
    if not patterns:
        r.problem(m.where("text"), f"{path}.text 是空列表", "写一段文字，或从长到短的几段文字")
        return ("",)
    for pattern in patterns:
        try:
            parsed = list(string.Formatter().parse(pattern))
        except ValueError:
            r.problem(
                m.where("text"), f"{path}.text 中的 {{ 和 }} 不成对：{pattern!r}", "字段写成 {title} 这样；要显示花括号本身，写成 {{ 或 }}"
            )
            continue
        for _, field, spec, conversion in parsed:
            if field is not None and field not in FIELDS:
                r.problem(m.where("text"), f"{path}.text 中的 {{{field}}} 不可用", f"可用：{'、'.join('{' + f + '}' for f in FIELDS)}")
            elif spec or conversion:  # a width like {title:>999999999} would be drawn from a string of that size
                written = f"{{{field}{'!' + conversion if conversion else ''}{':' + spec if spec else ''}}}"
                r.problem(
                    m.where("text"), f"{path}.text 中的 {written} 带有格式说明", f"字段只写名字，如 {{{field}}}：字号和排版由版式决定"
                )
    return patterns


def _box(r: Reader, m: Mapping, path: str) -> Box:
    value = m.get("box")
    if (
        isinstance(value, list)
        and len(value) == 4
        and all(isinstance(v, (int, float)) and not isinstance(v, bool) and 0 <= v <= 1 for v in value)
        and value[0] + value[2] <= 1.0001
        and value[1] + value[3] <= 1.0001
    ):
        return (float(value[0]), float(value[1]), float(value[2]), float(value[3]))
    r.problem(m.where("box"), f"{path}.box 应当是 [x, y, 宽, 高]，都是 0–1 之间的比例，且不超出画面", "例如 box: [0.1, 0.1, 0.8, 0.3]")
    return (0.0, 0.0, 1.0, 1.0)


def _colour(r: Reader, m: Mapping, key: str, path: str, default: str) -> str:
    value = r.text(m, key, path, default)
    if value and value not in BRAND_COLOURS and not HEX.match(value):
        r.problem(m.where(key), f"{path}.{key} 不是颜色：{value!r}", f"写品牌颜色名（{' | '.join(BRAND_COLOURS)}）或 #RRGGBB")
    return value
