"""The publicity officer's sign-off (签发) of print sheets: `qm sign` lists the sheets in posters/print and records a
sign-off for the exact bytes of a sheet, in the real SQLite queue database, on PDFs made by `qm print`."""

from __future__ import annotations

import datetime as dt
import hashlib
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from scheduler.inputs.config import load_campaign
from scheduler.publishing.db import open_db
from scheduler.publishing.print_signoffs import Signoff, sign, signoffs
from scheduler.publishing.tables import posts, print_signoffs
from tests.conftest import DEFAULT, ROOT, run_qm

ITEM = "anti-fake-sc-code"  # planned in the bundled campaign (its posts are in the queue)
SHEET = f"knowledge-card-{ITEM}-a3.pdf"
CONTENT = Path("content/rights/anti-fake-sc-code.md")


@dataclass
class Project:
    config: Path

    @property
    def folder(self) -> Path:
        return self.config.parent

    @property
    def sheet(self) -> Path:
        return self.folder / "posters" / "print" / SHEET

    def qm(self, *args: str) -> tuple[int, str]:
        done = run_qm(*args, "-c", self.config, cwd=self.folder)
        return done.returncode, done.stdout + done.stderr

    def make_sheet(self) -> None:
        code, said = self.qm("print", "knowledge-card", "--items", ITEM)
        assert code == 0, said

    def rows(self) -> list[tuple[str, str, str, str]]:
        engine = open_db(load_campaign(self.config).db_url)
        try:
            with engine.connect() as conn:
                t = print_signoffs
                return [tuple(r) for r in conn.execute(sa.select(t.c.name, t.c.sha256, t.c.who, t.c.note).order_by(t.c.id))]  # type: ignore[misc]
        finally:
            engine.dispose()


def copy_project(folder: Path) -> Path:
    for name in ("content", "templates"):
        shutil.copytree(ROOT / name, folder / name)
    text = DEFAULT.read_text(encoding="utf-8").replace("../../content", "content").replace("../../templates", "templates")
    (folder / "config.yaml").write_text(text, encoding="utf-8")
    return folder / "config.yaml"


@pytest.fixture(scope="module")
def made(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Project]:
    """A copy of the bundled campaign with its queue filled and one print sheet made by qm print."""
    project = Project(copy_project(tmp_path_factory.mktemp("signoff")))
    code, said = project.qm("queue")
    assert code == 0, said
    project.make_sheet()
    yield project


def test_listing_the_sheets_in_a_new_folder_creates_no_database(tmp_path: Path) -> None:
    """`qm sign` only lists: before any queue exists it says what waits and leaves no SQLite file behind."""
    project = Project(copy_project(tmp_path))
    code, said = project.qm("sign")
    assert code == 0 and "还没有印刷品" in said, said
    project.make_sheet()
    code, said = project.qm("sign")  # a sheet waiting for its sign-off may not go to the printer yet: exit 1
    assert code == 1 and f"{SHEET}  待签发" in said, said
    assert not (project.folder / ".qm" / "qm.sqlite3").exists()
    code, said = project.qm("sign", "nosuch.pdf", "--by", "王科长")  # the folder named as the config places it
    assert code == 2 and f"{project.folder / 'posters' / 'print'} 里没有 nosuch.pdf" in said, said
    code, said = project.qm("print", "knowledge-card", "--items", ITEM, "-o", "海报.pdf")  # as print.md's example does
    assert code == 0, said
    code, said = project.qm("sign", "海报.pdf", "--by", "王科长")  # a sheet written elsewhere: where it must be made instead
    assert code == 2 and f"海报.pdf 不在 {project.folder / 'posters' / 'print'} 里，不能签发" in said, said
    assert "不写 -o 重新运行生成它的 qm print 命令" in said and "Traceback" not in said, said


