"""What the campaign runs on, read from config.yaml's `posters:` section: the banner's size, the print
sheets `qm posters` also makes, and the poster families (with the photograph the photo family needs)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .located_yaml import Mapping
from .poster_settings import POSTER_FAMILIES, PosterConfig, PrintSheet
from .readers import Reader, under
from .vocabulary import AREAS


def posters(r: Reader, data: Mapping, base: Path) -> PosterConfig:
    m = r.section(data, "posters", "", required=False)
    if m is None:
        return PosterConfig()
    r.keys(m, "posters", ("banner", "print", "family", "families", "photo"))
    design = {"prints": _prints(r, m), **_families(r, m, base)}
    b = r.section(m, "banner", "posters", required=False)
    if b is None:
        return PosterConfig(**design)
    path = "posters.banner"
    r.keys(b, path, ("length", "height", "dpi"))
    length = r.number(b, "length", path, PosterConfig.banner_length, lo=0.5, hi=30)
    height = r.number(b, "height", path, PosterConfig.banner_height, lo=0.2, hi=3)
    dpi = r.integer(b, "dpi", path, PosterConfig.banner_dpi, lo=10, hi=300)
    if length * height * (dpi / 0.0254) ** 2 > 150e6:
        r.problem(
            b.where("dpi"),
            f"横幅 {length}×{height} 米在 {dpi} dpi 下超过 1.5 亿像素，无法生成",
            "降低 posters.banner.dpi（横幅通常 72 dpi 即可）",
        )
    if height >= length:
        r.problem(b.where("height"), "横幅的高度应小于长度", "length 是长度（米），height 是高度（米）")
    return PosterConfig(banner_length=length, banner_height=height, banner_dpi=dpi, **design)


def _families(r: Reader, m: Mapping, base: Path) -> dict[str, Any]:
    """posters.family (the campaign's poster family), posters.families (an area's own), posters.photo."""
    family = r.choice(m, "family", "posters", POSTER_FAMILIES, "red")
    families: list[tuple[str, str]] = []
    f = r.section(m, "families", "posters", required=False)
    if f is not None:
        r.keys(f, "posters.families", AREAS)
        families = [(area, r.choice(f, area, "posters.families", POSTER_FAMILIES)) for area in AREAS if area in f]
    photo = None
    if "photo" in m:
        photo = under(base, r.text(m, "photo", "posters"))
        if not photo.is_file():
            r.problem(m.where("photo"), f"照片不存在：{photo}", "检查 posters.photo 的路径（JPG 或 PNG）")
    if photo is None and "photo" in {family, *(fam for _, fam in families)}:
        r.problem(
            m.where("family" if family == "photo" else "families"),
            "照片系列的海报需要一张照片",
            "在 posters.photo 写照片文件（JPG 或 PNG，路径相对于 config.yaml），如 photo: templates/posters/photo/example-city.jpg",
        )
    return {"family": family, "families": tuple(families), "photo": photo}


def _prints(r: Reader, m: Mapping) -> tuple[PrintSheet, ...]:
    """posters.print: the print PDFs `qm posters` also makes (each as `qm print` would)."""
    out = []
    items = r.seq(m, "print", "posters")
    for i, s in enumerate(items):
        path = f"posters.print[{i}]"
        if not isinstance(s, Mapping):
            r.problem(items.where(i), f"{path} 应当是一个映射", "例如 {layout: wallchart, topic: anti-fake, size: a2}")
            continue
        r.keys(s, path, ("layout", "topic", "items", "size", "cmyk"))
        sheet = PrintSheet(
            layout=r.text(s, "layout", path),
            size=r.text(s, "size", path, ""),
            topic=r.text(s, "topic", path, ""),
            items=r.texts(s, "items", path) if "items" in s else (),
            cmyk=r.flag(s, "cmyk", path, False),
            where=s.where(),
        )
        if bool(sheet.topic) == bool(sheet.items):
            r.problem(s.where(), f"{path} 要写 topic（主题或领域）或 items（内容编号列表），二者选一")
        out.append(sheet)
    return tuple(out)
