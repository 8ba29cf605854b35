"""qm's code identity read from a record of its files' stat while no file changed (check_cache.code_files)."""

from __future__ import annotations

import json
import os
import shutil
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from scheduler.cli import check_cache

SETTLED_NS = 200_000_000  # instead of 2 s, to keep the test short


@pytest.fixture
def package(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of one of qm's packages standing for the whole, settled, with bytecode written."""
    folder = tmp_path / "package"
    shutil.copytree(Path(check_cache.PACKAGE) / "support", folder, ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.setattr(check_cache, "PACKAGE", str(folder))
    monkeypatch.setattr(check_cache, "SETTLED_NS", SETTLED_NS)
    monkeypatch.setattr(sys, "dont_write_bytecode", False)
    time.sleep(SETTLED_NS * 1.5 / 1e9)
    return folder


def _record(package: Path) -> Path:
    return package / "__pycache__" / check_cache.CODE_RECORD


def _read_bytes_identity() -> str:
    d = check_cache._Digest()
    d.tree(check_cache.PACKAGE, skip=frozenset({"__pycache__"}))
    return d.hexdigest()


def _plant(package: Path, digest: str) -> None:
    """The record, unchanged but for the digest: whatever `code_files` then answers came from the record."""
    data = json.loads(_record(package).read_bytes())
    _record(package).write_text(json.dumps({**data, "digest": digest}), encoding="utf-8")


def test_the_record_answers_while_no_file_changed(package: Path) -> None:
    assert check_cache.code_files() == _read_bytes_identity()
    assert _record(package).is_file()
    _plant(package, "from the record")
    assert check_cache.code_files() == "from the record"


def _same_size_and_time(package: Path) -> None:
    """An edit of the same size with the modification time put back: only the change time tells."""
    path = package / "errors.py"
    st = path.stat()
    path.write_bytes(path.read_bytes().replace(b"class Problem:", b"class Probl3m:"))
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))


@pytest.mark.parametrize(
    "change",
    [
        _same_size_and_time,
        lambda p: (p / "new_module.py").write_text("X = 1\n", encoding="utf-8"),
        lambda p: (p / "values.py").unlink(),
        lambda p: (p / "sub").mkdir(),
        lambda p: (p / "values.py").rename(p / "values2.py"),
    ],
    ids=["bytes", "new file", "file gone", "new folder", "renamed"],
)
def test_any_change_reads_the_bytes_again(package: Path, change: Callable[[Path], object]) -> None:
    check_cache.code_files()
    _plant(package, "stale")
    time.sleep(0.02)  # past the file system's time tick
    change(package)
    assert check_cache.code_files() == _read_bytes_identity() != "stale"


def test_no_record_of_files_changed_just_before_the_reading(package: Path) -> None:
    """A write in the same time tick right after the reading would leave the same stat: such files are
    read again next time, until they have settled."""
    (package / "errors.py").write_bytes((package / "errors.py").read_bytes() + b"\n")
    check_cache.code_files()
    assert not _record(package).exists()
    time.sleep(SETTLED_NS * 1.5 / 1e9)
    check_cache.code_files()
    assert _record(package).is_file()


def test_no_record_while_bytecode_is_not_written(package: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "dont_write_bytecode", True)
    assert check_cache.code_files() == _read_bytes_identity()
    assert not _record(package).exists()


@pytest.mark.parametrize("garbage", [b"", b"{not json", b'{"format": 2}', b'{"format": 2, "files": [], "digest": 3}', b"[]"])
def test_a_damaged_record_is_ignored_and_replaced(package: Path, garbage: bytes) -> None:
    _record(package).parent.mkdir()
    _record(package).write_bytes(garbage)
    assert check_cache.code_files() == _read_bytes_identity()
    assert json.loads(_record(package).read_bytes())["digest"] == _read_bytes_identity()
