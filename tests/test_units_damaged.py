"""Damaged and oversized submissions: whatever is wrong inside one unit's file becomes that file's verdict (never a
traceback, never the end of the daemon's job), and a file is judged from its archive's directory before anything
large is built or read."""

from __future__ import annotations

import dataclasses
import io
import struct
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest

from scheduler.inputs.campaign import Notifier
from scheduler.inputs.config import load_campaign
from scheduler.publishing.db import open_db
from scheduler.support.notify import Notifications
from scheduler.units.submissions import recorded

from .conftest import run_qm
from .test_units import ROBOTS, at, config, place, robots, word

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


DAMAGED = {"deflate": torn_deflate, "lzma": torn_lzma, "encrypted": flagged_encrypted}


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
    from scheduler.stats.daily import StatsJob

    campaign = dataclasses.replace(
        load_campaign(config), notifiers=(Notifier("办公室", "wecom", "QM_OFFICE_WEBHOOK", events=("reminder",)),)
    )
    env: dict[str, str] = robots.pop("_env")  # type: ignore[assignment]
    engine = open_db(campaign.db_url)
    job = StatsJob(campaign, engine, sources=lambda: [], office=Notifications(campaign.notifiers, env=env))
    place(campaign, "爱辉区", "方案", "方案.docx", torn_deflate(), at(6, 10))
    job(at(7, 9, 40))
    assert [len(robots[u]) for u in ROBOTS] == [1, 1, 1, 1]  # 爱辉区 too: its only file cannot be read
    assert [bool(s.problem) for s in recorded(campaign, engine)] == [True]
    engine.dispose()
