"""Who runs the campaign and how its pictures look: its name, organizer (and its short name), theme, hotline and contacts
(printed on every poster and sheet, so none may be empty, and the hotline and the contacts' phones must
be telephone numbers) and its brand (colours, logo, QR link, font)."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

from .campaign import Contact
from .located_yaml import Mapping
from .place_names import LEVELS, level_of
from .poster_settings import Brand
from .readers import Reader, under

COLOR_RE = re.compile(r"^#[0-9A-Fa-f]{6}$")
URL_RE = re.compile(r"^https?://\S+$")
IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg")
FONT_SUFFIXES = (".ttf", ".otf", ".ttc")


def identity(r: Reader, c: Mapping, data: Mapping, base: Path) -> dict[str, object]:
    """The campaign's name, organizer, co-organizers, theme, hotline, contacts and brand, checked."""
    return {
        "name": _printed(r, c, "name", "例如 2027年全市“质量月”活动"),
        "organizer": _printed(r, c, "organizer", "写主办单位的名称，如 市市场监督管理局"),
        "organizer_short": _short_name(r, c),
        "co_organizers": r.texts(c, "co_organizers", "campaign"),
        "theme": _printed(r, c, "theme", "写本次活动的主题"),
        "level": _level(r, c),
        "hotline": r.phone(c, "hotline", "campaign", "每张海报上都印着它", "写投诉举报电话，如 12315"),
        "contacts": _contacts(r, c),
        "brand": _brand(r, data, base),
    }


def _printed(r: Reader, c: Mapping, key: str, hint: str) -> str:
    """A text every poster prints: required and not blank."""
    return r.filled(c, key, "campaign", "每张海报和印刷品上都印着它", hint)


def _level(r: Reader, c: Mapping) -> str:
    """The campaign's place word (市, 县, 区 or 旗) that content says 全市 / 全县 with: campaign.level, else the
    last of them in the place name the organizer's name starts with (林口县市场监督管理局: 县)."""
    if "level" in c:
        written = r.text(c, "level", "campaign", "市").strip()
        if written not in LEVELS:
            r.problem(c.where("level"), f"campaign.level 应为 市、县、区 或 旗 之一：{written!r}", "写本单位所在地的级别，如 level: 县")
            return "市"
        return written
    organizer = c.get("organizer")
    return level_of(organizer) if isinstance(organizer, str) else "市"


def _short_name(r: Reader, c: Mapping) -> str:
    """The organizer's short name, optional: printed where the full name does not fit (a tall screen's footer)."""
    short = r.text(c, "organizer_short", "campaign", "")
    full = c.get("organizer")
    if isinstance(c.get("organizer_short"), str) and not short.strip():
        r.problem(
            c.where("organizer_short"), "campaign.organizer_short 不能为空", "写主办单位的简称，如 市质量联席办；不用简称时删去这一行"
        )
    elif short and isinstance(full, str) and full.strip() and len(short.strip()) >= len(full.strip()):  # no full name: said once
        r.problem(
            c.where("organizer_short"),
            f"campaign.organizer_short“{short}”（{len(short.strip())} 字）不比主办单位全称（{len(full.strip())} 字）短："
            "简称只在全称放不下时使用",
            "写一个更短的简称，如 市质量联席办；不用简称时删去这一行",
        )
    return short.strip()


def _contacts(r: Reader, c: Mapping) -> tuple[Contact, ...]:
    out = []
    for path, item in r.entries(c, "contacts", "campaign"):
        r.keys(item, path, ("name", "office", "phone", "email"))
        out.append(
            Contact(
                name=r.text(item, "name", path),
                office=r.text(item, "office", path, ""),
                phone=r.phone(item, "phone", path),
                email=r.text(item, "email", path, ""),
            )
        )
    return tuple(out)


def _comment_at(where: str) -> str:
    """The colour a person wrote as a YAML comment on the line `where` (file:line), if it is one."""
    path, _, line = where.rpartition(":")
    try:
        text = Path(path).read_text(encoding="utf-8").splitlines()[int(line) - 1]
    except (OSError, ValueError, IndexError, UnicodeDecodeError):
        return ""
    found = re.search(r":\s*(#[0-9A-Fa-f]{6})\b", text)
    return found.group(1) if found else ""


