"""The text of a submitted file, or a clear reason why it cannot be read.

A .docx is a zip archive; one with an opening password is an OLE compound file holding an
`EncryptionInfo` stream instead; an old Word file (.doc) is an OLE file too. The first bytes tell
these apart from a PDF or a renamed file, so the message can say what the file really is.
"""

from __future__ import annotations

import io
import lzma
import os
import struct
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

import docx
from docx.document import Document as DocumentObject
from docx.opc.exceptions import PackageNotFoundError
from docx.oxml.ns import qn

from ..support.errors import InputError
from ..support.os_messages import os_reason
from . import docx_text
from .kinds import EMPTY, PICTURES_ONLY

ZIP, OLE, PDF = b"PK\x03\x04", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", b"%PDF"
ENCRYPTED = "EncryptionInfo".encode("utf-16-le")
END, END64 = 22, 56  # the sizes of a zip archive's end record and of its Zip64 end record
MB = 1024 * 1024
MAX_TEXT = 20 * MB  # a .txt read whole: larger ones are refused unread
MAX_DOCX = 500 * MB  # a .docx: its pictures are never unpacked, so a summary with many photos is read too
MAX_PARTS = 5000  # entries in a .docx: a long document with a hundred photos has a few hundred
MAX_DIRECTORY = 2 * MB  # its directory (a name and sizes per entry): a few hundred bytes an entry
MAX_XML = 10 * MB  # its text and formatting (XML) unpacked: a 100-page document has a few MB; parsing takes 2 s a MB
MAX_RATIO, MIN_RATIO_CHECKED = 100, 10 * MB  # unpacked / packed: real documents pack 5 to 20 times; checked above 10 MB
READ = (".xml", ".rels")  # the parts unpacked; the others (pictures, embedded files, fonts) are left out unread
# what unpacking a damaged archive raises: a broken directory or header, damaged compressed data (zlib, lzma), an
# entry flagged encrypted (RuntimeError) or packed with a method zipfile does not know
DAMAGED = (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, ValueError, NotImplementedError, RuntimeError, zlib.error, lzma.LZMAError)
BROKEN = "文件已损坏（.docx 内部结构不完整），无法读取：请单位重新导出后报送"
ATTACHMENT_TYPES = {".doc": "旧版 Word 文档", ".wps": "WPS 文档", ".pdf": "PDF 文件", ".odt": "ODF 文档"}
TAIL = 1024  # a PDF's %%EOF stands within its last KB; an OLE file's header is 512 bytes (a whole .doc, at least 3 of them)
ODT = b"application/vnd.oasis.opendocument.text"
OLE_TYPES = {".doc": "Word 97-2003 文档", ".wps": "WPS 文档"}  # OLE compound files: what a broken one is not


class SubmissionError(InputError):
    """A submitted file that cannot be read; the message says why and what the unit should do."""


class TooLong(SubmissionError):
    """A .docx whose text and formatting unpack past what is read, by sizes a real document may have (no zip bomb):
    Word opens it, so it counts as sent; it is passed on as an attachment instead of collected."""


@dataclass(frozen=True)
class Extracted:
    paragraphs: tuple[str, ...] = ()
    attachment: str = ""  # set when the file is passed on as it is: what kind of file it is
    document: DocumentObject | None = field(default=None, compare=False)  # a .docx: its paragraphs and tables as laid out
    too_long: str = ""  # a .docx too long to collect (`TooLong`): how long it is


def extract(path: Path) -> Extracted:
    """The file's text; raises SubmissionError when it cannot be read or holds no text (no submission)."""
    suffix = path.suffix.lower()
    limit = {".docx": MAX_DOCX, ".txt": MAX_TEXT}.get(suffix)  # read; the others are passed on as they are
    try:
        with path.open("rb") as f:
            size = os.fstat(f.fileno()).st_size
            if limit is not None and size > limit:  # refused unread
                raise SubmissionError(
                    f"文件有 {size / MB:.0f} MB，超过了 {limit // MB} MB，没有读取：请单位压缩其中的图片或拆成几个文件后重新报送"
                )
            damage = _damage(f, suffix, size) if suffix in ATTACHMENT_TYPES else ""  # passed on unread: whole?
            data = _slim(f) if suffix == ".docx" else f.read() if limit else b""
    except TooLong as exc:
        return Extracted(too_long=str(exc))
    except OSError as exc:
        raise SubmissionError(f"无法读取文件：{os_reason(exc)}") from exc
    if damage:
        raise SubmissionError(f"文件已损坏（{damage}），无法读取：请单位重新导出后报送")
    if suffix == ".docx":
        document = _docx(data)
        if not "".join(document.element.body.itertext()).strip():  # text boxes and nested tables count too
            pictures = next(document.element.body.iter(qn("w:drawing"), qn("w:pict")), None) is not None
            raise SubmissionError(f"{PICTURES_ONLY if pictures else EMPTY}，不算报送：请单位检查是否报送错了文件，写好内容后重新报送")
        try:
            return Extracted(docx_text.texts(document), document=document)
        except Exception as exc:  # python-docx meets what the schema forbids (a table cell's span without its value)
            raise broken(exc) from exc
    if suffix == ".txt":
        lines = _text(data)
        if not lines:
            raise SubmissionError(f"{EMPTY}，不算报送：请单位检查是否报送错了文件，写好内容后重新报送")
        return Extracted(lines)
    if suffix in ATTACHMENT_TYPES:
        return Extracted(attachment=ATTACHMENT_TYPES[suffix])
    raise SubmissionError(f"扩展名 {suffix or '（无）'} 不是可接受的格式：请另存为 .docx 后重新报送")