def test_a_path_to_a_file_of_the_same_name_elsewhere_is_not_signed_as_the_sheet(tmp_path: Path) -> None:
    """`qm print -o ~/桌面` writes the default name: `qm sign ~/桌面/<name>` signed the sheet of that name in
    posters/print, another file, and said nothing. A copy of the sheet's bytes is that sheet; a bare name is it."""
    project = Project(copy_project(tmp_path / "campaign"))
    project.make_sheet()
    desk = tmp_path / "桌面"
    desk.mkdir()
    code, said = project.qm("print", "knowledge-card", "--items", ITEM, "-o", str(desk))
    assert code == 0 and (desk / SHEET).is_file(), said
    with (desk / SHEET).open("ab") as f:  # changed after it was made (by an editor, or made from other words)
        f.write(b"%\n")
    code, said = project.qm("sign", str(desk / SHEET), "--by", "王科长")
    folder = project.folder / "posters" / "print"
    assert code == 2 and f"{desk / SHEET} 不在 {folder} 里，不能签发（{folder} 里的同名印刷品是另一份文件" in said, said
    assert "不写 -o 重新运行生成它的 qm print 命令" in said and "Traceback" not in said, said
    assert project.rows() == []
    code, said = project.qm("sign", str(tmp_path / "文件夹" / SHEET), "--by", "王科长")  # a path to no file: nothing signed
    assert code == 2 and f"找不到文件 {tmp_path / '文件夹' / SHEET}" in said and f"qm sign {SHEET}" in said, said
    code, said = project.qm("sign", str(tmp_path / "文件夹" / "没有这份.pdf"), "--by", "王科长")  # nor a name qm knows
    assert code == 2 and f"找不到文件 {tmp_path / '文件夹' / '没有这份.pdf'}" in said and "Traceback" not in said, said
    assert project.rows() == []
    shutil.copyfile(project.sheet, desk / SHEET)  # the same bytes: the sheet itself, wherever it was copied to
    code, said = project.qm("sign", str(desk / SHEET), "--by", "王科长")
    assert code == 0 and f"已签发 {SHEET}" in said, said
    code, said = project.qm("sign", f"posters/print/{SHEET}", "--by", "王科长")  # its own path, from the campaign folder
    assert code == 0 and f"{SHEET} 此前已签发" in said, said
    (desk / SHEET).write_bytes(b"%PDF-1.4 other")
    done = run_qm("sign", SHEET, "--by", "王科长", "-c", project.config, cwd=desk)  # where another file of that name is
    assert done.returncode == 0 and f"{SHEET} 此前已签发" in done.stdout, done.stdout + done.stderr  # a bare name: the sheet
    assert [r[:2] for r in project.rows()] == [(SHEET, digest(project.sheet))]


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_a_sheet_is_signed_off_for_its_bytes_and_a_rejected_item_needs_despite(made: Project) -> None:
    code, said = made.qm("sign")
    assert code == 1 and f"{SHEET}  待签发" in said and "qm sign 文件名 --by 姓名" in said, said

    code, said = made.qm("sign", "knowledge-card-anti-fake-sc-code-a4.pdf", "--by", "王科长")
    assert code == 2 and f"是不是想写 {SHEET}" in said and "Traceback" not in said, said

    # a post of the item the sheet prints is rejected: signing it needs --despite
    engine = open_db(load_campaign(made.config).db_url)
    with engine.connect() as conn:
        post = conn.execute(sa.select(posts.c.id).where(posts.c.item == ITEM).order_by(posts.c.id)).scalars().first()
    engine.dispose()
    code, said = made.qm("reject", post, "--reason", "SC 编号的说法要改", "--by", "王科长")
    assert code == 0, said
    code, said = made.qm("sign")
    assert f"印有内容《看懂SC编号，辨认食品“身份证”》（{ITEM}），它的发布内容（{post}）在审核中被退回了" in said, said
    code, said = made.qm("sign", SHEET, "--by", "王科长")
    assert code == 2 and "没有签发" in said and "--despite" in said, said
    assert made.rows() == []

    code, said = made.qm("sign", SHEET, "--by", "王科长", "--despite")
    assert code == 0 and f"已签发 {SHEET}" in said, said
    [(name, sha, who, note)] = made.rows()
    assert (name, sha, who) == (SHEET, digest(made.sheet), "王科长") and "被退回" in note
    code, said = made.qm("sign")
    assert "已签发（王科长，06-01 09:00）" in said, said
    code, said = made.qm("sign", SHEET, "--by", "王科长")  # the same bytes again: nothing new, nothing to confirm
    assert code == 0 and f"{SHEET} 此前已签发（王科长）" in said and len(made.rows()) == 1, said

    # made again with the same words: the same bytes, still signed off
    made.make_sheet()
    assert digest(made.sheet) == sha
    code, said = made.qm("sign")
    assert "已签发（王科长" in said, said


