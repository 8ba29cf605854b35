"""Output written to something that is no file (`/dev/null`, a pipe) goes into it: the target is never
replaced by a regular file, as renaming a finished temporary file over it would do."""

from __future__ import annotations

import os
import stat
import threading
from collections.abc import Callable
from pathlib import Path

import pytest

from scheduler.support.atomic_files import atomic_write_text

from .conftest import DEFAULT, HEIHE, run_qm


def _reading(fifo: Path) -> tuple[threading.Thread, list[bytes]]:
    got: list[bytes] = []

    def read() -> None:
        with open(fifo, "rb") as f:
            got.append(f.read())

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    return reader, got


def test_a_pipe_is_written_into_not_replaced(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    reader, got = _reading(fifo)
    atomic_write_text(fifo, "排期")
    reader.join(timeout=10)
    assert stat.S_ISFIFO(os.stat(fifo).st_mode)  # still the pipe
    assert got == ["排期".encode()]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["pipe"]  # no temporary file left beside it


def test_qm_plan_output_into_a_pipe(project: Callable[..., Path], tmp_path: Path) -> None:
    config = project()
    fifo = tmp_path / "plan.csv"
    os.mkfifo(fifo)
    reader, got = _reading(fifo)
    result = run_qm("plan", "--format", "csv", "-o", fifo, "-c", config)
    reader.join(timeout=30)
    assert result.returncode == 0, result.stderr
    assert stat.S_ISFIFO(os.stat(fifo).st_mode) and "发布编号" in got[0].decode("utf-8-sig")


def test_qm_plan_output_dash_is_the_screen(project: Callable[..., Path], tmp_path: Path) -> None:
    config = project()
    result = run_qm("plan", "--format", "csv", "-o", "-", "-c", config, cwd=tmp_path)
    assert result.returncode == 0 and "发布编号" in result.stdout, result.stderr
    assert not (tmp_path / "-").exists()  # no file named "-"


@pytest.mark.parametrize(
    "args",
    [
        ("plan", "--format", "csv", "-o", "{missing}/排期.csv"),
        ("preview", "2027-09-08", "-o", "{missing}/九月"),
        ("print", "wallchart", "--topic", "anti-fake", "-o", "{missing}/挂图.pdf"),
        ("poster", "goods-salt-iodised", "-o", "{missing}/海报.png"),
        ("poster", "goods-salt-iodised", "--size", "wechat-square", "--size", "screen-slide", "-o", "{missing}/九月"),
    ],
)
def test_a_folder_named_by_o_that_does_not_exist_is_named_not_created(
    project: Callable[..., Path], tmp_path: Path, args: tuple[str, ...]
) -> None:
    config, missing = project(), tmp_path / "交付"  # -o names a file, or a folder to write into, inside it
    result = run_qm(*(a.format(missing=missing) for a in args), "-c", config)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert f"文件夹 {missing} 不存在，没有写入任何文件" in result.stderr and "先创建它" in result.stderr, result.stderr
    assert not missing.exists()


def test_a_draft_into_a_missing_folder_or_under_a_file_is_refused(tmp_path: Path) -> None:
    missing = tmp_path / "交付" / "汇总.docx"
    collected = run_qm("units", "--collect", "-o", missing, "-c", HEIHE, cwd=tmp_path)
    assert collected.returncode == 2 and f"文件夹 {missing.parent} 不存在" in collected.stderr, collected.stderr
    assert not missing.parent.exists()
    (tmp_path / "排期").write_text("", encoding="utf-8")
    under_a_file = run_qm("plan", "-o", tmp_path / "排期" / "九月" / "排期.txt", "-c", HEIHE, cwd=tmp_path)
    assert (
        under_a_file.returncode == 2 and f"路径中有一段是文件，不是目录（{tmp_path / '排期'}），没有写入任何文件" in under_a_file.stderr
    ), under_a_file.stderr


@pytest.mark.parametrize(
    ("args", "told"),
    [
        (
            ("print", "knowledge-card", "--items", "goods-salt-iodised", "-o", "x.png"),
            "qm print 写的是印刷用的 PDF，请用 .pdf 结尾的文件名，如 -o x.pdf",
        ),
        (("poster", "goods-salt-iodised", "-o", "x.jpg"), "qm poster 写的是 PNG 图片，请用 .png 结尾的文件名，如 -o x.png"),
        (("units", "--collect", "-o", "x.pdf"), "汇总文档是 Word 文档，请用 .docx 结尾的文件名，如 -o x.docx"),
    ],
)
def test_a_file_named_by_o_with_another_extension_is_refused_not_renamed(
    project: Callable[..., Path], tmp_path: Path, args: tuple[str, ...], told: str
) -> None:
    """`qm print -o x.png` once wrote x.pdf and said nothing: a name is refused, never changed."""
    config, here = project(config=HEIHE if args[0] == "units" else DEFAULT), tmp_path / "交付"
    here.mkdir()
    result = run_qm(*args, "-c", config, cwd=here)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert f"-o {args[-1]}：{told}" in result.stderr and "没有写入任何文件" in result.stderr, result.stderr
    assert list(here.iterdir()) == []


def test_qm_print_into_a_folder_named_by_o_writes_its_usual_name_there(project: Callable[..., Path], tmp_path: Path) -> None:
    config, into = project(), tmp_path / "交付"
    into.mkdir()
    result = run_qm("print", "knowledge-card", "--items", "goods-salt-iodised", "-o", into, "-c", config)
    assert result.returncode == 0, result.stderr
    assert [p.name for p in into.iterdir()] == ["knowledge-card-goods-salt-iodised-a3.pdf"]


@pytest.mark.parametrize("umask", [0o022, 0o027, 0o077])
def test_a_written_file_has_the_permissions_of_any_new_file_and_leaves_no_temporary_file(tmp_path: Path, umask: int) -> None:
    old = os.umask(umask)
    try:
        atomic_write_text(tmp_path / "排期.csv", "一\n")
        atomic_write_text(tmp_path / "排期.csv", "二\n")  # over an existing file
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "排期.csv").stat().st_mode) == 0o666 & ~umask
    assert (tmp_path / "排期.csv").read_text(encoding="utf-8") == "二\n"
    assert [p.name for p in tmp_path.iterdir()] == ["排期.csv"]
