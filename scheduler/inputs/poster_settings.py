"""How the campaign's pictures look and what it prints: the brand, the poster families, the print sheets and
the posters' settings (config.yaml `brand:` and `posters:`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from .vocabulary import subject


@dataclass(frozen=True)
class Brand:
    primary: str = "#C8102E"
    secondary: str = "#1F4E9D"
    accent: str = "#F2B705"
    text: str = "#1A1A1A"
    background: str = "#FFFFFF"
    logo: Path | None = None
    qr_link: str = ""
    font: Path | None = None
    font_where: str = field(default="", repr=False, compare=False)  # config.yaml file:line of brand.font


# poster families (designs), each a folder of layouts; the default red one is templates/posters/ itself
POSTER_FAMILIES = {"red": "红色（默认）", "sheet": "知识单（浅色底，带插图）", "photo": "照片（铺底照片，自动加深）"}


SHEET_LAYOUTS = {"wallchart": "挂图", "leaflet": "传单"}  # the print sheets that are not a poster layout, by their Chinese names


@dataclass(frozen=True)
class PrintSheet:
    """A print PDF (`qm print`): a sheet (wallchart 挂图, leaflet 传单) or a poster layout, its items and paper."""

    layout: str
    size: str = ""  # paper name; "" = the layout's usual one
    topic: str = ""  # a topic or area key
    items: tuple[str, ...] = ()
    cmyk: bool = False
    where: str = field(default="", repr=False, compare=False)  # config.yaml file:line of a `posters.print` entry; "" = qm print

    @property
    def paper(self) -> str:
        """The paper's name, as the print shop writes it or not (A2 or a2)."""
        return self.size.strip().lower() or {"wallchart": "a2", "leaflet": "a4"}.get(self.layout, "a3")

    def file_name(self) -> str:
        named = subject(self.topic)  # 识假辨假 and anti-fake write the same file
        what = (named[1] if named else self.topic) or "-".join(self.items[:2]) + ("-等" if len(self.items) > 2 else "")
        return f"{self.layout}-{what}-{self.paper}{'-cmyk' if self.cmyk else ''}.pdf"


@dataclass(frozen=True)
class PosterConfig:
    """Print sizes the campaign orders: the banner (横幅) in metres, rendered at `banner_dpi`; print PDFs
    the posters batch makes too."""

    banner_length: float = 6.0  # metres
    banner_height: float = 0.6
    banner_dpi: int = 72
    prints: tuple[PrintSheet, ...] = ()
    family: str = "red"  # the poster family (design): red | sheet | photo
    families: tuple[tuple[str, str], ...] = ()  # (area, family): an area's own family
    photo: Path | None = None  # the photograph under the photo family's posters

    def family_for(self, area: str) -> str:
        return dict(self.families).get(area, self.family)
