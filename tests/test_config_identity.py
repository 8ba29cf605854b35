"""What every poster prints from config.yaml (organizer, hotline, brand colours) is refused at its line
when it would print nothing, a wrong number, or words nobody can read."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from scheduler.inputs.config import load_campaign

from .conftest import run_qm
from .test_config import _problems


def _line(path: Path, text: str) -> int:
    return next(i for i, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if text in line)


def _rewrite(path: Path, key: str, value: str) -> int:
    """Write `campaign.key: value` in the config at `path`; the line it is on."""
    lines = path.read_text(encoding="utf-8").splitlines()
    at = next(i for i, line in enumerate(lines) if line.startswith(f"  {key}:"))
    lines[at] = f"  {key}: {value}"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return at + 1


@pytest.mark.parametrize("written", ["12315a", "123 15", "１２３１５", "12315/12365"])
def test_a_hotline_that_is_not_a_telephone_number_is_refused_at_its_line(project: Callable[..., Path], written: str) -> None:
    path = project(lambda t: t.replace('hotline: "12315"', f'hotline: "{written}"'))
    (problem,) = _problems(path)
    assert problem.startswith(f"{path}:{_line(path, 'hotline:')}：campaign.hotline 不是电话号码：{written!r}"), problem
    assert "如 12315 或 0456-8221234" in problem


@pytest.mark.parametrize("written", ["０４５６-０００００００", "0456-OOOOOOO", "0456 0000000"])
def test_a_contact_phone_that_is_not_a_telephone_number_is_refused_at_its_line(project: Callable[..., Path], written: str) -> None:
    path = project(lambda t: t.replace('phone: "0456-0000000"', f'phone: "{written}"'))
    (problem,) = _problems(path)
    where = f"{path}:{_line(path, 'phone:')}"
    assert problem.startswith(f"{where}：campaign.contacts[0].phone 不是电话号码：{written!r}"), problem
    assert "只写半角数字，区号和号码之间可用 - 连接，如 12315 或 0456-8221234" in problem


def test_a_contact_without_a_phone_is_still_accepted(project: Callable[..., Path]) -> None:
    path = project(lambda t: t.replace('      phone: "0456-0000000"\n', ""))
    (contact,) = load_campaign(path).contacts
    assert contact.name == "质量发展科" and contact.phone == ""


@pytest.mark.parametrize("written", ["０４５６-８２２５７５６", "0456-822575o", "0456 8225756"])
def test_a_unit_phone_that_is_not_a_telephone_number_is_refused_at_its_line(project: Callable[..., Path], written: str) -> None:
    path = project(lambda t: t + f'\nunits:\n  - name: 爱辉区\n    contact: 张三\n    phone: "{written}"\n  - name: 北安市\n')
    (problem,) = _problems(path)
    where = f"{path}:{_line(path, written)}"
    assert (
        problem
        == f"{where}：第 1 个单位的 phone 不是电话号码：{written!r}（只写半角数字，区号和号码之间可用 - 连接，如 12315 或 0456-8221234）"
    )


def test_units_with_and_without_a_phone_are_accepted(project: Callable[..., Path]) -> None:
    units = '\nunits:\n  - name: 爱辉区\n    phone: "0456-8225756"\n  - name: 北安市\n  - name: 嫩江县\n    phone: 12345\n'
    assert [u.phone for u in load_campaign(project(lambda t: t + units)).units] == ["0456-8225756", "", "12345"]


@pytest.mark.parametrize("written", ["12315", "0456-8221234", "400-123-4567"])
def test_telephone_numbers_as_people_write_them_are_accepted(project: Callable[..., Path], written: str) -> None:
    assert load_campaign(project(lambda t: t.replace('hotline: "12315"', f'hotline: "{written}"'))).hotline == written


@pytest.mark.parametrize("key", ["organizer", "name", "theme", "hotline"])
def test_an_empty_text_every_poster_prints_is_refused(project: Callable[..., Path], key: str) -> None:
    path = project()
    at = _rewrite(path, key, '""')
    (problem,) = _problems(path)
    assert problem.startswith(f"{path}:{at}：campaign.{key} 不能为空"), problem


@pytest.mark.parametrize("key", ["organizer", "hotline"])
def test_a_text_every_poster_prints_written_as_a_list_is_told_once(project: Callable[..., Path], key: str) -> None:
    path = project()
    at = _rewrite(path, key, "[市市场监督管理局, 12315]")
    assert _problems(path) == [f"{path}:{at}：campaign.{key} 应当是文字"]  # not also 不能为空


def test_a_hotline_of_spaces_is_told_to_be_empty(project: Callable[..., Path]) -> None:
    path = project(lambda t: t.replace('hotline: "12315"', 'hotline: "\u3000 "'))
    (problem,) = _problems(path)
    assert problem == f"{path}:{_line(path, 'hotline:')}：campaign.hotline 不能为空：每张海报上都印着它（写投诉举报电话，如 12315）"


def test_a_colour_written_without_quotes_is_told_to_be_quoted(project: Callable[..., Path]) -> None:
    path = project(lambda t: t.replace('secondary: "#1F4E9D"', "secondary: #00AA00"))  # YAML: a comment
    (problem,) = _problems(path)
    assert problem == (
        f"{path}:{_line(path, 'secondary:')}：brand.secondary 没有值：YAML 把 # 后面的文字当作注释"
        '（颜色要加引号，写作 secondary: "#00AA00"）'
    ), problem


def test_a_unit_with_an_empty_name_is_refused(project: Callable[..., Path]) -> None:
    path = project(lambda t: t + '\nunits:\n  - name: 爱辉区\n  - name: ""\n')
    (problem,) = _problems(path)
    at = _line(path, 'name: ""')
    assert problem.startswith(f"{path}:{at}：第 2 个单位的 name 不能为空"), problem


def test_a_unit_name_written_as_a_list_is_told_once(project: Callable[..., Path]) -> None:
    path = project(lambda t: t + "\nunits:\n  - name: [爱辉区, 北安市]\n")
    assert _problems(path) == [f"{path}:{_line(path, '- name: [')}：第 1 个单位的 name 应当是文字"]


def test_brand_colours_that_hide_the_words_are_refused_by_check_and_noted_by_poster(project: Callable[..., Path], tmp_path: Path) -> None:
    path = project(lambda t: t.replace('secondary: "#1F4E9D"', 'secondary: "#FFFFFF"'))  # the footer band under white words
    at = _line(path, "secondary:")
    checked = run_qm("check", "-c", path)
    assert checked.returncode == 2 and "Traceback" not in checked.stderr, checked.stderr
    footer = "的 footer：brand.background #FFFFFF 的文字在 brand.secondary #FFFFFF 上，对比度 1.00:1，应不低于 3:1"
    assert f"{path}:{at}：版式 知识卡片（knowledge-card，" in checked.stderr and footer in checked.stderr, checked.stderr
    assert "换一个与之反差更大的 brand.secondary" in checked.stderr
    drawn = run_qm("poster", "goods-salt-iodised", "--size", "square", "-o", tmp_path / "x.png", "-c", path)
    assert drawn.returncode == 0 and (tmp_path / "x.png").is_file(), drawn.stderr  # a person asked for it: drawn
    assert "品牌颜色让海报上的一些文字看不清" in drawn.stderr and footer in drawn.stderr, drawn.stderr
    fine = run_qm("check", "-c", project())
    assert "对比度" not in fine.stderr, fine.stderr


CUSTOM = """# 自定义版式
label: 自定义
size: square
variants:
  square:
    background: background
    shapes:
      - {box: [0, 0.8, 1, 0.2], color: "#D0D0D0"}
    regions:
      slogan:
        box: [0.1, 0.1, 0.8, 0.5]
        text: "{title}"
        color: "#EEEEEE"
      footer: {box: [0.1, 0.85, 0.8, 0.1], text: "{hotline}", color: background}
