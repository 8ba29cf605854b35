from __future__ import annotations

import argparse
import gc
import json
import os
import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from scheduler.cli.main import COMMANDS, SUMMARIES, _command_word, build_parser, main
from scheduler.cli.zh_argparse import NumberIn, wrap
from scheduler.inputs.config import load_campaign
from scheduler.views.columns import width

from .conftest import DEFAULT, HEIHE, run_qm
from .test_export import assert_local_chinese_font


def _commands() -> list[str]:
    parser = build_parser()
    sub = next(a for a in parser._actions if a.dest == "command")
    return sorted(sub.choices)  # type: ignore[arg-type]


def test_every_command_has_chinese_help() -> None:
    han = re.compile(r"[\u4e00-\u9fff]")
    top = run_qm("--help")
    assert top.returncode == 0 and "用法：" in top.stdout and "选项" in top.stdout
    for command in _commands():
        result = run_qm(command, "--help")
        assert result.returncode == 0, command
        assert "用法：" in result.stdout and "显示本帮助并退出" in result.stdout, command
        description = result.stdout.split("\n\n")[1]
        assert han.search(description), (command, description)
        assert "show this help" not in result.stdout and "usage:" not in result.stdout
    for action in ("build", "serve", "push"):
        result = run_qm("screen", action, "--help")
        assert result.returncode == 0 and "用法：qm screen " + action in result.stdout and han.search(result.stdout.split("\n\n")[1])


def _help_pages() -> list[argparse.ArgumentParser]:
    """Every command's parser (and the screen actions'), each built as `qm <command> --help` builds it."""
    pages = []
    for command in COMMANDS:
        sub = next(a for a in build_parser([command])._actions if a.dest == "command")
        page = sub.choices[command]  # type: ignore[index]
        pages.append(page)
        pages += [p for a in page._actions if isinstance(a, argparse._SubParsersAction) for p in a.choices.values()]
    return pages


@pytest.mark.parametrize("columns", [60, 80, 100])
def test_help_never_breaks_inside_an_ascii_word(columns: int, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", str(columns))
    word = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.:/-]*[A-Za-z0-9]")
    seen = set()
    for page in _help_pages():
        shown = page.format_help()
        written = " ".join(t for t in [page.description or "", *(a.help or "" for a in page._actions)] if "%(" not in t)
        words = set(word.findall(written))
        seen |= words
        printed = {w for line in shown.splitlines() for w in word.findall(line)}
        assert words <= printed, (page.prog, sorted(words - printed))  # a broken word shows as two pieces
        for line in shown.split("\n\n", 2)[1].splitlines():  # the description: Chinese counts two columns
            assert width(line) <= columns - 2, (page.prog, line)
    assert {"scheduled", "wechat-square", "screen-slide", "knowledge-card"} <= seen  # the words once broken are among them


def test_help_has_no_ascii_space_after_chinese_punctuation(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "1000")  # each paragraph on one line: a space where the source broke a line shows too
    after = re.compile("[，。、；：！？）》」』”’】…（《「『“‘【] ")
    for page in [build_parser(), *_help_pages()]:
        for line in page.format_help().splitlines():
            assert not after.search(line), (page.prog, line)


def test_every_argument_is_described_with_the_campaigns_dates_and_its_allowed_range() -> None:
    year = load_campaign(DEFAULT).start.year
    for page in _help_pages():
        assert {int(y) for y in re.findall(r"\b(\d{4})-\d\d-\d\d\b", page.format_help())} <= {year}, page.prog
        for action in page._actions:
            assert action.help, (page.prog, action.metavar or action.dest)  # `qm user passwd 用户名` said nothing
            if isinstance(action.type, NumberIn):
                assert action.type.range in action.help, (page.prog, action.option_strings, action.help)


def test_wrapping_keeps_punctuation_with_its_words() -> None:
    lines = wrap("尺寸可以是 wechat-cover、wechat-square、屏幕编号（默认 海报目录/print/版式.pdf）。", 20)
    assert all(width(line) <= 20 for line in lines), lines
    assert not any(line[0] in "，。、）" or line[-1] in "（-/" for line in lines), lines
    assert "".join(lines).replace(" ", "") == "尺寸可以是wechat-cover、wechat-square、屏幕编号（默认海报目录/print/版式.pdf）。"
    assert wrap("a-very-long-option-name-that-cannot-fit 说明", 10) == ["a-very-long-option-name-that-cannot-fit", "说明"]
    # 宽x高 is one size: never “宽x” / “高” (qm poster --help), at every width
    for width_ in range(8, 30):
        assert not any(line.endswith(("宽x", "宽")) for line in wrap("尺寸可以是 a3、a2、banner、屏幕编号或 宽x高。", width_)), width_


