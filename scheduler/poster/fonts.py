"""Finding a CJK font and loading it at a size and weight.

Resolution order (TECH-NOTES): the font named in `brand.font`, then the bundled dependency
`manimgx-fonts-cjk` (Noto Sans CJK variable font, SC at index 2), then system fonts. The first font
that has a glyph for every character of the poster's text wins; if none has, the poster is refused
with a message saying which characters are missing. Nothing is ever drawn as empty boxes.
"""

from __future__ import annotations

import bisect
import contextlib
import functools
import importlib.util
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from ..support.errors import PosterError, Problem
from ..support.file_digest import file_digest
from .cmap import code_ranges

if TYPE_CHECKING:  # Pillow is imported when a font is loaded: pages that only name the font file start without it
    from PIL import ImageFont

BUNDLED_PACKAGE = "manimgx_fonts_cjk"
BUNDLED_FILE = "NotoSansCJK-VF.otf.ttc"
SC_INDEX = 2  # Simplified Chinese face in Noto Sans CJK collections
PROBE = "质量月提升水平建设强市，。"  # a font without these is not a Simplified Chinese font
WEIGHTS = {"regular": "Regular", "medium": "Medium", "bold": "Bold", "heavy": "Black"}
SYSTEM_FILES = (
    ("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc", SC_INDEX),
    ("/usr/share/fonts/opentype/noto/NotoSansCJK-Black.ttc", SC_INDEX),
    ("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc", 0),
    ("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc", 0),
)
CONFIGURED = "配置的字体"  # a FontFile's origin when brand.font names it
REF_PX = 1000  # the size of the one face per weight that widths are measured with


def install_hint() -> str:
    """How to get a Chinese font: pip of the interpreter qm runs in, by absolute path (right from any folder)."""
    from ..support.commands import pip_command  # only when advice is given: `qm check` with a font starts without it

    return (
        f"安装内置字体（{pip_command()} install manimgx-fonts-cjk），或安装系统字体（apt-get install fonts-noto-cjk），"
        "或在 config.yaml 的 brand.font 指定一个中文字体文件"
    )


@dataclass(frozen=True)
class FontFile:
    path: Path
    index: int
    origin: str  # what a person reads: 配置的字体 | 内置字体 | 系统字体

    @property
    def identity(self) -> str:
        """Part of every poster's cache key. The font the config names counts by its content (staff may save it
        again unchanged); a bundled or system font, which a package installs, by its place, size and time:
        hashing those would read every Chinese font on the machine (tens of MB) in each command."""
        if self.origin == CONFIGURED:
            return f"{self.index}:{file_digest(self.path)}"
        try:
            st = self.path.stat()
        except OSError:
            return f"{self.path}:{self.index}:missing"
        return f"{self.path}:{self.index}:{st.st_size}:{st.st_mtime_ns}"

    def load(self, size: int, weight: str = "regular") -> ImageFont.FreeTypeFont:
        return load_font(str(self.path), self.index, size, weight)


def bundled_font() -> FontFile | None:
    path = _bundled_path()
    return FontFile(path, SC_INDEX, "内置字体") if path is not None and path.is_file() else None


def _bundled_path() -> Path | None:
    """Where the bundled font file is when its package is installed (the file itself may be missing)."""
    spec = importlib.util.find_spec(BUNDLED_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations))) / BUNDLED_FILE


def no_font(posters: int | None = None) -> tuple[str, str]:
    """What to say, and how to fix it, when no Chinese font is found: a fault of the installation, not of
    the words. The bundled font's file is named when its package is installed without it; `posters`, how
    many posters it stops, when a run knows."""
    stopped = f"{posters} 张海报都无法生成" if posters is not None else "海报都无法生成"
    path = _bundled_path()
    if path is not None and not path.is_file():
        from ..support.commands import pip_command

        return (
            f"内置字体文件不存在：{path}，{stopped}",
            f"重新安装内置字体（{pip_command()} install --force-reinstall manimgx-fonts-cjk），或在 config.yaml 的 brand.font 指定一个中文字体文件",
        )
    return f"找不到中文字体，{stopped}", install_hint()