"""


def test_a_colour_written_in_a_custom_layout_is_told_at_its_line_in_the_layout(project: Callable[..., Path]) -> None:
    """Light grey words on the white background, white words on a light grey band: the colours to change are the
    ones the layout writes, at their lines there, not a brand colour of config.yaml."""
    path = project()
    layout = path.parent / "templates" / "posters" / "x.yaml"
    layout.write_text(CUSTOM, encoding="utf-8")
    checked = run_qm("check", "-c", path)
    assert checked.returncode == 2 and "Traceback" not in checked.stderr, checked.stderr
    words = f"{layout}:13：版式 自定义（x，方形）的 slogan：版式里写的颜色 #EEEEEE 的文字在 brand.background #FFFFFF 上，对比度 1.16:1，应不低于 3:1"
    assert words in checked.stderr and "把版式里写的颜色 #EEEEEE 换成与 brand.background #FFFFFF 反差更大的颜色" in checked.stderr
    band = f"{layout}:8：版式 自定义（x，方形）的 footer：brand.background #FFFFFF 的文字在 版式里写的颜色 #D0D0D0 上"
    assert band in checked.stderr and "把版式里写的颜色 #D0D0D0 换成与 brand.background #FFFFFF" in checked.stderr, checked.stderr
    assert "config.yaml:" not in checked.stderr and "换一个与之反差更大的 brand" not in checked.stderr, checked.stderr


SHORT = "  organizer_short: 市质量联席办  # 全称在海报页脚一行放不下时印简称\n"


@pytest.mark.parametrize(
    ("written", "said"),
    [
        ('""', "campaign.organizer_short 不能为空"),
        (
            "市质量计量标准化工作联席会议办公室",
            "campaign.organizer_short“市质量计量标准化工作联席会议办公室”（17 字）不比主办单位全称（17 字）短",
        ),
    ],
)
def test_an_organizer_short_name_that_is_blank_or_not_shorter_is_refused_at_its_line(
    project: Callable[..., Path], written: str, said: str
) -> None:
    path = project(lambda t: t.replace(SHORT, f"  organizer_short: {written}\n"))
    (problem,) = _problems(path)
    assert problem.startswith(f"{path}:{_line(path, 'organizer_short:')}：{said}"), problem
    assert "删去这一行" in problem
    result = run_qm("check", "-c", path)
    assert result.returncode != 0 and said in result.stderr and "Traceback" not in result.stderr, result.stderr


def test_an_organizer_short_name_is_read(project: Callable[..., Path]) -> None:
    assert load_campaign(project()).organizer_short == "市质量联席办"
    assert load_campaign(project(lambda t: t.replace(SHORT, "  organizer_short: 质量联席办\n"))).organizer_short == "质量联席办"
    assert load_campaign(project(lambda t: t.replace(SHORT, ""))).organizer_short == ""


def test_a_units_empty_name_is_counted_as_staff_count_and_a_missing_key_pointed_at_its_section(project: Callable[..., Path]) -> None:
    """The 4th unit, not units[3]; a missing hotline at the `campaign:` line where it goes, not at the `name:` line."""
    units = "\nunits:\n  - name: 爱辉区\n  - name: 北安市\n  - name: 逊克县\n  - name:\n"
    path = project(lambda t: t.replace('  hotline: "12315"\n', "") + units)
    problems = _problems(path)
    empty = path.read_text(encoding="utf-8").splitlines().index("  - name:") + 1
    assert f"{path}:{empty}：第 4 个单位的 name 没有填写（在“name:”后面写上它的值）" in problems, problems
    campaign = _line(path, "campaign:")
    assert f"{path}:{campaign}：缺少配置项 campaign.hotline（在第 {campaign} 行“campaign:”这一节里加一行“hotline: ”" in "\n".join(problems)