def test_only_the_named_commands_module_is_loaded_and_the_map_matches_the_modules() -> None:
    assert _commands() == sorted(COMMANDS)
    for command, module in COMMANDS.items():
        parser = build_parser([command])
        sub = next(a for a in parser._actions if a.dest == "command")
        assert sorted(sub.choices) == sorted(c for c, m in COMMANDS.items() if m == module), command  # type: ignore[arg-type]
    assert _command_word(["-c", "plan", "posters", "--from", "2016-09-01"]) == "posters"
    assert _command_word(["--config=x.yaml", "status"]) == "status"
    assert _command_word(["--help"]) is None
    # Poster commands start without the database layer, the daemon or the HTTP clients.
    assert [m for m in _imported_by("posters", "--help") if m in ("sqlalchemy", "apscheduler", "httpx")] == []


HEAVY = (
    "sqlalchemy",
    "apscheduler",
    "httpx",
    "PIL",
    "jinja2",
    "markupsafe",
    "csv",
    "shutil",
    "tempfile",
)  # csv, markupsafe: other formats than the table


def _imported_by(*args: str) -> list[str]:
    """Which heavy libraries a whole `qm` run imports (the run's own output is discarded)."""
    probe = (
        "import contextlib, io, sys\n"
        "from scheduler.cli.main import main\n"
        "with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):\n"
        "    try:\n"
        f"        main({list(args)!r})\n"
        "    except SystemExit:\n"
        "        pass\n"
        f"print(sorted(m for m in {HEAVY!r} if m in sys.modules))"
    )
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True, cwd=HEIHE.parent)
    return json.loads(result.stdout.strip().replace("'", '"'))


@pytest.mark.parametrize(
    ("args", "needed"),
    [
        (("--help",), []),
        (("nosuch",), []),
        (("plan",), []),
        (("plan", "--format", "html"), ["markupsafe"]),
        (("plan", "--format", "csv"), ["csv"]),
        # it renders every post (Jinja2 keeps compiled templates with tempfile); the outbox channels need no HTTP client
        (("check", "--no-cache"), ["jinja2", "markupsafe", "shutil", "tempfile"]),
    ],
)
def test_a_command_imports_only_what_it_runs(args: tuple[str, ...], needed: list[str]) -> None:
    assert _imported_by(*args) == needed


@pytest.mark.parametrize(("args", "collects"), [(("check",), False), (("plan",), False), (("status",), True)])
def test_a_quick_command_collects_no_cycles_on_the_way_and_gives_the_collector_back(
    project: Callable[..., Path], capsys: pytest.CaptureFixture[str], args: tuple[str, ...], collects: bool
) -> None:
    """`qm check` and `qm plan` leave cyclic garbage to the end of the process (a few per cent of their time);
    run in-process, they give the collector back as they found it."""
    config = project()
    ran: list[int] = []

    def collected(phase: str, info: dict[str, int]) -> None:
        ran.append(info["generation"])

    gc.callbacks.append(collected)
    try:
        main([*args, "-c", str(config)])
        gc.collect(0)  # the collector is given back
    finally:
        gc.callbacks.remove(collected)
    capsys.readouterr()
    assert gc.isenabled() and ran[-2:] == [0, 0]
    assert (len(ran) > 2) is collects, ran


def test_bad_arguments_are_explained_in_chinese() -> None:
    result = run_qm("plan", "--format", "pdf")
    assert (
        result.returncode == 2
        and "没有 pdf 这个格式：可用 排期表（table）、数据（json）、电子表格（csv）、日历（ics）、网页月历（html）" in result.stderr
    )  # no quotes, no English commas
    result = run_qm("preview", "2016-13-40", "-c", HEIHE)
    assert result.returncode == 2 and "2016-13-40 不是有效日期：月份只能是 1–12" in result.stderr
    result = run_qm("nosuch")
    assert result.returncode == 2 and "qm：错误：没有 nosuch 这个命令。可用的命令：init、check、plan、" in result.stderr
    assert "参数 命令" not in result.stderr and "每个命令的用法：qm 命令 --help" in result.stderr
    result = run_qm("plna")
    assert result.returncode == 2 and "没有 plna 这个命令（是不是想写 plan？）" in result.stderr


