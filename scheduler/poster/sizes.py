"""Poster sizes by name: the presets each medium takes, the campaign's screens, print paper, the banner, any WxH."""

from __future__ import annotations

from dataclasses import dataclass

from ..inputs.campaign import Campaign
from ..inputs.config import MAX_SIDE, SIZE_RE, area_too_big
from ..inputs.poster_settings import PosterConfig
from ..support.errors import PosterError

# name -> (width, height, medium); the medium decides the file-size limit (export.LIMITS)
PRESETS: dict[str, tuple[int, int, str]] = {
    "wechat-cover": (900, 383, "wechat-cover"),
    "wechat-square": (500, 500, "wechat-inline"),
    "square": (1080, 1080, "weibo"),
    "portrait": (1080, 1440, "weibo"),
}
SIZE_LABELS = {"wechat-cover": "公众号封面", "wechat-square": "公众号配图", "square": "方图", "portrait": "竖图"}  # as staff call them
PAPER_MM = {"a3": (297, 420), "a2": (420, 594)}
PRINT_DPI = 300


@dataclass(frozen=True)
class Size:
    name: str  # as asked for: the file name uses it
    width: int
    height: int
    dpi: int = 72
    pdf: bool = False  # print sizes also get a PDF at the same resolution
    medium: str = ""  # key into export.LIMITS; "" = no file-size limit
    kind: str = "custom"  # phone | cover | screen | print | banner | custom: what rules.py holds it to

    @property
    def scannable(self) -> bool:
        """A QR code is drawn only where someone can scan it: not on a share cover, an LED screen or a banner."""
        return self.kind not in ("cover", "screen", "banner")

    @property
    def short(self) -> int:
        return min(self.width, self.height)


def resolve(name: str, campaign: Campaign | None = None) -> Size:
    """A size by preset name, screen id, paper name, `banner` or `WxH`; a clear error otherwise.
    `WxH` equal to one of the campaign's screens is that screen's size (slides are drawn at it)."""
    if name in PRESETS:
        w, h, medium = PRESETS[name]
        return Size(name, w, h, medium=medium, kind="cover" if name == "wechat-cover" else "phone")
    if name in PAPER_MM:
        return on_paper(name, *PAPER_MM[name])
    if name == "banner":
        return banner(campaign)
    screens = {s.id: s for s in campaign.screens} if campaign else {}
    if name in screens:
        _refuse_area(name, screens[name].width, screens[name].height)  # checked in config.yaml too
        return Size(name, screens[name].width, screens[name].height, kind="screen")
    match = SIZE_RE.match(name)
    if match:
        w, h = int(match.group(1)), int(match.group(2))
        if not (16 <= w <= MAX_SIDE and 16 <= h <= MAX_SIDE):
            raise PosterError(f"尺寸 {name} 超出范围（每边 16–{MAX_SIDE} 像素）")
        _refuse_area(name, w, h)
        # a screen's own pixel size (what its slides are drawn at) is held to the screen's rules: no QR code
        on_screen = any((s.width, s.height) == (w, h) for s in screens.values())
        return Size(f"{w}x{h}", w, h, kind="screen" if on_screen else "custom")
    raise PosterError(f"未知的海报尺寸 {name!r}（可用：{'、'.join(names(campaign))}，或写作 宽x高，如 1920x1080）")


def _refuse_area(name: str, width: int, height: int) -> None:
    """A size whose drawing would take gigabytes is refused before anything is drawn (`area_too_big`)."""
    if why := area_too_big(width, height):
        raise PosterError(
            f"尺寸 {name} 太大：{why}；公众号和微博的图片在手机上看，1080 像素宽就够了（如 square、portrait 或 1080x1440），"
            "电子屏用它的实际像素，印刷品用 a3、a2"
        )


def on_paper(name: str, width_mm: float, height_mm: float) -> Size:
    """A sheet of paper at 300 dpi, held to the print rules (`rules.HOTLINE_SHARE`): the PNG of a3 or a2 and the
    print PDF of the same paper (`qm print`) are arranged alike."""
    return Size(name, mm_to_px(width_mm, PRINT_DPI), mm_to_px(height_mm, PRINT_DPI), PRINT_DPI, pdf=True, kind="print")


def banner(campaign: Campaign | None) -> Size:
    cfg = campaign.posters if campaign else PosterConfig()
    w = round(cfg.banner_length / 0.0254 * cfg.banner_dpi)
    h = round(cfg.banner_height / 0.0254 * cfg.banner_dpi)
    return Size("banner", w, h, cfg.banner_dpi, kind="banner")


def canonical(name: str, campaign: Campaign | None = None) -> str:
    """A size as asked for, spelled the way qm names it: A3 or SQUARE is a3 or square (a screen id keeps its case)."""
    name = name.strip()
    known = names(campaign)
    if name in known:
        return name
    return name.lower() if name.lower() in known else name


def names(campaign: Campaign | None) -> list[str]:
    screens = [s.id for s in campaign.screens] if campaign else []
    return [*PRESETS, *PAPER_MM, "banner", *screens]


def mm_to_px(mm: float, dpi: int) -> int:
    return round(mm / 25.4 * dpi)


def size_label(name: str) -> str:
    """A size as staff call it: 方图, 公众号封面; A3; 1920×1080 for a screen's or any other pixel size."""
    return SIZE_LABELS.get(name, name.upper() if name in PAPER_MM else name.replace("x", "×"))
