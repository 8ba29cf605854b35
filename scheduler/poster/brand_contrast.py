"""Whether the brand's colours keep the words readable on the designs in use, checked before anything
is drawn (pure: layouts and colours in, clashes out).

Each text region of each layout variant is judged against every colour that may lie behind its box:
its own fill, else the variant's background and the shapes and filled regions that overlap the box
(a photo background is left to the drawing, which darkens it until white text reads). The print
sheets put fixed pairs of brand colours together (`SHEET_PAIRS`). The bar is 3:1, the minimum for
large text: sizes are not known before drawing, and the tests check every drawn poster against the
full rules (rules.py). `qm check` reports a clash at the brand colour's line in config.yaml, or, when one
of the pair is a colour written in a layout (#RRGGBB), at that line of the layout file; the commands that
draw still draw, and note it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from ..inputs.campaign import Campaign
from ..inputs.located_yaml import Mapping
from ..inputs.poster_settings import Brand
from ..inputs.vocabulary import AREAS
from ..support.errors import Problem
from ..support.suggest import titled
from .layout import Box, Layout, family_folder, layout_names, load_layout
from .rules import LARGE_CONTRAST, contrast

BRAND_COLOURS = ("primary", "secondary", "accent", "text", "background")
# (words, behind them) on wall charts and leaflets: headers and footers, headings, key lines, body text
SHEET_PAIRS = (
    ("background", "primary"),
    ("background", "secondary"),
    ("secondary", "background"),
    ("primary", "background"),
    ("text", "background"),
)
SHAPE_LABELS = {"strip": "横幅", "wide": "横向", "square": "方形", "tall": "竖向"}


@dataclass(frozen=True)
class Clash:
    words: str  # a brand colour's name, or #RRGGBB written in the layout
    behind: str
    ratio: float
    where: str  # which design, for people: 版式 知识卡片（knowledge-card，方形）的 footer
    at: str = ""  # file:line of a colour of the pair written in the layout (#RRGGBB): the one to change

    def blamed(self) -> tuple[str, ...]:
        """The brand colours involved, the background first (the one most often changed)."""
        return tuple(name for name in (self.behind, self.words) if name in BRAND_COLOURS)

    def describe(self, brand: Brand) -> str:
        words, behind = (f"{_named(n)} {_value(n, brand)}" for n in (self.words, self.behind))
        return f"{self.where}：{words} 的文字在 {behind} 上，对比度 {self.ratio:.2f}:1，应不低于 {LARGE_CONTRAST:g}:1"


def clashes(brand: Brand, layouts: Iterable[Layout]) -> list[Clash]:
    """Every pair of colours on the designs whose contrast is below the bar, each said once."""
    pairs: dict[tuple[str, str], tuple[str, Spot | None]] = {}
    for layout in layouts:
        for shape, variant in layout.variants.items():
            layers = [(s.box, s.color) for s in variant.shapes] + [(r.box, r.fill) for r in variant.regions if r.fill]
            for region in variant.regions:
                if not region.is_text:
                    continue
                under = {region.fill} if region.fill else _behind(region.box, layers, set() if variant.photo else {variant.background})
                for colour in under:
                    where = f"版式 {titled(layout.name, layout.label, SHAPE_LABELS.get(shape, shape))}的 {region.name}"
                    pairs.setdefault((region.color, colour), (where, (layout, shape, region.name)))
    for pair in SHEET_PAIRS:
        pairs.setdefault(pair, ("挂图和传单", None))
    out = []
    for (words, behind), (where, spot) in pairs.items():
        ratio = contrast(_value(words, brand), _value(behind, brand))
        if ratio < LARGE_CONTRAST:
            at = _written_at(spot, words, behind) if spot is not None and not {words, behind} <= set(BRAND_COLOURS) else ""
            out.append(Clash(words, behind, ratio, where, at))
    return out


Spot = tuple[Layout, str, str]  # a text region of a layout: the layout, its variant's shape, the region's name


def _written_at(spot: Spot, words: str, behind: str) -> str:
    """file:line in the layout of the colour of the pair written there (the words' colour first, then the one
    behind: the region's fill, the variant's background or a shape's colour); the file when it cannot be told."""
    from ..inputs.located_yaml import YamlSyntaxError, load

    layout, shape, name = spot
    try:
        variant = load(layout.path)["variants"][shape]
        region = variant["regions"][name]
    except (YamlSyntaxError, KeyError, TypeError):
        return str(layout.path)
    if words not in BRAND_COLOURS:
        return str(region.where("color"))
    if region.get("fill") == behind:
        return str(region.where("fill"))
    if variant.get("background") == behind:
        return str(variant.where("background"))
    shapes = [s for s in variant.get("shapes") or () if isinstance(s, Mapping) and s.get("color") == behind]
    return str(shapes[0].where("color")) if shapes else str(layout.path)


def _behind(box: Box, layers: list[tuple[Box, str]], base: set[str]) -> set[str]:
    found = set(base)
    for layer, colour in layers:
        if _overlaps(layer, box):
            found = {colour} if _covers(layer, box) else found | {colour}
    return found


def _overlaps(a: Box, b: Box) -> bool:
    return a[0] < b[0] + b[2] and b[0] < a[0] + a[2] and a[1] < b[1] + b[3] and b[1] < a[1] + a[3]


def _covers(a: Box, b: Box) -> bool:
    return a[0] <= b[0] and a[1] <= b[1] and a[0] + a[2] >= b[0] + b[2] and a[1] + a[3] >= b[1] + b[3]


def _value(name: str, brand: Brand) -> str:
    return str(getattr(brand, name)) if name in BRAND_COLOURS else name


def _named(name: str) -> str:
    return f"brand.{name}" if name in BRAND_COLOURS else "版式里写的颜色"


def families_in_use(campaign: Campaign) -> list[str]:
    """The poster families the campaign's posters are drawn in (posters.family, posters.families)."""
    return sorted({campaign.posters.family_for(area) for area in AREAS})


def campaign_clashes(campaign: Campaign) -> list[Problem]:
    """The clashes on the campaign's own designs, each at the line in config.yaml of the brand colour to change."""
    layouts = [
        load_layout(folder, name)
        for folder in (family_folder(campaign.paths.templates, f) for f in families_in_use(campaign))
        for name in layout_names(folder)
    ]
    found = clashes(campaign.brand, layouts)
    if not found:
        return []
    written = _brand_section(campaign)
    problems = []
    for clash in found:
        if clash.at:  # a colour written in the layout: change it there
            problems.append(Problem(clash.describe(campaign.brand), clash.at, _layout_hint(clash, campaign.brand)))
            continue
        names = [n for n in clash.blamed() if written is not None and n in written] or list(clash.blamed())
        where = str(campaign.config_path) if written is None else str(written.where(names[0]) if names[0] in written else written.where())
        change = " 或 ".join(f"brand.{n}" for n in names) or "版式里写的颜色"
        problems.append(Problem(clash.describe(campaign.brand), where, f"换一个与之反差更大的 {change}：深色底配浅色字，浅色底配深色字"))
    return problems


def _layout_hint(clash: Clash, brand: Brand) -> str:
    """Change the colour the layout writes (the words' first), against the other one of the pair."""
    written, other = (clash.words, clash.behind) if clash.words not in BRAND_COLOURS else (clash.behind, clash.words)
    return (
        f"把版式里写的颜色 {written} 换成与 {_named(other)} {_value(other, brand)} 反差更大的颜色（深色底配浅色字，浅色底配深色字），"
        f"也可以写品牌颜色名 {'、'.join(BRAND_COLOURS[:-1])} 或 {BRAND_COLOURS[-1]}"
    )


def _brand_section(campaign: Campaign) -> Mapping | None:
    """The brand section of config.yaml, with its lines; None when the config has none."""
    from ..inputs.located_yaml import YamlSyntaxError, load

    try:
        brand = load(campaign.config_path).get("brand")
    except YamlSyntaxError:
        return None
    return brand if isinstance(brand, Mapping) else None
