"""Files qm passes on unread (.pdf, .doc, .wps, .odt) and files too long to collect, as a city office's trial met them:
broken ones counted as sent on time and said to go along as attachments, a long valid .docx told to the province
as a file that cannot be opened."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import docx

from scheduler.inputs.config import load_campaign
from scheduler.report.submissions import sentences

from .conftest import run_qm
from .test_units import at, config, old_word, pdf, place, word

__all__ = ["config"]  # the fixture, used by name
AFTER = {"QM_NOW": "2016-09-12T09:00:00+08:00"}  # two days after the plans' deadline


def odt(first: str = "mimetype", kind: bytes = b"application/vnd.oasis.opendocument.text") -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr(first, kind, zipfile.ZIP_STORED)
        archive.writestr("content.xml", b"<office:document-content/>")
    return out.getvalue()


def labels(config: Path) -> dict[str, str]:
    """`qm units --kind 方案`'s rows: unit -> what follows its name."""
    listed = run_qm("units", "-c", config, "--kind", "方案", env=AFTER)
    return {line.split()[0].strip("\u3000"): line.split(None, 1)[1].split("  联系人")[0] for line in listed.stdout.splitlines()[1:5]}


def test_a_broken_pdf_doc_or_odt_is_no_submission_and_no_attachment(config: Path) -> None:
    campaign = load_campaign(config)
    broken = {
        "爱辉区": ("方案.doc", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1".ljust(4008, b"\0")),  # an OLE signature, then zeros
        "北安市": ("方案.pdf", b"%PDF-1.4\n1 0 obj"),  # cut short: no end
        "五大连池市": ("方案.odt", b"PK\x03\x04garbage"),
        "嫩江县": ("方案.odt", odt(kind=b"application/zip")),  # a zip archive, but not of a text document
    }
    for unit, (name, data) in broken.items():
        place(campaign, unit, "方案", name, data, at(5, 9))
    rows = labels(config)
    assert rows == {
        "爱辉区": "未报送（“方案.doc”文件已损坏（不是完整的 Word 97-2003 文档），无法读取）",
        "北安市": "未报送（“方案.pdf”文件已损坏（不是完整的 PDF 文件），无法读取）",
        "五大连池市": "未报送（“方案.odt”文件已损坏（不是完整的 ODF 文档），无法读取）",
        "嫩江县": "未报送（“方案.odt”文件已损坏（不是完整的 ODF 文档），无法读取）",
    }, rows
    out = config.parent / "方案汇总.docx"
    run_qm("units", "-c", config, "--collect", "--kind", "方案", "-o", out, env=AFTER)
    body = "\n".join(p.text for p in docx.Document(str(out)).paragraphs)
    assert "作为附件" not in body, body
    from scheduler.publishing.db import open_db
    from scheduler.units.submissions import recorded, statuses

    engine = open_db(campaign.db_url)
    said = sentences(statuses(campaign, recorded(campaign, engine), at(12, 9).date()), lambda d: f"{d.month}月{d.day}日")[0]
    engine.dispose()
    assert "按时报送" not in said and "报送的文件未能收录 4 个" in said, said


def test_a_wps_file_is_checked_as_a_doc_is(config: Path) -> None:
    """A .wps (WPS 文字's own format) is an OLE compound file, as a .doc is: a renamed or cut one is told damaged."""
    campaign = load_campaign(config)
    for unit, data in (
        ("爱辉区", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1".ljust(4008, b"\0")),
        ("北安市", word("方案")),
        ("五大连池市", old_word()),
    ):
        place(campaign, unit, "方案", "方案.wps", data, at(5, 9))
    rows = labels(config)
    assert rows["爱辉区"] == rows["北安市"] == "未报送（“方案.wps”文件已损坏（不是完整的 WPS 文档），无法读取）", rows
    assert rows["五大连池市"].startswith("按时报送 "), rows
    out = config.parent / "方案汇总.docx"
    run_qm("units", "-c", config, "--collect", "--kind", "方案", "-o", out, env=AFTER)
    body = "\n".join(p.text for p in docx.Document(str(out)).paragraphs)
    assert body.count("作为附件") == 1 and "WPS 文档“方案.wps”" in body, body


def test_whole_pdf_doc_and_odt_files_still_go_along_as_attachments(config: Path) -> None:
    campaign = load_campaign(config)
    for unit, name, data in (("爱辉区", "方案.doc", old_word()), ("北安市", "方案.pdf", pdf("plan")), ("五大连池市", "方案.odt", odt())):
        place(campaign, unit, "方案", name, data, at(5, 9))
    rows = labels(config)
    assert [rows[u].split()[0] for u in ("爱辉区", "北安市", "五大连池市")] == ["按时报送"] * 3, rows


def long_word(paragraphs: int) -> bytes:
    """A .docx of many different paragraphs: its text unpacks past what qm reads, packed as tightly as a real one's."""
    import random

    rng = random.Random(19)
    source = zipfile.ZipFile(io.BytesIO(word("正文")))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for info in source.infolist():
            data = source.read(info)
            if info.filename == "word/document.xml":
                head, tail = data.split(b"<w:body>")
                text = "".join(chr(rng.randrange(0x4E00, 0x4E00 + 2000)) for _ in range(8 * paragraphs))
                looks = '<w:rPr><w:rFonts w:ascii="仿宋" w:eastAsia="仿宋" w:hAnsi="仿宋"/><w:sz w:val="32"/><w:szCs w:val="32"/></w:rPr>'
                spacing = '<w:pPr><w:spacing w:line="560" w:lineRule="exact"/><w:ind w:firstLine="640"/></w:pPr>'
                body = "".join(
                    f"<w:p>{spacing}<w:r>{looks}<w:t>{n}．{text[8 * n : 8 * n + 8]}</w:t></w:r></w:p>" for n in range(paragraphs)
                )
                data = head + b"<w:body>" + body.encode() + tail
            archive.writestr(info.filename, data)
    return out.getvalue()


def test_a_valid_docx_too_long_to_collect_counts_and_goes_along_as_it_is(config: Path) -> None:
    campaign = load_campaign(config)
    place(campaign, "爱辉区", "方案", "方案.docx", long_word(60_000), at(5, 9))
    place(campaign, "北安市", "方案", "方案.docx", word("北安市方案"), at(5, 10))
    listed = run_qm("units", "-c", config, "--kind", "方案", env=AFTER)
    assert "爱辉区　　  按时报送（“方案.docx”篇幅过长，没有自动汇总）  09-05 09:00 报送" in listed.stdout, listed.stdout
    assert "报送汇总时把原文件作为附件一并报送" in listed.stderr, listed.stderr
    out = config.parent / "方案汇总.docx"
    run_qm("units", "-c", config, "--collect", "--kind", "方案", "-o", out, env=AFTER)
    body = [p.text for p in docx.Document(str(out)).paragraphs]
    assert "（活动方案“方案.docx”文件篇幅过长，未自动汇总，原文件附后。）" in body, body
    assert not any("无法" in p for p in body), body
    from scheduler.publishing.db import open_db
    from scheduler.units.submissions import recorded, statuses

    engine = open_db(campaign.db_url)
    said = sentences(statuses(campaign, recorded(campaign, engine), at(12, 9).date()), lambda d: f"{d.month}月{d.day}日")[0]
    engine.dispose()
    assert (
        "按时报送 2 个（爱辉区、北安市），未报送 2 个（五大连池市、嫩江县）。其中爱辉区报送的文件篇幅过长，未自动汇总，原文件附后。" in said
    ), said
    assert "无法打开" not in said, said


def test_the_collection_tells_the_province_what_the_work_summary_does_and_the_office_what_to_do(config: Path) -> None:
    """The fix-it advice (rename a folder, move a file, save again as .docx) is the office's: `qm units` says it, the
    collection sent upward says what went wrong in the work summary's words."""
    campaign = load_campaign(config)
    place(campaign, "爱辉", "方案", "方案.docx", word("爱辉区方案"), at(5, 9))  # a misnamed folder
    loose = campaign.submissions_dir / "北安市" / "北安市方案.docx"  # straight in the unit's folder
    loose.parent.mkdir(parents=True)
    loose.write_bytes(word("北安市方案"))
    place(campaign, "五大连池市", "方案", "方案.docx", b"%PDF-1.7 renamed", at(5, 9))
    place(campaign, "嫩江县", "方案", "方案.docx", word(), at(5, 9))  # no text
    listed = run_qm("units", "-c", config, "--kind", "方案", env=AFTER)
    advice = ("把文件夹改名为", "文件应放在 方案/ 或 总结/ 里", "另存为 .docx 再报送", "请单位检查是否报送错了文件")
    assert all(a in listed.stdout + listed.stderr for a in advice), listed.stdout + listed.stderr
    out = config.parent / "方案汇总.docx"
    run_qm("units", "-c", config, "--collect", "--kind", "方案", "-o", out, env=AFTER)
    document = docx.Document(str(out))
    text = "\n".join([p.text for p in document.paragraphs] + [c.text for t in document.tables for r in t.rows for c in r.cells])
    assert not [a for a in advice if a in text], text
    from scheduler.publishing.db import open_db
    from scheduler.units.submissions import recorded, statuses
    from scheduler.units.unrecorded import refused_files

    engine = open_db(campaign.db_url)
    every = statuses(campaign, recorded(campaign, engine), at(12, 9).date(), refused_files(campaign))
    engine.dispose()
    for s in every:
        if s.kind == "plan":
            assert f"（未报送活动方案：{s.plain_note}。）" in text and s.plain_label in text, (s.plain_note, text)


def test_a_pdf_of_a_header_and_an_end_marker_only_is_broken(tmp_path: Path) -> None:
    """As the trial's were: a few bytes with %PDF- and %%EOF but no index of its objects (startxref)."""
    import pytest

    from scheduler.units.extract import SubmissionError, extract

    for n, data in enumerate((b"%PDF-1.4\n%%EOF\n", b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n")):
        path = tmp_path / f"{n}.pdf"
        path.write_bytes(data)
        with pytest.raises(SubmissionError, match="不是完整的 PDF 文件"):
            extract(path)
    path.write_bytes(pdf("whole"))
    assert extract(path).attachment == "PDF 文件"