def _damage(f: BinaryIO, suffix: str, size: int) -> str:
    """What makes a file passed on unread obviously broken ("" when it looks whole), by its first and last bytes and,
    for an .odt (a zip archive, judged as a .docx is), its first entry: a PDF starts with %PDF- and ends with
    startxref (where its index of objects is) and %%EOF,
    a .doc (and a .wps, WPS's own format) is an OLE compound file whose header declares its byte order and sector
    sizes, an .odt names its type first. A file that passes may still be damaged inside: only Word, WPS or a PDF reader can tell."""
    head = f.read(TAIL)
    f.seek(max(size - TAIL, 0))
    tail = f.read()
    if suffix == ".pdf":
        whole = head.startswith(b"%PDF-") and b"startxref" in tail and b"%%EOF" in tail  # where its index is, then its end
        return "" if whole else "不是完整的 PDF 文件"
    if suffix in OLE_TYPES:
        sectors = struct.unpack("<HHH", head[28:34]) if len(head) >= 34 else ()
        whole = head.startswith(OLE) and sectors in ((0xFFFE, 9, 6), (0xFFFE, 12, 6)) and size >= 3 * 512
        return "" if whole else f"不是完整的 {OLE_TYPES[suffix]}"
    if suffix == ".odt":
        return "" if head.startswith(ZIP) and _names_odt(f, size) else "不是完整的 ODF 文档"
    return ""


def _names_odt(f: BinaryIO, size: int) -> bool:
    """Whether a zip archive's first entry is `mimetype`, naming an ODF text document (its directory checked first)."""
    try:
        if _too_many(*_directory(f, size), size):
            return False
        f.seek(0)
        with zipfile.ZipFile(f) as archive:
            first = archive.infolist()[0] if len(archive.infolist()) <= MAX_PARTS else None
            return first is not None and first.filename == "mimetype" and first.file_size < TAIL and archive.read(first) == ODT
    except (*DAMAGED, IndexError):
        return False


def _what_it_is(data: bytes) -> str:
    if data.startswith(PDF):
        return "PDF 文件"
    if data.startswith(OLE):
        return "旧版 Word（.doc）或其他 Office 文件"
    if data.startswith(ZIP):
        return "压缩包或其他 Office 文件"
    return ""


def _slim(f: BinaryIO) -> bytes:
    """A .docx's bytes with only the parts that are read (text, formatting, relationships), the others kept
    empty so that no reference breaks: its pictures, however many and large, are never unpacked. The archive's
    directory is judged by its size before it is read; a file that is not a zip archive is never read whole."""
    head = f.read(len(OLE))
    if not head.startswith(ZIP):
        raise SubmissionError(_not_a_zip(f, head))
    size = os.fstat(f.fileno()).st_size
    try:
        _refuse(_too_many(*_directory(f, size), size))
        f.seek(0)
        with zipfile.ZipFile(f) as archive:
            parts = archive.infolist()
            _refuse(_too_many(len(parts), 0, size))
            long, bomb = _too_big(parts, size)
            if long and not bomb:
                raise TooLong(long)
            _refuse(long)
            out = io.BytesIO()
            with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as slim:
                for part in parts:
                    slim.writestr(part.filename, archive.read(part) if part.filename.endswith(READ) else b"")
    except DAMAGED as exc:
        raise SubmissionError(BROKEN) from exc
    return out.getvalue()


def _refuse(too_big: str) -> None:
    if too_big:
        raise SubmissionError(f"{too_big}，远超正常的 Word 文档，没有读取：请单位用 Word 或 WPS 打开后另存为 .docx 再报送")


def _directory(f: BinaryIO, size: int) -> tuple[int, int]:
    """How many entries a zip archive's end record declares and how many bytes its directory takes ((0, 0) when
    there is no end record: zipfile then says the file is broken), read from the file's last 64 KB."""
    f.seek(max(size - END - 0xFFFF, 0))
    tail = f.read()
    at = tail.rfind(b"PK\x05\x06", 0, max(len(tail) - END + 4, 0))
    if at < 0:
        return 0, 0
    entries, directory = struct.unpack("<HI", tail[at + 10 : at + 16])
    zip64 = tail[at - END64 - 20 : at - 20] if at >= END64 + 20 else b""  # the Zip64 end record, before its locator
    if tail[at - 20 : at - 16] == b"PK\x06\x07" and zip64.startswith(b"PK\x06\x06"):
        entries, directory = struct.unpack("<QQ", zip64[32:48])
    return entries, directory