def no_font_problem(posters: int | None = None) -> Problem:
    """`no_font` as the one problem a run reports, however many posters it stops (qm posters, qm build,
    qm screen build, qm preview): said once, not once a poster."""
    message, hint = no_font(posters)
    return Problem(message, hint=hint)


def none_found(configured: Path | None) -> bool:
    """No Chinese font at all; the system's fonts (a fc-list run) are looked for only without the others."""
    return not (candidates(configured, system=False) or candidates(configured))


def system_fonts() -> list[FontFile]:
    found = [FontFile(Path(p), i, "系统字体") for p, i in SYSTEM_FILES if Path(p).is_file()]
    for file in fontconfig_files():
        if all(f.path != file for f in found):
            found.append(FontFile(file, _sc_index(file), "系统字体"))
    return found


@functools.cache
def fontconfig_files() -> tuple[Path, ...]:
    """The Chinese font files fontconfig knows, asked once per process: every poster the daemon draws
    looks for fonts, and `fc-list` takes about 20 ms. A font installed later is found after a restart."""
    import shutil
    import subprocess  # (and its modules) only when the system's fonts are looked for

    if not shutil.which("fc-list"):
        return ()
    try:
        out = subprocess.run(["fc-list", ":lang=zh-cn", "file", "index"], capture_output=True, text=True, timeout=10).stdout
    except (OSError, subprocess.SubprocessError):
        return ()
    return tuple(Path(file) for file in sorted({line.partition(":")[0] for line in out.splitlines()}) if file)


def candidates(configured: Path | None, *, bundled: bool = True, system: bool = True) -> list[FontFile]:
    """Fonts in the order they are tried. Tests pass bundled/system=False to simulate a bare machine."""
    out = [FontFile(configured, _sc_index(configured), CONFIGURED)] if configured else []
    if bundled and (b := bundled_font()):
        out.append(b)
    if system:
        out += system_fonts()
    return out


# Pages qm writes (previews, the plan grid) name the usual Chinese system fonts first; "qm-cjk" is
# the font qm draws posters with, declared by `css_font_face`, for machines that have none.
CSS_FAMILIES = '"Noto Sans CJK SC","Noto Sans SC","PingFang SC","Microsoft YaHei","qm-cjk",sans-serif'


def css_font_face(configured: Path | None) -> str:
    """An @font-face rule for "qm-cjk": the configured or bundled font as a local file URL (never a
    remote one), so a page opened on a server without Chinese fonts shows no empty boxes."""
    files = candidates(configured, system=False)
    return f'@font-face{{font-family:"qm-cjk";src:url("{files[0].path.as_uri()}")}}' if files else ""


def _sc_index(path: Path) -> int:
    """A configured Noto CJK collection means its SC face; any other file its first face."""
    return SC_INDEX if path.suffix.lower() == ".ttc" and "cjk" in path.name.lower() else 0


def choose(fonts: Sequence[FontFile], text: str) -> FontFile:
    """The first font with every glyph `text` needs (and Simplified Chinese at all)."""
    needed = {ch for ch in text + PROBE if not ch.isspace()}
    shortfalls: list[str] = []
    for font in fonts:
        missing = sorted(ch for ch in needed if not covers(font, ch))
        if not missing:
            return font
        shown = "".join(missing[:12]) + ("…" if len(missing) > 12 else "")
        shortfalls.append(f"{font.origin} {font.path.name} 缺少 {len(missing)} 个字：{shown}")
    if not fonts:
        raise PosterError("{}（{}）".format(*no_font()))
    more = f"等 {len(shortfalls)} 个字体" if len(shortfalls) > 3 else ""
    hint = (
        "这些字多半是表情符号或生僻字：从文字中删去或换掉它们，或在 config.yaml 的 brand.font 指定一个包含它们的字体文件"
        if any(f.origin == "内置字体" for f in fonts)
        else install_hint()
    )
    raise PosterError(f"没有一个字体包含海报需要的全部文字，不会生成带空白方框的图片：{'；'.join(shortfalls[:3])}{more}（{hint}）")


