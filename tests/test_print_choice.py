"""What goes on a print sheet, and what a person is told about it: launch items of one phase only (by the
day the sheet is made), what a topic's sheet left out, listed items once each, paper and poster sizes in
any case, config entries named by file:line, and `qm poster -o` writing exactly the file asked for.

The day a sheet is made is injected (Context.now): these tests mean the same on any day."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

import pytest

from scheduler.cli import check_cache
from scheduler.cli.context import Context
from scheduler.cli.main import main
from scheduler.inputs.config import load_campaign
from scheduler.inputs.content import load_library
from scheduler.poster.printjob import PrintSheet, chosen_items
from scheduler.poster.printpick import Picked, pick
from tests.test_check_cache import _imported_by_check

TZ = dt.timezone(dt.timedelta(hours=8))
BEFORE = ("publicity-launch-preview", "publicity-launch-invitation")
AFTER = "publicity-launch-announcement"


def _qm(capsys: pytest.CaptureFixture[str], config: Path, *args: str | Path) -> tuple[int, str, str]:
    code = main(["-c", str(config), *map(str, args)])
    out, err = capsys.readouterr()
    return code, out, err


def _made_on(monkeypatch: pytest.MonkeyPatch, day: dt.date) -> None:
    monkeypatch.setattr(Context, "now", lambda self: dt.datetime.combine(day, dt.time(10, 0), TZ))


def test_a_launch_sheet_carries_the_invitations_before_the_launch_day_and_the_report_on_that_day_only(project: Callable[..., Path]) -> None:
    campaign = load_campaign(project())
    library = load_library(campaign.paths.content, campaign.text_values)
    assert campaign.key_dates.launch == dt.date(2027, 9, 8)
    job = PrintSheet("wallchart", topic="launch")
    before = [t.id for t in chosen_items(campaign, job, library, dt.date(2027, 9, 7))]
    assert set(BEFORE) <= set(before) and AFTER not in before
    after = [t.id for t in chosen_items(campaign, job, library, dt.date(2027, 9, 8))]
    assert AFTER in after and not set(BEFORE) & set(after), after
    later = pick(campaign, job, library, dt.date(2027, 9, 20))  # the report says "today": not on paper handed out later
    assert not {AFTER, *BEFORE} & {t.id for t in later.items}, later.items
    assert any(f"略去 1 条启动当天的报道（{AFTER}）" in note and "今天" in note for note in later.left_out), later.left_out
    assert "publicity-launch-onsite" in before and "publicity-launch-onsite" in after  # no phase: on either


def test_qm_print_says_which_launch_items_it_left_out_and_refuses_both_phases_listed(
    project: Callable[..., Path], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    config = project()
    _made_on(monkeypatch, dt.date(2027, 8, 20))
    code, out, err = _qm(capsys, config, "print", "wallchart", "--topic", "launch", "-o", tmp_path / "w.pdf")
    assert code == 0 and "已生成挂图" in out, err
    assert f"略去 1 条活动开始后的报道（{AFTER}）" in err and "还没到启动日 2027-09-08" in err
    listed = ",".join((*BEFORE, AFTER))
    code, _, err = _qm(capsys, config, "print", "wallchart", "--items", listed, "-o", tmp_path / "both.pdf")
    assert code == 2 and not (tmp_path / "both.pdf").exists()
    assert f"--items 同时列出了启动活动开始前的预告和邀请（{'、'.join(BEFORE)}，phase: before）" in err
    assert f"开始后的报道（{AFTER}，phase: after）" in err


def test_a_topic_with_more_items_than_the_sheet_holds_says_how_many_were_printed(
    project: Callable[..., Path], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    _made_on(monkeypatch, dt.date(2027, 8, 20))
    code, _, err = _qm(capsys, project(), "print", "wallchart", "--topic", "slogan", "-o", tmp_path / "s.pdf")
    assert code == 0 and (tmp_path / "s.pdf").is_file()
    assert "主题“宣传标语”有 27 条可印的内容，挂图最多 8 条：印了内容库中的前 8 条，略去 19 条" in err
    assert "用 --items 列出内容编号" in err


def test_listed_items_are_printed_once_and_paper_sizes_are_taken_in_any_case(
    project: Callable[..., Path], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    config = project()
    _made_on(monkeypatch, dt.date(2027, 8, 20))
    twice = "goods-salt-iodised,anti-fake-sc-code,goods-salt-iodised"
    code, _, err = _qm(capsys, config, "print", "wallchart", "--items", twice, "-o", tmp_path / "d.pdf")
    assert code == 2 and "--items 重复列出了 goods-salt-iodised" in err and not (tmp_path / "d.pdf").exists()
    code, out, err = _qm(capsys, config, "print", "wallchart", "--items", "goods-salt-iodised", "--size", "A1", "-o", tmp_path / "a1.pdf")
    assert code == 0 and "A1，594×841 毫米" in out, err
    code, out, err = _qm(capsys, config, "poster", "goods-salt-iodised", "--size", "SQUARE")
    assert code == 0 and (tmp_path / "posters" / "goods-salt-iodised" / "knowledge-card-square.png").is_file(), err


def test_a_config_print_entry_that_cannot_be_made_is_named_by_file_and_line(
    project: Callable[..., Path], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    entries = "    - {layout: wallchart, topic: launch}\n    - {layout: leaflet, items: [goods-salt-iodised, anti-fake-sc-code]}\n"
    config = project(lambda t: t.replace("posters:\n", f"posters:\n  print:\n{entries}", 1))
    line = (
        config.read_text(encoding="utf-8").splitlines().index("    - {layout: leaflet, items: [goods-salt-iodised, anti-fake-sc-code]}") + 1
    )
    _made_on(monkeypatch, dt.date(2027, 8, 20))
    code, _, err = _qm(capsys, config, "posters", "--from", "2027-09-01", "--to", "2027-09-01")
    assert code == 2, err
    assert (
        f"config.yaml:{line}：posters.print 的这一项 {{layout: leaflet, items: [goods-salt-iodised, anti-fake-sc-code]}} 生成不了：传单要有 4–6 条内容，现在是 2 条：用 items 列出"
        in err
    )
    assert "--items" not in err and "--topic" not in err
    config.write_text(config.read_text(encoding="utf-8").replace(entries, entries.splitlines(keepends=True)[0]), encoding="utf-8")
    code, out, err = _qm(capsys, config, "posters", "--from", "2027-09-01", "--to", "2027-09-01")
    assert code == 0 and "印刷 PDF（posters.print）1 份" in out, err  # made before the leaflet was refused
    assert f"config.yaml:{line - 1}：略去 1 条活动开始后的报道（{AFTER}）" in err


def test_qm_poster_writes_the_file_named_and_no_cache_keys_beside_it(
    project: Callable[..., Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = project()
    for name in ("y.jpg", "y.pdf", "y"):
        code, _, err = _qm(capsys, config, "poster", "goods-salt-iodised", "--size", "square", "-o", tmp_path / "out" / name)
        assert code == 2 and "请用 .png 结尾的文件名" in err and "Traceback" not in err, (name, err)
    assert not (tmp_path / "out").exists()
    mine = tmp_path / "mine"
    mine.mkdir()
    assert _qm(capsys, config, "poster", "goods-salt-iodised", "--size", "square", "-o", mine / "y.png")[0] == 0
    assert _qm(capsys, config, "poster", "goods-salt-iodised", "--size", "square", "--size", "a3", "-o", mine / "both")[0] == 0
    assert _qm(capsys, config, "poster", "goods-salt-iodised", "--size", "portrait", "-o", mine)[0] == 0  # into the folder
    files = sorted(str(p.relative_to(mine)) for p in mine.rglob("*"))
    expected = ["both", "both/knowledge-card-a3.pdf", "both/knowledge-card-a3.png", "both/knowledge-card-square.png"]
    assert files == [*expected, "knowledge-card-portrait.png", "y.png"]  # no hidden .key files
    assert _qm(capsys, config, "poster", "goods-salt-iodised", "--size", "square")[0] == 0
    assert (tmp_path / "posters" / "goods-salt-iodised" / ".knowledge-card-square.key").is_file()  # qm's own folder keeps its cache


def test_a_topic_or_area_is_named_in_chinese_and_may_be_typed_so(
    project: Callable[..., Path], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    config = project()
    by_name = _pick(config, "wallchart", "识假辨假")
    assert by_name.about == "识假辨假" and by_name.items == _pick(config, "wallchart", "anti-fake").items
    assert PrintSheet("wallchart", topic="识假辨假").file_name() == PrintSheet("wallchart", topic="anti-fake").file_name()
    # brand is a topic's id (品牌建设) and an area's (质量品牌提升): the area's Chinese name takes the area's items
    area, topic = _pick(config, "leaflet", "质量品牌提升"), _pick(config, "wallchart", "brand")
    assert area.about == "质量品牌提升" and topic.about == "品牌建设" and len(topic.items) < len(area.items)
    assert any(note.startswith("领域“质量品牌提升”有 ") for note in area.left_out), area.left_out
    _made_on(monkeypatch, dt.date(2027, 8, 20))
    code, _, err = _qm(capsys, config, "print", "wallchart", "--topic", "宣传标语", "-o", tmp_path / "s.pdf")
    assert code == 0 and "主题“宣传标语”有 27 条可印的内容" in err, err


@pytest.mark.parametrize(
    ("written", "meant"),
    [("anti-fak", "识假辨假（anti-fake）"), ("辨假识假", "识假辨假（anti-fake）"), ("维权", "严格质量整治与消费维权（rights）")],
)
def test_an_unknown_topic_is_told_with_the_chinese_names_and_the_closest_one(
    project: Callable[..., Path], capsys: pytest.CaptureFixture[str], tmp_path: Path, written: str, meant: str
) -> None:
    code, _, err = _qm(capsys, project(), "print", "wallchart", "--topic", written, "-o", tmp_path / "w.pdf")
    assert code == 2 and f"没有主题或领域 {written!r}（是不是想写 {meant}？）：中文名或编号都可以，" in err, err
    assert "主题有 食品包装材料（goods-food-packaging）、" in err and "；领域有 质量品牌提升（brand）、" in err, err


def _pick(config: Path, layout: str, topic: str) -> Picked:
    campaign = load_campaign(config)
    library = load_library(campaign.paths.content, campaign.text_values)
    return pick(campaign, PrintSheet(layout, topic=topic), library, dt.date(2027, 8, 20))


def test_a_layout_is_taken_by_its_chinese_name_and_an_unknown_one_is_told_in_chinese(
    project: Callable[..., Path], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    config = project()
    _made_on(monkeypatch, dt.date(2027, 8, 20))
    code, _, err = _qm(capsys, config, "print", "挂图", "--topic", "识假辨假")
    assert code == 0 and (tmp_path / "posters" / "print" / "wallchart-anti-fake-a2.pdf").is_file(), err
    code, _, err = _qm(capsys, config, "print", "挂图纸", "--topic", "识假辨假", "-o", tmp_path / "x.pdf")
    assert (
        code == 2
        and "没有版式 '挂图纸'（是不是想写 挂图（wallchart）？）：中文名或版式名都可以，可用 挂图（wallchart）、传单（leaflet）、" in err
    ), err
    assert "知识卡片（knowledge-card）" in err and not (tmp_path / "x.pdf").exists()
    code, _, err = _qm(capsys, config, "poster", "goods-salt-iodised", "--layout", "标语海报", "-o", tmp_path / "s.png")
    assert code == 0 and (tmp_path / "s.png").is_file(), err
    code, _, err = _qm(capsys, config, "poster", "goods-salt-iodised", "--layout", "知识卡", "-o", tmp_path / "k.png")
    assert code == 2 and "没有海报版式 '知识卡'（是不是想写 知识卡片（knowledge-card）？）" in err and "挂图" not in err, err


def test_a_thin_wallchart_lists_its_items_with_the_chinese_enumeration_comma(
    capsys: pytest.CaptureFixture[str], project: Callable[..., Path], tmp_path: Path
) -> None:
    code, _, err = _qm(
        capsys, project(), "print", "wallchart", "--items", "anti-fake-ccc-check,anti-fake-sc-code", "-o", tmp_path / "挂图.pdf"
    )
    assert code == 0, err
    assert "挂图只有 2 条内容（anti-fake-ccc-check、anti-fake-sc-code）" in err, err


def test_qm_check_refuses_a_config_print_entry_qm_posters_could_not_make(
    project: Callable[..., Path], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    entries = (
        "    - {layout: leaflet, topic: anti-fake}\n"
        "    - {layout: 传单, items: [goods-salt-iodised, anti-fake-sc-code, brand-gi-what, brand-why-brand], size: a2}\n"
        "    - {layout: flyer, topic: anti-fake}\n"
        "    - {layout: wallchart, topic: anti-fake}\n"
    )
    config = project(lambda t: t.replace("posters:\n", f"posters:\n  print:\n{entries}", 1))
    first = config.read_text(encoding="utf-8").splitlines().index(entries.splitlines()[0]) + 1
    _made_on(monkeypatch, dt.date(2027, 8, 20))
    code, out, err = _qm(capsys, config, "check", "--no-cache")
    assert code != 0 and "检查通过" not in out, out
    assert f"config.yaml:{first}：posters.print 的这一项 {{layout: leaflet, topic: anti-fake}} 生成不了：传单要有 4–6 条内容，现在是" in err
    assert "或换一个内容更多的 topic" in err
    assert f"config.yaml:{first + 1}：posters.print 的这一项 {{layout: 传单, items: [goods-salt-iodised," in err
    assert "传单不能印成尺寸 a2：它适合的尺寸是 a4（A4，210×297 毫米）（用 size 指定）" in err
    assert f"config.yaml:{first + 2}：posters.print 的这一项 {{layout: flyer, topic: anti-fake}} 生成不了：没有版式 'flyer'" in err
    assert f"config.yaml:{first + 3}" not in err  # the wall chart can be made
    code, _, posters_err = _qm(capsys, config, "posters", "--from", "2027-09-01", "--to", "2027-09-01")
    assert code == 2 and posters_err.splitlines()[0].removeprefix("错误：") in err  # the same words as qm posters refuses with
    (config.parent / ".qm" / check_cache.FILE).unlink()
    assert _imported_by_check(config, ("PIL", "segno", "reportlab")) == []  # the entries are checked without drawing
