"""The work summary's charts, drawn with matplotlib (Agg) in the bundled Chinese font.

The font is Noto Sans CJK SC from the bundled collection (`poster.fonts`): matplotlib reads only the
first face of a collection and its variable font's default weight is the thinnest, so the SC face
is cut down to the characters the charts use and fixed at regular weight — a file of a few hundred
glyphs. Cutting it takes several seconds of CPU (most of a report's time), so the cut font is kept in
the state folder and reused by the next report whose charts use the same characters (`poster.kept_fonts`).
Every label is checked against that font first: a character it lacks is refused with a message, never
drawn as an empty box.
"""

from __future__ import annotations

import datetime as dt
import io
import tempfile
from dataclasses import dataclass
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

from matplotlib import font_manager
from matplotlib import pyplot as plt

from ..poster.fonts import FontFile, bundled_font, candidates
from ..poster.kept_fonts import CHART
from ..support.errors import QmError
from .figures import Figures

DPI = 150
ASCII = "".join(chr(c) for c in range(0x20, 0x7F))
COLORS = ("#C8102E", "#1F4E9D", "#F2B705", "#2E8B57", "#7F7F7F", "#8E44AD")


class ChartError(QmError):
    pass


@dataclass(frozen=True)
class Chart:
    key: str
    title: str
    path: Path


def chart_font(text: str, folder: Path, state: Path | None = None) -> Path:
    """A font file in `folder` with every character of `text`, regular weight, for matplotlib; with the
    campaign's `state` folder, the cut is kept there and taken again for the same characters."""
    font_file = bundled_font() or next(iter(candidates(None, bundled=False)), None)
    if font_file is None:
        raise ChartError("找不到中文字体，无法画图表：安装 manimgx-fonts-cjk（随 qm 安装）或系统字体 fonts-noto-cjk")
    data = CHART.taken_or_cut(state, CHART.fingerprint(font_file, text + ASCII), lambda: cut_font(font_file, text))
    path = folder / "chart-font.otf"
    path.write_bytes(data)
    return path


def cut_font(font_file: FontFile, text: str) -> bytes:
    """The face of `font_file` cut down to `text` and printable ASCII, at regular weight (an OpenType file);
    a character of `text` the face lacks is refused."""
    from fontTools import subset
    from fontTools.ttLib import TTFont
    from fontTools.varLib import instancer

    font = TTFont(str(font_file.path), fontNumber=font_file.index, lazy=True)  # as fontTools' own subsetter opens fonts
    missing = sorted({c for c in text if not c.isspace() and ord(c) not in font.getBestCmap()})
    if missing:
        raise ChartError(f"图表文字中的字符 {''.join(missing)} 不在字体 {font_file.path.name} 里，无法显示（修改标题或内容名称）")
    options = subset.Options()
    options.layout_features = ["*"]
    options.name_IDs = ["*"]
    options.notdef_outline = True
    cutter = subset.Subsetter(options)
    cutter.populate(text=text + ASCII)
    cutter.subset(font)
    if "fvar" in font:
        font = instancer.instantiateVariableFont(font, {"wght": 400})
    out = io.BytesIO()
    font.save(out)
    return out.getvalue()


def draw_all(figures: Figures, folder: Path, state: Path | None = None) -> list[Chart]:
    """The charts that have data: posts per day by channel, reads of the top articles, plays per screen;
    the font is kept in the campaign's `state` folder when given (`chart_font`)."""
    plans = [_posts_per_day(figures), _top_reads(figures), _screen_plays(figures)]
    wanted = [p for p in plans if p is not None]
    if not wanted:
        return []
    text = "".join(p.text() for p in wanted)
    with tempfile.TemporaryDirectory(prefix="qm-chart-font-") as tmp:
        font_path = chart_font(text, Path(tmp), state)
        font_manager.fontManager.addfont(str(font_path))
        name = font_manager.FontProperties(fname=str(font_path)).get_name()
        try:
            with plt.rc_context({"font.family": name, "axes.unicode_minus": False}):
                return [p.draw(folder) for p in wanted]
        finally:  # the file goes with the folder: a later drawing in this process must not find it by name
            fonts = font_manager.fontManager.ttflist
            fonts[:] = [f for f in fonts if f.fname != str(font_path)]


@dataclass(frozen=True)
class _Bars:
    key: str
    title: str
    labels: list[str]
    series: dict[str, list[float]]  # legend -> one value per label
    ylabel: str
    horizontal: bool = False

    def text(self) -> str:
        return self.title + self.ylabel + "".join(self.labels) + "".join(self.series)

    def draw(self, folder: Path) -> Chart:
        fig, ax = plt.subplots(figsize=(8, 4.2 if not self.horizontal else 0.45 * len(self.labels) + 1.4))
        positions = list(range(len(self.labels)))
        bottom = [0.0] * len(self.labels)
        for n, (legend, values) in enumerate(self.series.items()):
            color = COLORS[n % len(COLORS)]
            if self.horizontal:
                ax.barh(positions, values, color=color, label=legend)
            else:
                ax.bar(positions, values, bottom=bottom, color=color, label=legend)
                bottom = [b + v for b, v in zip(bottom, values, strict=True)]
        if self.horizontal:
            ax.set_yticks(positions, self.labels)
            ax.invert_yaxis()
            ax.set_xlabel(self.ylabel)
            for y, value in zip(positions, next(iter(self.series.values())), strict=True):
                ax.text(value, y, f" {value:g}", va="center", fontsize=8)
        else:
            ax.set_xticks(positions, self.labels, rotation=90 if len(self.labels) > 12 else 0, fontsize=8)
            ax.set_ylabel(self.ylabel)
        ax.set_title(self.title)
        if len(self.series) > 1:
            ax.legend(frameon=False)
        ax.spines[["top", "right"]].set_visible(False)
        fig.tight_layout()
        path = folder / f"{self.key}.png"
        fig.savefig(path, dpi=DPI)
        plt.close(fig)
        return Chart(self.key, self.title, path)


def _posts_per_day(figures: Figures) -> _Bars | None:
    by_day = figures.published_by_day()
    if not by_day:
        return None
    channels = sorted({c for per in by_day.values() for c in per})
    days = [dt.date.fromisoformat(d) for d in by_day]
    labels = [f"{d.month}月{d.day}日" for d in days]
    series = {c: [float(by_day[d.isoformat()].get(c, 0)) for d in days] for c in channels}
    return _Bars("posts-per-day", "每日发布条数（按渠道）", labels, series, "条")


def _top_reads(figures: Figures) -> _Bars | None:
    top = figures.top_articles()
    if not top:
        return None
    labels = [_short(p.title) for p in top]
    return _Bars(
        "top-reads", f"阅读人数最多的 {len(top)} 篇公众号文章", labels, {"阅读人数": [p.figures["read_user"] for p in top]}, "人", True
    )


def _screen_plays(figures: Figures) -> _Bars | None:
    totals = figures.screen_totals()
    if not totals:
        return None
    labels = list(totals)
    return _Bars("screen-plays", "各电子屏播放次数", labels, {"播放次数": [totals[n]["plays"] for n in labels]}, "次", True)


def _short(title: str, limit: int = 18) -> str:
    return title if len(title) <= limit else title[: limit - 1] + "…"
