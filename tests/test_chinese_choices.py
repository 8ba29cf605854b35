"""Choices staff pick on the command line (a post's state, an account's role, a unit's kind of document) are
listed by their Chinese names with the id after them, may be typed either way, and an unknown one is told
with the choices in Chinese and the one probably meant."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path

import pytest

from scheduler.cli.main import build_parser
from scheduler.inputs.config import load_campaign
from scheduler.support.suggest import did_you_mean, titled
from scheduler.support.values import ImageRef
from scheduler.views.placeholder import placeholder_lines


def _parse(*argv: str) -> argparse.Namespace:
    return build_parser(list(argv)).parse_args(list(argv))


def _refused(capsys: pytest.CaptureFixture[str], *argv: str) -> str:
    with pytest.raises(SystemExit) as exited:
        _parse(*argv)
    assert exited.value.code == 2
    return capsys.readouterr().err


@pytest.mark.parametrize(
    ("argv", "attribute", "meant"),
    [
        (("queue", "--state", "待审核"), "state", "planned"),
        (("queue", "--state", "planned"), "state", "planned"),
        (("units", "--kind", "计划"), "kind", "plan"),
        (("units", "--kind", "方案"), "kind", "plan"),
        (("units", "--kind", "工作总结"), "kind", "summary"),
        (("units", "--kind", "总结"), "kind", "summary"),
        (("units", "--kind", "summary"), "kind", "summary"),
        (("user", "add", "王科长", "--role", "审核人"), "role", "reviewer"),
        (("user", "role", "王科长", "admin"), "role", "admin"),
        (("plan", "--format", "网页月历"), "format", "html"),
        (("plan", "--format", "日历"), "format", "ics"),
        (("plan", "--format", "csv"), "format", "csv"),
        (("report", "--format", "工作总结"), "format", "docx"),
        (("report", "--format", "Excel"), "format", "xlsx"),
        (("report", "--format", "json"), "format", "json"),
    ],
)
def test_a_choice_is_taken_by_its_chinese_name_or_its_id(argv: tuple[str, ...], attribute: str, meant: str) -> None:
    assert getattr(_parse(*argv), attribute) == meant


def test_an_unknown_choice_lists_the_chinese_names_and_the_one_probably_meant(capsys: pytest.CaptureFixture[str]) -> None:
    err = _refused(capsys, "queue", "--state", "已发")
    assert "参数 --state：没有 已发 这个状态（是不是想写 已发布（published）？）：可用 待审核（planned）、已退回（rejected）、" in err, err
    err = _refused(capsys, "queue", "--state", "publishd")
    assert "没有 publishd 这个状态（是不是想写 已发布（published）？）" in err, err
    err = _refused(capsys, "units", "--kind", "总节")
    assert "没有 总节 这个种类（是不是想写 工作总结（summary）？）：可用 活动方案（plan）、工作总结（summary）" in err, err
    err = _refused(capsys, "user", "add", "王科长", "--role", "审核")
    assert "没有 审核 这个角色（是不是想写 审核人（reviewer）？）：可用 编辑（editor）、审核人（reviewer）、管理员（admin）" in err, err
    err = _refused(capsys, "report", "--format", "pdf")
    assert "没有 pdf 这个格式：可用 工作总结（docx）、数据表格（xlsx）、发布明细表（csv）、数据（json）" in err, err


def test_the_help_lists_the_choices_by_their_chinese_names(capsys: pytest.CaptureFixture[str]) -> None:
    for argv, listed in (
        (("queue", "--help"), "待审核（planned）、已退回（rejected）"),
        (("units", "--help"), "活动方案（plan）、工作总结（summary）"),
        (("user", "add", "--help"), "编辑（editor）、审核人（reviewer）、管理员（admin）"),
        (("plan", "--help"), "排期表（table）、数据（json）、电子表格（csv）、日历（ics）、网页月历（html）"),
        (("report", "--help"), "工作总结（docx）、数据表格（xlsx）、发布明细表（csv）、数据（json）"),
    ):
        with pytest.raises(SystemExit):
            _parse(*argv)
        shown = "".join(capsys.readouterr().out.split())  # argparse wraps the lines where it likes
        assert listed in shown, (argv, shown)


def test_a_suggestion_reads_the_same_everywhere() -> None:
    assert did_you_mean("anti-fak", {"anti-fake": "识假辨假"}, labels={"anti-fake": "识假辨假"}) == "是不是想写 识假辨假（anti-fake）？"
    assert did_you_mean("维权", ["rights", "brand"], labels={"rights": "严格质量整治与消费维权", "brand": "质量品牌提升"}) == (
        "是不是想写 严格质量整治与消费维权（rights）？"
    )


def test_a_layout_is_named_by_its_chinese_name_with_its_file_name_after_it(project: Callable[..., Path]) -> None:
    """Messages, previews and the console's posters page say 知识卡片（knowledge-card）, not the file name alone."""
    assert titled("knowledge-card", "知识卡片") == "知识卡片（knowledge-card）"
    assert titled("banner", "横幅（知识单）", "banner") == "“横幅（知识单）”（banner，banner）"  # its own brackets quoted
    assert titled("x", "x", "方形") == "x（方形）"  # a layout without a label of its own
    campaign = load_campaign(project())
    said = [text for text, _ in placeholder_lines(campaign, ImageRef("", "goods-salt-iodised", "slogan", "square"), "")]
    assert said == ["海报还没有画出", "标语海报", "后台服务会提前画好", "急用请管理员运行 qm posters"]  # no file name or size