def covers(font: FontFile, ch: str) -> bool:
    starts, ends = code_ranges(str(font.path), font.index)
    i = bisect.bisect_right(starts, ord(ch)) - 1
    return i >= 0 and ord(ch) <= ends[i]


DRAWING_FACES = 4  # faces kept loaded for drawing (a few megabytes each): reloading one costs well under a millisecond


@functools.lru_cache(maxsize=DRAWING_FACES)
def load_font(path: str, index: int, size: int, weight: str) -> ImageFont.FreeTypeFont:
    """A face at a real size, for drawing and checking drawn lines: only the last few used stay loaded.
    Widths while fitting come from the reference size (`measure`)."""
    return _open_face(path, index, size, weight)


def _open_face(path: str, index: int, size: int, weight: str) -> ImageFont.FreeTypeFont:
    """One face of (file, face, size, weight), loaded anew. Basic layout: measured widths add up exactly.
    A face grows by some 8 KB for every glyph it loads (FreeType keeps what it parsed of the variable
    CJK font): a month of posters loads some 90 sizes and weights, more than a thousand glyphs in
    each of 4 weights, which must not all stay loaded (kept, they made a poster worker 350 MB)."""
    from PIL import ImageFont

    try:
        font = ImageFont.truetype(path, size, index=index, layout_engine=ImageFont.Layout.BASIC)
    except OSError as exc:
        raise PosterError(f"无法读取字体文件 {path}：{exc}（{install_hint()}）") from exc
    with contextlib.suppress(OSError, ValueError):  # a static font has one weight; it serves them all
        font.set_variation_by_name(WEIGHTS.get(weight, "Regular"))
    return font


# -- widths without drawing -------------------------------------------------------------------------


_UNITS: dict[tuple[str, int, str], dict[str, float]] = {}  # advances at REF_PX by (file, face, weight)


def _units(key: tuple[str, int, str], text: str) -> dict[str, float]:
    """Advances at REF_PX of (at least) every character of `text`. The characters not measured yet are
    measured together on a face opened for them and then let go: a face kept would grow with them all."""
    known = _UNITS.setdefault(key, {})
    new = [ch for ch in dict.fromkeys(text) if ch not in known]
    if new:
        face = _open_face(*key[:2], REF_PX, key[2])
        known.update((ch, face.getlength(ch)) for ch in new)
    return known


def measure_ahead(font: FontFile, texts: Iterable[str]) -> None:
    """Measure every character of `texts` in every weight now, one face per weight: a pool's workers,
    forked after this, find them measured and open no face for measuring."""
    every = "".join(texts)
    for weight in WEIGHTS:
        _units((str(font.path), font.index, weight), every)


@functools.lru_cache(maxsize=256)
def advances(path: str, index: int, weight: str, size: int) -> dict[str, int]:
    """A (filled on demand) table of character advances at `size`, for `measure`."""
    return {}


def measure(font: FontFile, weight: str, size: int) -> Callable[[str], float]:
    """Width of a line as basic layout sets it: the sum of hinted advances, computed from one
    reference size the way FreeType rounds them (26.6 fixed point). Exact for Noto CJK; callers
    check the final lines with `load(...).getlength` and fall back to it for fonts where it is not."""
    key = str(font.path), font.index, weight
    table = advances(*key, size)
    known = _UNITS.setdefault(key, {})

    def width(text: str) -> float:
        total = 0
        for ch in text:
            adv = table.get(ch)
            if adv is None:
                units = known.get(ch)
                adv = table[ch] = (round((units if units is not None else _units(key, text)[ch]) * size * 64 / REF_PX) + 32) // 64
            total += adv
        return float(total)

    width.additive = True  # type: ignore[attr-defined]  # a sum of advances: see linebreak.is_additive
    return width