def test_a_sheet_made_again_with_other_words_waits_for_a_new_sign_off(made: Project) -> None:
    code, said = made.qm("sign", SHEET, "--by", "王科长", "--despite")  # signed off as it is (the rejected post is known)
    assert code == 0, said
    before = digest(made.sheet)
    content = made.folder / CONTENT
    content.write_text(content.read_text(encoding="utf-8").replace("辨认食品“身份证”", "认清食品“身份证”"), encoding="utf-8")
    code, said = made.qm("sign")  # signed, but the sheet prints the words before the change: not for the printer
    assert f"印有内容《看懂SC编号，认清食品“身份证”》（{ITEM}），它的文字在这份文件生成之后改过" in said and "已签发（王科长" in said, said
    assert code == 1 and "都已签发" not in said, said
    assert "中有 1 份印刷品，1 份待重新生成（印的是改动前的文字）：" in said, said
    assert "先按 qm sign 列表里“注意”所写的命令重新生成" in said and "qm sign 文件名 --by 姓名" not in said, said
    code, said = made.qm("sign", SHEET, "--by", "王科长")  # a refusal: a script must not take it for "may go"
    assert code == 2 and "此前已签发（王科长），文件没有变化，但它印的是改动前的文字，现在还不能交给印刷厂：请先重新生成（" in said, said

    made.make_sheet()
    assert digest(made.sheet) != before
    code, said = made.qm("sign")
    assert f"{SHEET}  签发后又改过，需重新签发（上次签发：王科长" in said and "生成之后改过" not in said, said
    posters = run_qm("posters", "--from", "2027-09-01", "--to", "2027-09-01", "-c", made.config, cwd=made.folder)
    last = posters.stdout.strip().splitlines()[-1]
    # the count says what the card says (made again after signing), and the advice is to sign, not to make it again
    assert (
        posters.returncode == 0 and last.startswith("印刷品 1 份，1 份签发后又改过，需重新签发") and "qm sign 文件名 --by 姓名" in last
    ), posters.stdout
    assert "重新生成" not in last, last
    code, said = made.qm("sign", SHEET, "--by", "李科长", "--despite")
    assert code == 0, said
    assert [(r[1], r[2]) for r in made.rows()][-2:] == [(before, "王科长"), (digest(made.sheet), "李科长")]
    code, said = made.qm("sign")
    assert code == 0 and "已签发（李科长" in said and "都已签发" in said, said


@pytest.fixture(params=["sqlite", "postgresql"])
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Any]:
    if request.param == "postgresql":
        yield request.getfixturevalue("pg_engine")
        return
    engine = open_db(f"sqlite:///{tmp_path / 'q.sqlite3'}")
    yield engine
    engine.dispose()


def test_the_same_bytes_are_signed_off_once_on_either_database(engine: Any) -> None:
    first = sign(engine, "leaflet-rights-a4.pdf", "a" * 64, "王科长", 100.0, "已核对")
    again = sign(engine, "leaflet-rights-a4.pdf", "a" * 64, "李科长", 200.0)  # signed twice (a double tap): the first stands
    assert again == first == Signoff("leaflet-rights-a4.pdf", "a" * 64, "王科长", 100.0, "已核对")
    sign(engine, "leaflet-rights-a4.pdf", "b" * 64, "李科长", 300.0)
    assert [(s.sha256[0], s.who) for s in signoffs(engine)["leaflet-rights-a4.pdf"]] == [("a", "王科长"), ("b", "李科长")]


def test_the_reminder_counts_a_signed_sheet_printing_older_words_apart(tmp_path: Path) -> None:
    """The count `qm sign`, the reminder at the end of `qm posters`/`qm build` and the console's page all use: a signed
    sheet whose words changed since it was made is counted apart, and only sheets fit for the printer are 都已签发."""
    from scheduler.poster.print_files import Sheet
    from scheduler.views.print_standing import standing, tally

    when = dt.datetime(2027, 9, 1, 2, 0, tzinfo=dt.UTC).timestamp()
    signed = Signoff(name="a.pdf", sha256="s" * 64, who="王科长", at=when, note="")
    tz = dt.timezone(dt.timedelta(hours=8))

    def sheet(name: str, item_digest: str) -> Sheet:
        return Sheet(name=name, path=tmp_path / name, sha256="s" * 64, made=when, items=(("item", item_digest),))

    now = {"item": "new"}
    fresh = standing(sheet("a.pdf", "new"), [signed], {}, now, tz, 2027)
    old = standing(sheet("b.pdf", "old"), [signed], {}, now, tz, 2027)
    unsigned = standing(sheet("c.pdf", "new"), [], {}, now, tz, 2027)
    assert tally([fresh]) == ""
    assert tally([fresh, old, unsigned]) == "1 份待签发，1 份待重新生成（印的是改动前的文字）"
    stale = standing(sheet("d.pdf", "old"), [], {}, now, tz, 2027)  # never signed: counted with the signed one, not as 待签发
    assert stale.said == "待重新生成" and tally([stale, old]) == "2 份待重新生成（印的是改动前的文字）"
    assert old.said.startswith("已签发（王科长") and old.said.endswith("但印的是改动前的文字（重新生成后再签发）")
