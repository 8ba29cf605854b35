"""Damaged and oversized submissions: whatever is wrong inside one unit's file becomes that file's verdict (never a
traceback, never the end of the daemon's job), and a file is judged from its archive's directory before anything
large is built or read."""

from __future__ import annotations

import io
import os
import struct
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest

from scheduler.inputs.config import load_campaign
from scheduler.publishing.db import open_db
from scheduler.units.submissions import recorded

from .conftest import run_qm
from .test_units import ROBOTS, at, config, office_job, place, robots, word

__all__ = ["config", "robots"]  # the fixtures, used by name

DOCUMENT = "word/document.xml"


def _entry(data: bytes, name: str) -> tuple[zipfile.ZipInfo, int]:
    """The entry `name` of the zip `data` and where its packed bytes start."""
    info = zipfile.ZipFile(io.BytesIO(data)).getinfo(name)
    name_len, extra_len = struct.unpack("<HH", data[info.header_offset + 26 : info.header_offset + 30])
    return info, info.header_offset + 30 + name_len + extra_len


def torn_deflate() -> bytes:
    """A .docx whose document part's compressed data is overwritten (its sizes and CRC as declared): zlib.error."""
    data = bytearray(word("正文" * 50))
    info, start = _entry(bytes(data), DOCUMENT)
    data[start : start + min(40, info.compress_size)] = b"\xff" * min(40, info.compress_size)
    return bytes(data)


def torn_lzma() -> bytes:
    """A .docx whose document part is packed with LZMA, its data overwritten: lzma.LZMAError."""
    source = zipfile.ZipFile(io.BytesIO(word("正文" * 50)))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for info in source.infolist():
            kind = zipfile.ZIP_LZMA if info.filename == DOCUMENT else zipfile.ZIP_DEFLATED
            archive.writestr(info.filename, source.read(info), compress_type=kind)
    data = bytearray(out.getvalue())
    info, start = _entry(bytes(data), DOCUMENT)
    data[start + 9 : start + 40] = b"\xff" * 31  # past the LZMA properties header
    return bytes(data)


def flagged_encrypted() -> bytes:
    """A .docx whose document part is flagged encrypted (zip's own weak encryption, which Word never uses): RuntimeError."""
    data = bytearray(word("正文"))
    info, _ = _entry(bytes(data), DOCUMENT)
    data[info.header_offset + 6] |= 1
    directory = data.find(b"PK\x01\x02")
    while directory >= 0:
        name_len = struct.unpack("<H", data[directory + 28 : directory + 30])[0]
        if data[directory + 46 : directory + 46 + name_len] == DOCUMENT.encode():
            data[directory + 8] |= 1
        directory = data.find(b"PK\x01\x02", directory + 4)
    return bytes(data)


def bodiless() -> bytes:
    """A .docx whose document part has no body: python-docx opens it, then fails on its first paragraph."""
    source = zipfile.ZipFile(io.BytesIO(word("正文")))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for info in source.infolist():
            empty = b'<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"/>'
            archive.writestr(info.filename, empty if info.filename == DOCUMENT else source.read(info))
    return out.getvalue()


DAMAGED = {"deflate": torn_deflate, "lzma": torn_lzma, "encrypted": flagged_encrypted, "bodiless": bodiless}


@pytest.mark.parametrize("damage", DAMAGED)
def test_a_file_damaged_inside_is_that_files_verdict_not_a_traceback(config: Path, damage: str) -> None:
    campaign = load_campaign(config)
    make: Callable[[], bytes] = DAMAGED[damage]
    place(campaign, "爱辉区", "方案", "方案.docx", make(), at(5, 10))
    place(campaign, "北安市", "方案", "方案.docx", word("北安市方案"), at(5, 11))
    done = run_qm("units", "-c", config, "--kind", "plan", env={"QM_NOW": "2016-09-06T09:00:00+08:00"})
    assert done.returncode == 2 and "Traceback" not in done.stderr, done.stderr
    assert "爱辉区的活动方案“方案.docx”不算报送：文件已损坏（.docx 内部结构不完整），无法读取" in done.stderr, done.stderr
    assert "北安市\u3000\u3000  按时报送" in done.stdout, done.stdout
    again = run_qm("units", "-c", config, "--kind", "plan", env={"QM_NOW": "2016-09-06T10:00:00+08:00"})
    assert again.returncode == 2 and "文件已损坏（.docx 内部结构不完整）" in again.stderr, again.stderr  # recorded once


