"""The poster's CJK font, made embeddable in a PDF.

PDF cannot carry an OpenType variable font with CFF2 outlines (the bundled Noto Sans CJK), and the
PDF library (reportlab) embeds TrueType outlines only. So for each weight a PDF uses, the characters it
needs are cut out of the font with fontTools, taken at the weight's named instance (the same instance
Pillow draws the PNG posters with), their cubic outlines turned into quadratic TrueType ones (cu2qu,
error below 1/1000 em: invisible at any size) and saved as a small static TrueType font, which
reportlab then subsets and embeds. Text stays text: selectable, searchable, extractable.

Each cut face has a PostScript name of its own (the family and weight, then a digest of what it was cut
from and for: the font file's bytes, not its place, for the name is in the PDF and a sheet made again in
another folder, venv or machine must be the same bytes to stay signed off): reportlab keeps one font per face name for the whole process, so a second cut of the same
weight with other characters, registered under the same face name, would be swapped for the first one
and its other characters drawn as empty boxes (a leaflet made after a wall chart in one `qm posters`).

The cutting takes seconds for each weight; given the campaign's state folder, each cut face is kept there
(`kept_fonts.PRINT`) and taken again by the next print of the same words.
"""

from __future__ import annotations

import functools
import hashlib
import io
from pathlib import Path
from typing import Any

from fontTools import subset
from fontTools.fontBuilder import FontBuilder
from fontTools.pens.cu2quPen import Cu2QuPen
from fontTools.pens.ttGlyphPen import TTGlyphPen
from fontTools.ttLib import TTFont, TTLibError
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont as PdfTTFont

from ..support.errors import PosterError
from ..support.file_digest import file_digest
from .fonts import WEIGHTS, FontFile
from .kept_fonts import PRINT

FORMAT = "3"  # of the cut faces kept in the state folder: raise it when the conversion below changes
MAX_ERROR = 1.0  # font units (1/1000 em for Noto CJK)
DROPPED = ["BASE", "VORG", "vhea", "vmtx", "GPOS", "GSUB", "GDEF", "STAT", "DSIG", "JSTF", "MATH"]


def register(font: FontFile, weight: str, text: str, state: Path | None = None) -> str:
    """The reportlab name of `font` at `weight`, covering every character of `text` (registered once); with
    the campaign's `state` folder, the cut face is kept there and taken again for the same characters."""
    chars = "".join(sorted(set(text) | set(" 0123456789")))
    name = "QM-" + hashlib.sha256(f"{font.identity}|{weight}|{chars}".encode()).hexdigest()[:12]
    if name not in pdfmetrics.getRegisteredFontNames():
        key = PRINT.fingerprint(font, chars, weight, FORMAT, str(MAX_ERROR), *DROPPED)
        data = PRINT.taken_or_cut(state, key, lambda: truetype(str(font.path), font.index, weight, chars))
        pdfmetrics.registerFont(PdfTTFont(name, io.BytesIO(data)))
    return name


@functools.lru_cache(maxsize=16)
def truetype(path: str, index: int, weight: str, chars: str) -> bytes:
    """A static TrueType font with only `chars`, at the named instance for `weight`."""
    try:
        source = TTFont(path, fontNumber=index, lazy=True)
        options = subset.Options()
        options.layout_features, options.hinting, options.notdef_outline, options.name_IDs = [], False, True, ["*"]
        options.drop_tables += DROPPED
        cutter = subset.Subsetter(options)
        cutter.populate(text=chars)
        cutter.subset(source)
        tag = hashlib.sha256(f"{file_digest(Path(path))}|{index}|{weight}|{chars}".encode()).hexdigest()[:10]
        return _rebuild(source, weight, tag)
    except (OSError, TTLibError, KeyError, ValueError) as exc:
        raise PosterError(
            f"无法把字体 {path} 转换为可嵌入 PDF 的字体：{exc}（可在 config.yaml 的 brand.font 指定一个 TrueType 中文字体）"
        ) from exc


def _rebuild(source: TTFont, weight: str, tag: str) -> bytes:
    """The cut `source` as a static TrueType font; `tag` makes its PostScript name its own (see the module's text)."""
    order = source.getGlyphOrder()
    glyph_set = source.getGlyphSet(location=_location(source, weight))
    glyphs: dict[str, Any] = {}
    advances: dict[str, int] = {}
    for name in order:
        pen = TTGlyphPen(None)
        glyph_set[name].draw(Cu2QuPen(pen, MAX_ERROR, reverse_direction=source.sfntVersion == "OTTO"))
        glyphs[name], advances[name] = pen.glyph(), round(glyph_set[name].width)
    builder = FontBuilder(source["head"].unitsPerEm, isTTF=True)
    builder.setupGlyphOrder(order)
    builder.setupCharacterMap(source.getBestCmap())
    builder.setupGlyf(glyphs)
    glyf = builder.font["glyf"]
    builder.setupHorizontalMetrics({n: (advances[n], getattr(glyf[n], "xMin", 0)) for n in order})
    builder.setupHorizontalHeader(ascent=source["hhea"].ascent, descent=source["hhea"].descent)
    family = str(source["name"].getDebugName(1) or "CJK")
    style = WEIGHTS.get(weight, "Regular")
    builder.setupNameTable({"familyName": family, "styleName": style, "psName": f"{family}-{style}-{tag}".replace(" ", "")})
    os2 = source["OS/2"]
    builder.setupOS2(
        sTypoAscender=os2.sTypoAscender,
        sTypoDescender=os2.sTypoDescender,
        usWinAscent=os2.usWinAscent,
        usWinDescent=os2.usWinDescent,
        fsType=0,
    )
    builder.setupPost()
    # The source's dates, not the time of the cut: a face cut again (evicted from the kept ones, another
    # machine, a new state folder) must make a sheet of the same words byte for byte the one signed off.
    head = builder.font["head"]
    head.created, head.modified = source["head"].created, source["head"].modified
    builder.font.recalcTimestamp = False
    out = io.BytesIO()
    builder.save(out)
    return out.getvalue()


def _location(font: TTFont, weight: str) -> dict[str, float] | None:
    """Axis values of the named instance Pillow uses for `weight` ("Black" for heavy); None for a static font."""
    if "fvar" not in font:
        return None
    wanted = WEIGHTS.get(weight, "Regular")
    for instance in font["fvar"].instances:
        if font["name"].getDebugName(instance.subfamilyNameID) == wanted:
            return dict(instance.coordinates)
    return {axis.axisTag: axis.defaultValue for axis in font["fvar"].axes}