def _too_many(entries: int, directory: int, size: int) -> str:
    """Whether a .docx's directory is far more than a document's ("" when it is not): each of its entries is
    built in memory when the archive is opened, so the count and size are checked before."""
    if entries > MAX_PARTS and (entries != 0xFFFF or directory <= MAX_DIRECTORY):  # 0xFFFF: as many as it can say
        return f"文件由 {entries} 个部分组成（报送的文件有 {size / MB:.1f} MB）"
    if directory > MAX_DIRECTORY:
        return f"文件内部的部分清单有 {directory / MB:.0f} MB（报送的文件有 {size / MB:.1f} MB）"
    return ""


def _not_a_zip(f: BinaryIO, head: bytes) -> str:
    """Why a .docx that is not a zip archive cannot be read, by its first bytes (and, for an OLE file, whether it
    holds an `EncryptionInfo` stream, looked for a MB at a time)."""
    if head.startswith(OLE) and _holds(f, ENCRYPTED):
        return "文件设置了打开密码，无法读取：请单位取消密码（文件—信息—保护文档）后重新报送"
    real = _what_it_is(head)
    if real:
        return f"扩展名是 .docx，但文件实际是{real}：请用 Word 或 WPS 打开后另存为 .docx 再报送"
    return "文件已损坏或不是 Word 文档，无法读取：请单位重新导出 .docx 后报送"


def _holds(f: BinaryIO, marker: bytes) -> bool:
    f.seek(0)
    carried = b""
    while chunk := f.read(MB):
        if marker in carried + chunk:
            return True
        carried = chunk[-len(marker) :]
    return False


def _docx(data: bytes) -> DocumentObject:
    try:
        document = docx.Document(io.BytesIO(data))
    except (zipfile.BadZipFile, PackageNotFoundError, KeyError, ValueError) as exc:
        raise SubmissionError(BROKEN) from exc
    except Exception as exc:  # lxml's parse errors and the like: the archive holds something that is not a document
        raise broken(exc) from exc
    if document.element.body is None:  # a document part without its body: nothing in it can be read
        raise SubmissionError(BROKEN)
    return document


def broken(exc: Exception) -> SubmissionError:
    return SubmissionError(f"文件已损坏（{type(exc).__name__}），无法读取：请单位重新导出后报送")


def too_long(path: Path) -> str:
    """How long a .docx too long to collect is (`TooLong`; "" when it is not, or is refused or broken), by its
    archive's directory alone: cheap enough for every `qm units`."""
    try:
        with path.open("rb") as f:
            size = os.fstat(f.fileno()).st_size
            if f.read(len(ZIP)) != ZIP or _too_many(*_directory(f, size), size):
                return ""
            f.seek(0)
            with zipfile.ZipFile(f) as archive:
                long, bomb = _too_big(archive.infolist(), size)
    except (OSError, *DAMAGED):
        return ""
    return "" if bomb else long


def _too_big(parts: list[zipfile.ZipInfo], size: int) -> tuple[str, bool]:
    """What the read parts of a .docx would unpack to when that is far more than is read ("" when it is not), and
    whether they pack far tighter than a document's, by the sizes its archive declares: a "zip bomb" (a few hundred
    KB that would unpack into gigabytes of memory and minutes of parsing) is refused before anything is unpacked. Reading a part never yields more than its
    declared size (zipfile stops there and checks the CRC); the parts not read (pictures) are never unpacked."""
    read = [p for p in parts if p.filename.endswith(READ)]
    xml, packed = sum(p.file_size for p in read), max(sum(p.compress_size for p in read), 1)
    bomb = xml > MIN_RATIO_CHECKED and xml > MAX_RATIO * packed  # a real document's text packs 5 to 20 times
    return (f"文件的文字和格式解压后有 {xml / MB:.0f} MB（报送的文件只有 {size / MB:.1f} MB）" if xml > MAX_XML or bomb else ""), bomb


def _text(data: bytes) -> tuple[str, ...]:
    real = _what_it_is(data)
    if real:
        raise SubmissionError(f"扩展名是 .txt，但文件实际是{real}：请按实际格式改正扩展名后重新报送")
    for encoding in ("utf-8-sig", "gb18030"):  # Chinese Windows saves text as GBK unless told otherwise
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise SubmissionError("无法识别文件的文字编码：请另存为 UTF-8 编码的文本或 .docx 后重新报送")
    return tuple(line.strip() for line in text.splitlines() if line.strip())