def test_the_daemons_job_reminds_the_others_when_one_units_file_is_damaged(
    config: Path, robots: dict[str, list[dict[str, object]]]
) -> None:
    campaign, engine, job = office_job(config, robots)
    place(campaign, "爱辉区", "方案", "方案.docx", torn_deflate(), at(6, 10))
    job(at(7, 9, 40))
    assert [len(robots[u]) for u in ROBOTS] == [1, 1, 1, 1]  # 爱辉区 too: its only file cannot be read
    assert [bool(s.problem) for s in recorded(campaign, engine)] == [True]
    engine.dispose()


def many_entries(count: int, declared: int) -> bytes:
    """A zip archive whose directory lists `count` entries (all one tiny part) and whose end record declares
    `declared`: a few MB that would become as many objects in memory once the archive is opened."""
    name = b"word/a.xml"
    local = struct.pack("<4s5H3I2H", b"PK\x03\x04", 20, 0, 0, 0, 0, 0, 0, 0, len(name), 0) + name
    entry = struct.pack("<4s6H3I5H2I", b"PK\x01\x02", 20, 20, 0, 0, 0, 0, 0, 0, 0, len(name), 0, 0, 0, 0, 0, 0) + name
    directory = entry * count
    end = struct.pack("<4s4H2IH", b"PK\x05\x06", 0, 0, declared, declared, len(directory), len(local), 0)
    return local + directory + end


def peak_mb(read: Callable[[], object]) -> float:
    import tracemalloc

    tracemalloc.start()
    try:
        read()
        return tracemalloc.get_traced_memory()[1] / 2**20
    finally:
        tracemalloc.stop()


def refusal(path: Path) -> str:
    from scheduler.units.extract import SubmissionError, extract

    with pytest.raises(SubmissionError) as refused:
        extract(path)
    return str(refused.value)


@pytest.mark.parametrize("declared", [60_000, 1])
def test_a_file_of_too_many_parts_is_refused_by_its_directorys_size_before_it_is_opened(tmp_path: Path, declared: int) -> None:
    path = tmp_path / "方案.docx"
    path.write_bytes(many_entries(60_000, declared))  # 3.2 MB: 60,000 entries, or so many bytes of directory
    assert peak_mb(lambda: refusal(path)) < 2  # the directory is never read: opening it took 25 MB
    said = "文件由 60000 个部分组成" if declared > 1 else "文件内部的部分清单有 3 MB"
    assert refusal(path).startswith(f"{said}（报送的文件有 3.2 MB），远超正常的 Word 文档，没有读取"), refusal(path)


