"""The poster commands as a user runs them."""

from __future__ import annotations

import io
import json
import os
import select
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from PIL import Image

from scheduler.cli.output import drawing_progress
from scheduler.poster.pieces import NO_END, NO_START
from tests.conftest import HEIHE, run_qm

THEME = "提升质量水平，建设质量强市"


def test_adhoc_title_square_cover_and_a3(project: Callable[..., Path], tmp_path: Path) -> None:
    config = project()
    for size, expected in (("1080x1080", (1080, 1080)), ("wechat-cover", (900, 383)), ("a3", (3508, 4961))):
        out = tmp_path / f"x-{size}.png"
        result = run_qm("poster", "--title", THEME, "--size", size, "-o", out, "-c", config)
        assert result.returncode == 0, result.stderr
        assert f"已生成：{out}" in result.stdout
        with Image.open(out) as img:
            assert img.size == expected
    with Image.open(tmp_path / "x-a3.png") as img:
        assert round(img.info["dpi"][0]) == 300
    assert (tmp_path / "x-a3.pdf").read_bytes().startswith(b"%PDF")


def test_explain_on_punctuation_heavy_text(project: Callable[..., Path]) -> None:
    title = "“质量月”来了！《产品质量法》说：生产者——对产品质量负责……（详见第二十六条）。你知道吗？"
    body = "依据GB/T 15834-2011，标点“，”“。”“、”不出现在行首；“《”“（”不出现在行尾……请拨打12315！"
    result = run_qm(
        "poster", "--title", title, "--body", body, "--layout", "knowledge-card", "--size", "square", "--explain", "-c", project()
    )
    assert result.returncode == 0, result.stderr
    explained = json.loads(result.stdout)
    assert (explained["width"], explained["height"], explained["layout"]) == (1080, 1080, "knowledge-card")
    regions = {r["region"]: r for r in explained["regions"]}
    assert {"title", "body", "footer", "qr"} <= set(regions)
    for region in ("title", "body"):
        lines = regions[region]["lines"]
        assert "".join(lines).replace(" ", "") == (title if region == "title" else body).replace(" ", "")
        assert all(line[0] not in NO_START for line in lines[1:]), lines
        assert all(line[-1] not in NO_END for line in lines[:-1]), lines
        assert regions[region]["font_size"] >= 32 and len(regions[region]["box"]) == 4
    assert regions["title"]["font_size"] > regions["body"]["font_size"]


def test_poster_for_an_item_lands_in_the_posters_folder(project: Callable[..., Path], tmp_path: Path) -> None:
    result = run_qm("poster", "publicity-launch-announcement", "--size", "wechat-cover", "--size", "500x700", "-c", project())
    assert result.returncode == 0, result.stderr
    folder = tmp_path / "posters" / "publicity-launch-announcement"
    assert sorted(p.name for p in folder.glob("*.png")) == ["launch-500x700.png", "launch-wechat-cover.png"]
    explained = json.loads(run_qm("poster", "publicity-launch-announcement", "--size", "portrait", "--explain", "-c", project()).stdout)
    subtitle = next(r for r in explained["regions"] if r["region"] == "subtitle")
    assert subtitle["lines"] == ["9月8日 星期三 09:00", "中央大街广场"]  # the campaign's launch date, time and venue


def test_wrong_input_is_a_chinese_message_and_exit_2(project: Callable[..., Path]) -> None:
    config = project()
    cases = [
        (("poster", "no-such-item"), "内容库中没有编号为 no-such-item 的内容"),
        (("poster", "anti-fake-sc-transition"), "有效期是 2015-10-01 至 2018-09-30，不在活动期 2027-09-01 至 2027-09-30 内，不能生成海报"),
        (("poster", "goods-salt-iodised", "--layout", "nope"), "没有海报版式 'nope'"),
        (("poster", "goods-salt-iodised", "--size", "huge"), "未知的海报尺寸 'huge'"),
        (("poster", "--title", THEME), "请用 -o 指定输出文件"),
        (("poster", "--title", "质量" * 100, "--layout", "banner", "--size", "900x100", "-o", "x.png"), "标语（slogan）的文字在最小字号"),
    ]
    for args, message in cases:
        result = run_qm(*args, "-c", config)
        assert result.returncode == 2, (args, result.stderr)
        assert message in result.stderr and "Traceback" not in result.stderr