def test_qm_help_is_qm_help_option() -> None:
    """`qm help` and `qm help 命令` are what people type for --help."""
    for words, said in ((("help",), "qm：“质量月”宣传内容排期与发布工具"), (("help", "queue"), "用法：qm queue")):
        result = run_qm(*words)
        assert result.returncode == 0 and said in result.stdout and not result.stderr, result.stderr
    with_config = run_qm("-c", HEIHE, "help", "plan")
    assert with_config.returncode == 0 and "用法：qm plan" in with_config.stdout


@pytest.mark.parametrize(
    ("command", "actions"), [("screen", "build、serve、push"), ("user", "add、list、disable、enable、passwd、unlock、role")]
)
def test_a_command_without_its_action_names_what_is_missing(command: str, actions: str) -> None:
    result = run_qm(command)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert f"qm {command}：错误：缺少必需的参数：操作（可选：{actions}）" in result.stderr, result.stderr


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (("preview", "2027-09-31"), "参数 日期：2027-09-31 不是有效日期：2027 年 9 月只有 30 天"),
        (("queue", "--date", "9月1日"), "参数 --date：9月1日 不是有效日期：没有写年份，写作 2027-09-01（也可写 2027-9-1、"),
        (("queue", "--date", "2027-13-1"), "2027-13-1 不是有效日期：月份只能是 1–12，日期写作 2027-09-08（也可写 2027-9-8、"),
        (("simulate", "--faults", "2"), "参数 --faults：2 超出范围，应为 0–0.5 之间的数字"),
        (("simulate", "--restarts", "many"), "'many' 不是整数，应为 0–50 之间的整数"),
        (("history", "--limit", "0"), "应为 1–100000 之间的整数"),
    ],
)
def test_bad_values_say_what_is_expected(args: tuple[str, ...], words: str) -> None:
    result = run_qm(*args)
    assert result.returncode == 2 and words in result.stderr, result.stderr


def test_a_date_written_wrong_is_shown_with_a_day_of_the_campaign_named() -> None:
    """The example is a day of the loaded campaign (the 2016 Heihe one), wherever -c is written."""
    for args in (("queue", "--date", "9月8日", "-c", HEIHE), ("-c", HEIHE, "report", "--from", "9月8日")):
        result = run_qm(*args)
        assert result.returncode == 2 and "9月8日 不是有效日期：没有写年份，写作 2016-09-08" in result.stderr, result.stderr
        assert "2027" not in result.stderr and "两位" not in result.stderr  # 2016-9-8 is taken at the command line


def test_a_day_typed_as_people_write_it_is_taken_at_the_command_line(project: Callable[..., Path]) -> None:
    """2027-9-8, 2027/9/8, 2027.9.8 and 2027年9月8日 name the same day as 2027-09-08; a day that does not exist is
    still told as such, in the form it was typed."""
    config = project()
    same = run_qm("queue", "-c", config, "--date", "2027-09-08", "--json")
    assert same.returncode == 0 and json.loads(same.stdout), same.stderr
    for typed in ("2027-9-8", "2027/9/8", "2027.9.8", "2027年9月8日", "2027 年 9 月 8 日"):
        result = run_qm("queue", "-c", config, "--date", typed, "--json")
        assert (result.returncode, result.stdout) == (0, same.stdout), (typed, result.stderr)
    wrong = run_qm("queue", "-c", config, "--date", "2027年2月30日")
    assert wrong.returncode == 2 and "2027年2月30日 不是有效日期：2027 年 2 月只有 28 天" in wrong.stderr, wrong.stderr


def test_a_mistyped_item_id_is_answered_with_the_one_meant(tmp_path: Path) -> None:
    result = run_qm("poster", "goods-salt-iodized", "-o", tmp_path / "x.png")
    assert result.returncode == 2 and "没有编号为 goods-salt-iodized 的内容：是不是想写 goods-salt-iodised？" in result.stderr, (
        result.stderr
    )
    result = run_qm("print", "knowledge-card", "--items", "anti-fake-sc-cod", "-o", tmp_path / "x.pdf")
    assert result.returncode == 2 and "没有这些内容编号：anti-fake-sc-cod（是不是想写 anti-fake-sc-code？）" in result.stderr, result.stderr
    assert not list(tmp_path.iterdir())


def test_unknown_option_of_a_command_shows_that_commands_usage() -> None:
    result = run_qm("plan", "--formt", "json")
    assert result.returncode == 2
    assert "用法：qm plan " in result.stderr and "无法识别的参数：--formt json（是不是想写 --format？）" in result.stderr