def test_a_large_file_that_is_not_a_docx_is_told_apart_by_its_first_bytes_unread(tmp_path: Path) -> None:
    renamed = tmp_path / "方案.docx"
    renamed.write_bytes(b"%PDF-1.7\n")
    os.truncate(renamed, 60 * 2**20)  # sparse: nothing written
    assert peak_mb(lambda: refusal(renamed)) < 4  # read whole, it took 120 MB
    assert refusal(renamed).startswith("扩展名是 .docx，但文件实际是PDF 文件")
    locked = tmp_path / "总结.docx"  # a password-protected .docx: an OLE file with an EncryptionInfo stream
    with locked.open("wb") as f:
        f.write(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1")
        f.seek(3 * 2**20 - 7)  # across the MB it is looked for in
        f.write("EncryptionInfo".encode("utf-16-le"))
        f.truncate(40 * 2**20)
    assert peak_mb(lambda: refusal(locked)) < 4
    assert refusal(locked).startswith("文件设置了打开密码，无法读取")


def test_a_refused_file_gone_or_overwritten_since_keeps_its_verdict_when_files_are_read_again(config: Path) -> None:
    """Upgrading reads recorded files again once; one an older qm rightly refused whose bytes are no longer in place
    (deleted, or overwritten by a later good file) stays refused: its early arrival makes no unit on time."""
    import hashlib

    from scheduler.publishing.tables import submissions
    from scheduler.units.scanning import scan
    from scheduler.units.submissions import statuses

    campaign = load_campaign(config)
    engine = open_db(campaign.db_url)
    broken = b"PK\x03\x04 torn"
    files = {unit: place(campaign, unit, "方案", "方案.docx", broken, at(5, 9)) for unit in ("爱辉区", "北安市", "嫩江县")}
    with engine.begin() as conn:  # as an older qm left them: refused as broken
        for unit in files:
            row = {"unit": unit, "kind": "plan", "path": f"{unit}/方案/方案.docx", "sha256": hashlib.sha256(broken).hexdigest()}
            conn.execute(
                submissions.insert().values(
                    **row, size=len(broken), arrived=at(5, 9).timestamp(), recorded=at(5, 9).timestamp(), problem="文件已损坏"
                )
            )
    place(campaign, "爱辉区", "方案", "方案.docx", word("爱辉区方案"), at(13, 9))  # the good one, 3 days late, same name
    files["北安市"].unlink()  # nothing else sent
    scan(campaign, engine, at(14, 9).timestamp())  # the first scan by this version: files read again
    found = {s.unit.name: s.label for s in statuses(campaign, recorded(campaign, engine), at(14, 9).date()) if s.kind == "plan"}
    engine.dispose()
    assert found["爱辉区"] == "迟交 3 天" and found["北安市"] == "未报送（“方案.docx”文件已损坏）", found  # as it was told
    assert found["嫩江县"].startswith("未报送（“方案.docx”文件已损坏（.docx 内部结构不完整）"), found  # in place: read again


def test_a_table_the_schema_forbids_is_a_damaged_file_when_collected_too(tmp_path: Path) -> None:
    """python-docx opens it and fails on walking its table (a cell's span without its value): extract says so, as
    `qm units --collect` reads it."""
    source = zipfile.ZipFile(io.BytesIO(word("正文")))
    table = b"<w:tbl><w:tr><w:tc><w:tcPr><w:gridSpan/></w:tcPr><w:p/></w:tc></w:tr></w:tbl><w:sectPr"
    path = tmp_path / "总结.docx"
    with zipfile.ZipFile(path, "w") as archive:
        for info in source.infolist():
            data = source.read(info)
            archive.writestr(info.filename, data.replace(b"<w:sectPr", table, 1) if info.filename == DOCUMENT else data)
    assert refusal(path) == "文件已损坏（InvalidXmlError），无法读取：请单位重新导出后报送"


def merged_table(rows: int, span: int, text: str = "活动") -> bytes:
    """A .docx with a one-column table: its first cell spanning `span` columns, each row below merged into it."""
    import docx
    from docx.oxml.ns import qn

    document = docx.Document()
    document.add_paragraph("爱辉区活动方案")
    grid = document.add_table(rows=rows, cols=1)
    grid.cell(0, 0).text = text
    for n, row in enumerate(grid.rows):
        tc = row._tr.tc_lst[0]
        tc.get_or_add_tcPr().append(tc.makeelement(qn("w:gridSpan"), {qn("w:val"): str(span)}))
        tc.tcPr.append(tc.makeelement(qn("w:vMerge"), {qn("w:val"): "restart"} if n == 0 else {}))
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


@pytest.mark.parametrize(("rows", "span", "text"), [(1, 2**31 - 1, "活动"), (3000, 1, "活动"), (2000, 1, "活" * 50_000)])
def test_a_cell_spanning_millions_of_columns_or_thousands_of_rows_is_read_at_once(tmp_path: Path, rows: int, span: int, text: str) -> None:
    """A 40 KB file whose one cell declares a span of 2^31 columns took python-docx hours and gigabytes (the cell
    read once per column), a column merged down 3000 rows some minutes; a cell's text repeated in every row it
    covers made 100 M characters of a 37 KB file (one 50,000-character cell merged down 2,000 rows): `qm units`
    reads every new file, the daemon's daily job too. Each cell's text is read and given once."""
    import json
    import subprocess
    import sys

    path = tmp_path / "方案.docx"
    path.write_bytes(merged_table(rows, span, text))
    code = "import json, sys, pathlib; from scheduler.units.extract import extract; "
    code += "print(json.dumps(extract(pathlib.Path(sys.argv[1])).paragraphs))"
    done = subprocess.run([sys.executable, "-c", code, str(path)], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == ["爱辉区活动方案", text]