def _brand(r: Reader, data: Mapping, base: Path) -> Brand:
    b = r.section(data, "brand", "", required=False)
    if b is None:
        return Brand()
    r.keys(b, "brand", ("primary", "secondary", "accent", "text", "background", "logo", "qr_link", "font"))
    colours = {}
    for key in ("primary", "secondary", "accent", "text", "background"):
        value = r.text(b, key, "brand", getattr(Brand, key))
        if key in b and b.get(key) is None:  # `primary: #00AA00` unquoted: YAML reads the colour as a comment
            written = _comment_at(b.where(key)) or "#RRGGBB"
            r.problem(b.where(key), f"brand.{key} 没有值：YAML 把 # 后面的文字当作注释", f'颜色要加引号，写作 {key}: "{written}"')
        if not COLOR_RE.match(value):
            r.problem(b.where(key), f"brand.{key} 不是颜色值：{value!r}", "颜色写作 #C8102E")
        colours[key] = value
    logo = _brand_file(r, b, base, "logo", ("标志图片", "图片", "换成 PNG 或 JPG 图片", ""), IMAGE_SUFFIXES, _not_image)
    font = _brand_file(
        r,
        b,
        base,
        "font",
        ("字体文件", "字体文件", "换成 .ttf、.otf 或 .ttc 字体文件", "，或删去此项使用内置字体"),
        FONT_SUFFIXES,
        _not_font,
    )
    qr = r.text(b, "qr_link", "brand", "")
    if qr and not URL_RE.match(qr):
        r.problem(b.where("qr_link"), f"brand.qr_link 不是网址：{qr!r}", "以 https:// 开头")
    return Brand(**colours, logo=logo, qr_link=qr, font=font, font_where=b.where("font") if font else "")


def _brand_file(
    r: Reader,
    b: Mapping,
    base: Path,
    key: str,
    words: tuple[str, str, str, str],
    suffixes: tuple[str, ...],
    unusable: Callable[[Path], str | None],
) -> Path | None:
    """The file brand.<key> names (None when it names none), checked: it exists, is no folder and can be used
    (`unusable` says why not). `words`: what it is (标志图片), what it must be (图片), how to fix an unusable
    one, and what may be done instead of naming one ("，或删去此项使用内置字体", or "")."""
    if key not in b:
        return None
    noun, must_be, fix, instead = words
    path = under(base, r.text(b, key, "brand"))
    if not path.exists():
        r.problem(b.where(key), f"{noun}不存在：{path}", f"检查 brand.{key} 的路径{instead}")
    elif path.is_dir():
        _folder(r, b, key, path, noun, suffixes)
    elif (why := unusable(path)) is not None:
        r.problem(b.where(key), f"brand.{key} 不是{must_be}：{path}（{why}）", f"{fix}{instead}")
    return path


def _folder(r: Reader, b: Mapping, key: str, folder: Path, noun: str, suffixes: tuple[str, ...]) -> None:
    """brand.<key> names a folder: say so, and write the line that names a file in it (the first that fits)."""
    inside = sorted(p.name for p in folder.iterdir() if p.is_file() and p.suffix.lower() in suffixes)
    written = r.text(b, key, "brand").rstrip("/\\")
    if inside:
        hint = f"写出其中的{noun}，如 {key}: {written}/{inside[0]}；这个文件夹里有：{'、'.join(inside[:5])}"
    else:
        kinds = "、".join(suffixes[:-1]) + f" 或 {suffixes[-1]}"
        hint = f"这个文件夹里没有 {kinds} {noun}：把{noun}放进去，写作 {key}: {written}/文件名{suffixes[0]}"
    r.problem(b.where(key), f"brand.{key} 是一个文件夹，不是{noun}：{folder}", hint)


def _not_image(path: Path) -> str | None:
    """Why a file cannot be used as a picture, or None; the whole image is decoded (a truncated one fails)."""
    from PIL import Image  # only configs with a logo pay for the import

    try:
        with Image.open(path) as img:
            img.load()
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombError) as exc:
        return "无法识别或已损坏" if not isinstance(exc, Image.DecompressionBombError) else "图片尺寸过大"
    return None


def _not_font(path: Path) -> str | None:
    """Why a file cannot be used as a font, or None."""
    from PIL import ImageFont

    try:
        ImageFont.truetype(str(path), 12)
    except (OSError, ValueError):
        return "无法作为字体读取"
    return None