def test_check_passes_on_both_shipped_configs() -> None:
    for config in ("config.yaml", HEIHE):
        result = run_qm("check", "-c", config)
        assert result.returncode == 0, result.stderr
        assert "检查通过" in result.stdout


def test_check_reads_the_poster_layouts_too(project: Callable[..., Path]) -> None:
    config = project()
    card = config.parent / "templates" / "posters" / "knowledge-card.yaml"
    card.write_text(card.read_text(encoding="utf-8").replace("color: secondary", "color: primry", 1), encoding="utf-8")
    result = run_qm("check", "-c", config)
    assert result.returncode == 2
    assert f"{card}:" in result.stderr and "primry" in result.stderr and "不是颜色" in result.stderr


def test_plan_json_for_the_seed_campaign() -> None:
    result = run_qm("plan", "-c", HEIHE, "--format", "json")
    assert result.returncode == 0, result.stderr
    records = json.loads(result.stdout)
    days = {r["at"][:10] for r in records}
    assert days == {f"2016-09-{d:02d}" for d in range(1, 31)}
    channels = {r["channel"] for r in records}
    launch = [r for r in records if r["at"].startswith("2016-09-08")]
    assert {r["channel"] for r in launch if r["item"].startswith("publicity-launch")} == channels
    assert {r["area"] for r in records} == {"brand", "rights", "mechanism", "grassroots", "publicity"}
    pairs = [(r["channel"], r["item"]) for r in records]
    assert len(pairs) == len(set(pairs))


def test_plan_writes_files_in_each_format(tmp_path: Path) -> None:
    for fmt in ("table", "json", "csv", "ics", "html"):
        out = tmp_path / f"plan.{fmt}"
        result = run_qm("plan", "-c", HEIHE, "--from", "2016-09-08", "--to", "2016-09-09", "--format", fmt, "-o", out)
        assert result.returncode == 0, result.stderr
        assert out.stat().st_size > 100 and "已写入排期" in result.stderr


def test_plan_rejects_reversed_dates() -> None:
    result = run_qm("plan", "-c", HEIHE, "--from", "2016-09-20", "--to", "2016-09-10")
    assert result.returncode == 2 and "早于" in result.stderr