def test_posters_renders_what_the_plan_needs_then_nothing(project: Callable[..., Path], tmp_path: Path) -> None:
    config = project(config=HEIHE)
    args = ("posters", "--from", "2016-09-08", "--to", "2016-09-08", "-c", config)
    first = run_qm(*args)
    assert first.returncode == 0, first.stderr
    assert "新生成" in first.stdout and "生成图片" not in first.stderr  # without a terminal: the summary line only
    made = sorted(p.relative_to(tmp_path / "posters").as_posix() for p in (tmp_path / "posters").rglob("*.png"))
    assert "publicity-launch-announcement/launch-wechat-cover.png" in made
    assert any(name.endswith("launch-1920x1080.png") for name in made)  # the screen's launch-day slides
    assert f"排期用到 {len(made)} 张海报" in first.stdout
    second = run_qm(*args)
    assert second.returncode == 0, second.stderr
    assert "全部是最新的，没有重新生成" in second.stdout


def test_a_print_sizes_pdf_is_called_a_preview_naming_the_command_for_the_print_file(project: Callable[..., Path], tmp_path: Path) -> None:
    config = project()
    result = run_qm("poster", "anti-fake-sc-code", "--size", "a3", "--size", "square", "-c", config)
    assert result.returncode == 0, result.stderr
    folder = tmp_path / "posters" / "anti-fake-sc-code"
    assert f"已生成：{folder / 'knowledge-card-a3.pdf'}（预览图，不是印刷文件）" in result.stdout
    assert f"已生成：{folder / 'knowledge-card-square.png'}\n" in result.stdout
    assert "没有出血和裁切线" in result.stdout and "不要交给印刷厂" in result.stdout
    command = f"qm print knowledge-card --items anti-fake-sc-code --size a3 -c {config}"
    assert command in result.stdout
    made = run_qm(*command.split()[1:], "-o", tmp_path / "海报.pdf")  # the command named makes the print file
    assert made.returncode == 0 and "含 3 毫米出血和裁切线" in made.stdout, made.stderr
    square = run_qm("poster", "anti-fake-sc-code", "--size", "square", "-c", config)
    assert "qm print" not in square.stdout  # no print size, no note


def test_a_file_named_by_o_is_overwritten_only_with_force(project: Callable[..., Path], tmp_path: Path) -> None:
    """Like qm report and qm units: an existing file is kept, and the person told how to go on."""
    config, here = project(), tmp_path / "交付"
    here.mkdir()
    out = here / "主题.png"
    out.write_bytes(b"edited")
    (here / "主题.jpg").write_bytes(b"another")  # not the file named: left alone whatever happens
    refused = run_qm("poster", "--title", THEME, "--size", "square", "-o", out, "-c", config)
    assert refused.returncode == 2 and "Traceback" not in refused.stderr, refused.stderr
    assert f"{out} 已存在，没有覆盖：用 -o 换一个文件名，或加 --force 覆盖它" in refused.stderr, refused.stderr
    assert out.read_bytes() == b"edited"
    pdf = here / "印刷.pdf"  # a print size also writes the PDF beside the PNG: neither is written
    pdf.write_bytes(b"edited")
    refused = run_qm("poster", "--title", THEME, "--size", "a3", "-o", here / "印刷.png", "-c", config)
    assert refused.returncode == 2 and f"{pdf} 已存在，没有覆盖" in refused.stderr, refused.stderr
    assert pdf.read_bytes() == b"edited" and not (here / "印刷.png").exists()
    forced = run_qm("poster", "--title", THEME, "--size", "square", "-o", out, "--force", "-c", config)
    assert forced.returncode == 0, forced.stderr
    with Image.open(out) as img:
        assert img.size == (1080, 1080)
    assert (here / "主题.jpg").read_bytes() == b"another"
    assert sorted(p.name for p in here.iterdir()) == ["主题.jpg", "主题.png", "印刷.pdf"]  # no temporary file left


def test_the_drawing_progress_is_one_bar_on_a_terminal_and_nothing_in_a_log(monkeypatch: pytest.MonkeyPatch) -> None:
    """On a terminal one bar redrawn in place; written to a file (qm posters > log 2>&1) not a line of it (before:
    a line every tenth, 13 lines for 13 posters): the command's summary line says what was drawn."""
    master, child = os.openpty()
    with os.fdopen(child, "w", encoding="utf-8") as terminal:
        monkeypatch.setattr(sys, "stderr", terminal)
        for done in range(1, 14):
            drawing_progress(done, 13)
        chunks = []
        while select.select([master], [], [], 0.2)[0]:
            chunks.append(os.read(master, 65536))
        said = b"".join(chunks).decode()
    os.close(master)
    assert said.count("\r生成图片 [") == 13 and said.count("\n") == 1 and said.rstrip().endswith("] 13/13"), repr(said)
    log = io.StringIO()
    monkeypatch.setattr(sys, "stderr", log)
    for done in range(1, 14):
        drawing_progress(done, 13)
    assert log.getvalue() == ""