def test_preview_of_launch_day(tmp_path: Path) -> None:
    result = run_qm("preview", "2016-09-08", "-c", HEIHE, "-o", tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    page = (tmp_path / "preview-2016-09-08.html").read_text(encoding="utf-8")
    assert "全部" in page and "通过检查" in page and "问题需要处理" not in page
    assert 'class="phone"' in page and page.count('class="card"') == 2 and "slide-frame" in page
    assert "启动日" in page and "按微博计数" in page and "2016年9月8日" in page and "09月08日" not in page
    assert not re.search(r"(src|href)=\"https?://", page)  # self-contained: nothing loaded from the network
    assert_local_chinese_font(page)
    assert "✓" in result.stdout and "2016-09-08 共" in result.stdout
    weibo = [line for line in result.stdout.splitlines() if "20160908-weibo-" in line]
    assert len(weibo) == 2 and all(re.search(r"（\d+ 字）", line) for line in weibo)  # the kind's summary: its length count
    assert not re.search(r"（\d+ 字）", next(line for line in result.stdout.splitlines() if "20160908-wechat-" in line))


@pytest.mark.parametrize("browser_works", [False, True])
def test_preview_open_says_where_the_page_is_when_no_browser_opens(tmp_path: Path, browser_works: bool) -> None:
    bin_dir, opened = tmp_path / "bin", tmp_path / "opened.txt"
    bin_dir.mkdir()
    browser = bin_dir / "browser"  # the only browser there is (PATH holds nothing else); it fails, as on a server
    browser.write_text(f'#!/bin/sh\necho "$1" > {opened}\nexit {0 if browser_works else 1}\n', encoding="utf-8")
    browser.chmod(0o755)
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    env |= {"PATH": str(bin_dir), "BROWSER": str(browser)}
    result = run_qm("preview", "2016-09-08", "-c", HEIHE, "-o", tmp_path / "out", "--open", env=env)
    page = (tmp_path / "out" / "preview-2016-09-08.html").resolve()
    assert result.returncode == 0 and page.is_file(), result.stderr  # the page is written: that is what counts
    assert opened.read_text(encoding="utf-8").strip() == page.as_uri()  # the browser was asked for it
    if browser_works:
        assert "没有打开浏览器" not in result.stderr, result.stderr
    else:
        assert "没有打开浏览器：这台电脑上找不到可以打开的浏览器" in result.stderr, result.stderr
        assert f"\n  {page.as_uri()}\n" in result.stderr and f"（文件：{page}）" in result.stderr, result.stderr


def test_preview_outside_the_window() -> None:
    result = run_qm("preview", "2016-10-08", "-c", HEIHE)
    assert result.returncode == 2 and "2016-10-08 不在活动期 2016-09-01 至 2016-09-30 之内" in result.stderr


def test_every_command_taking_dates_refuses_days_outside_the_campaign(project: Callable[..., Path]) -> None:
    config = project()
    window = "不在活动期 2027-09-01 至 2027-09-30 之内"
    cases = [
        (("posters", "--from", "2027-08-01", "--to", "2027-08-05"), f"--from 2027-08-01 {window}"),
        (("approve", "--date", "2027-10-05"), f"--date 2027-10-05 {window}"),
        (("queue", "--date", "2027-08-31"), f"--date 2027-08-31 {window}"),
        (("build", "--to", "2027-10-01"), f"--to 2027-10-01 {window}"),
        (("screen", "build", "--date", "2027-10-05"), f"--date 2027-10-05 {window}"),
        (("screen", "build", "--from", "2027-09-29", "--to", "2027-10-02"), f"--to 2027-10-02 {window}"),
        # the plan reaches the staff's reminders after the campaign: its range, and why it is wider
        (
            ("plan", "--from", "2027-10-15"),
            "--from 2027-10-15 不在 2027-09-01 至 2027-10-10 之内：排期表是活动期 2027-09-01 至 2027-09-30 的排期，"
            "加上活动结束后给工作人员的提醒（最后一条在 2027-10-10），请换一个这期间的日期",
        ),
        # the report counts campaign days, though it is made after the campaign: said, so nobody types --to today
        (
            ("report", "--to", "2027-10-10"),
            f"--to 2027-10-10 {window}（工作总结统计活动期内各天的发布；活动结束后也可以生成，不写 --to 就统计到活动最后一天）",
        ),
    ]
    for args, message in cases:
        result = run_qm(*args, "-c", config)
        assert result.returncode == 2 and message in result.stderr, (args, result.stdout, result.stderr)
        assert "Traceback" not in result.stderr
    assert not (config.parent / "posters").exists()  # nothing was drawn
    # the staff's reminders after the campaign are still in the plan's reach
    after = run_qm("plan", "--from", "2027-10-05", "-c", config)
    assert after.returncode == 0 and "20271010-notify-summary_due" in after.stdout, after.stderr


def test_check_names_the_content_file_behind_a_lint_finding(project: Callable[..., Path]) -> None:
    config = project(lambda text: text.replace("2027", "2016"))
    item = config.parent / "content" / "publicity" / "publicity-launch-announcement.md"  # pinned: surely in the plan
    item.write_text(item.read_text(encoding="utf-8").replace("关注质量、追求质量", "选择最佳质量"), encoding="utf-8")
    result = run_qm("check", "-c", config)
    assert result.returncode == 2
    finding = next(line for line in result.stderr.splitlines() if "最佳" in line)
    assert "publicity-launch-announcement" in finding and f"{item}:" in finding  # which item, in which file
    assert re.search(r"2016\d{4}-[a-z]+", finding)  # and which post


def test_preview_shows_the_screens_own_pictures_once_drawn(project: Callable[..., Path], tmp_path: Path) -> None:
    config = project()
    before = run_qm("preview", "2027-09-08", "-c", config, "-o", tmp_path / "before")
    page = (tmp_path / "before" / "preview-2027-09-08.html").read_text(encoding="utf-8")
    assert before.returncode == 0 and "播放的画面还没有画出" in page and "播放的画面<" not in page
    assert run_qm("posters", "--from", "2027-09-08", "--to", "2027-09-08", "-c", config).returncode == 0
    run_qm("preview", "2027-09-08", "-c", config, "-o", tmp_path / "after")
    page = (tmp_path / "after" / "preview-2027-09-08.html").read_text(encoding="utf-8")
    assert "还没有画出" not in page and page.count('alt="电子屏画面"') == page.count('class="slide-box"') > 0


def test_every_command_has_a_summary_so_the_listing_imports_no_command_module() -> None:
    assert set(SUMMARIES) == set(COMMANDS)
