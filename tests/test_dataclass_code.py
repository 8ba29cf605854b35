"""The compiled code of data classes' methods, kept between runs (scheduler/support/dataclass_code.py)."""

from __future__ import annotations

import dataclasses
import marshal
import subprocess
import sys
import types
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

import scheduler
from scheduler.support import dataclass_code
from scheduler.support.dataclass_code import KeptCode

METHODS = ("__init__", "__repr__", "__eq__", "__hash__", "__setattr__", "__delattr__")


@contextmanager
def kept_in(folder: Path, write_bytecode: bool = True) -> Iterator[KeptCode]:
    """Data classes made inside run `KeptCode(folder)` (a fresh process's reading of the files), saved after
    as at a process's exit (the tests run with PYTHONDONTWRITEBYTECODE: `write_bytecode` says otherwise)."""
    kept = KeptCode(str(folder), packages=("tests", "elsewhere"))
    before = dataclasses.exec  # type: ignore[attr-defined]
    dataclasses.exec = kept.run  # type: ignore[attr-defined]
    try:
        yield kept
    finally:
        dataclasses.exec = before  # type: ignore[attr-defined]
    was, sys.dont_write_bytecode = sys.dont_write_bytecode, not write_bytecode
    try:
        kept.save()
    finally:
        sys.dont_write_bytecode = was


@contextmanager
def plain() -> Iterator[None]:
    """Data classes made inside compile every method, as `dataclasses` does on its own."""
    before = dataclasses.exec  # type: ignore[attr-defined]
    del dataclasses.exec  # type: ignore[attr-defined]
    try:
        yield
    finally:
        dataclasses.exec = before  # type: ignore[attr-defined]


def point(*names: str, frozen: bool = True) -> type:
    """A data class `Point` of this module with int fields `names`, the last one defaulting to 0."""
    fields: list[Any] = [(n, int) for n in names[:-1]] + [(names[-1], int, dataclasses.field(default=0))]
    return dataclasses.make_dataclass("Point", fields, frozen=frozen, namespace={"__module__": __name__})


def kept_file(folder: Path) -> Path:
    """Where the code of this module's data classes is kept."""
    return Path(KeptCode(str(folder)).path(__name__))  # (the path does not depend on the packages kept)


def same_code(a: Callable[..., Any], b: Callable[..., Any]) -> bool:
    ca, cb = a.__code__, b.__code__
    keys = ("co_code", "co_consts", "co_names", "co_varnames", "co_freevars", "co_flags", "co_filename", "co_name")
    return all(getattr(ca, k) == getattr(cb, k) for k in keys)


def test_scheduler_installs_it() -> None:
    assert isinstance(dataclasses.exec.__self__, KeptCode)  # type: ignore[attr-defined]
    assert dataclass_code.keep_dataclass_code() is dataclasses.exec.__self__  # type: ignore[attr-defined]
    assert scheduler.__version__


def test_a_class_made_from_kept_code_is_the_class_dataclasses_makes(tmp_path: Path) -> None:
    with kept_in(tmp_path) as first:
        cold = point("x", "y")
        assert first.compiled == len(METHODS)
    assert kept_file(tmp_path).is_file()
    with kept_in(tmp_path) as second:
        warm = point("x", "y")
    assert second.compiled == 0 and len(second.used[__name__]) == len(METHODS)  # nothing compiled: all read from the file
    with plain():
        made = point("x", "y")
    for name in METHODS:
        assert same_code(getattr(warm, name), getattr(made, name)), name
        assert same_code(getattr(cold, name), getattr(made, name)), name
    assert warm.__init__.__annotations__ == made.__init__.__annotations__  # evaluated, not strings
    p = warm(1)
    assert (repr(p), p == warm(1, 0), p == warm(1, 2), hash(p) == hash(warm(1))) == ("Point(x=1, y=0)", True, False, True)
    with pytest.raises(dataclasses.FrozenInstanceError):
        p.x = 3  # type: ignore[attr-defined]


def test_a_changed_class_is_compiled_anew(tmp_path: Path) -> None:
    """The same class name and methods with other fields, defaults or options: never the code kept for the old one."""
    with kept_in(tmp_path):
        point("x", "y")
    with kept_in(tmp_path) as kept:
        wider = point("x", "y", "z")
        loose = point("x", "y", frozen=False)
        assert kept.compiled > 0
    assert repr(wider(1, 2)) == "Point(x=1, y=2, z=0)"
    q = loose(1)
    q.x = 5
    assert repr(q) == "Point(x=5, y=0)"
    with kept_in(tmp_path) as again:  # both kept now, beside the first
        assert repr(point("x", "y", "z")(1, 2, 3)) == "Point(x=1, y=2, z=3)"
        assert repr(point("x", "y")(4)) == "Point(x=4, y=0)"
    assert again.compiled == 0


@pytest.mark.parametrize(
    "content",
    [
        b"",
        b"not marshal at all",
        marshal.dumps(((1, "another Python"), {})),
        marshal.dumps(((1, sys.version), {"def __create_fn__(): pass": "print('a string, not code')"})),
    ],
)
def test_a_file_that_cannot_be_used_is_ignored_and_replaced(tmp_path: Path, content: bytes) -> None:
    kept_file(tmp_path).write_bytes(content)
    with kept_in(tmp_path) as kept:
        cls = point("x", "y")
        assert kept.compiled == len(METHODS)
    assert repr(cls(7)) == "Point(x=7, y=0)"
    with kept_in(tmp_path) as again:
        point("x", "y")
    assert again.compiled == 0  # the file was written again, usable


def test_nothing_is_written_when_bytecode_is_not(tmp_path: Path) -> None:
    with kept_in(tmp_path, write_bytecode=False):
        point("x", "y")
    assert not kept_file(tmp_path).exists()


def test_each_module_reads_only_its_own_code(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A command reads the code of the modules it imports, not every module's that ever made a data class."""
    monkeypatch.setitem(sys.modules, "elsewhere", types.ModuleType("elsewhere"))
    with kept_in(tmp_path):
        point("x", "y")
        dataclasses.make_dataclass("Other", [("a", int)], namespace={"__module__": "elsewhere"})
    assert sorted(p.name.split(".")[0] for p in tmp_path.iterdir()) == ["elsewhere", "tests"]
    with kept_in(tmp_path) as kept:
        dataclasses.make_dataclass("Library", [("a", int)], namespace={"__module__": "dataclasses"})  # not of those packages
    assert kept.compiled == 0 and "dataclasses" not in kept.modules
    with kept_in(tmp_path) as kept:
        point("x", "y")
    assert list(kept.modules) == [__name__] and kept.compiled == 0


def test_code_no_longer_made_goes_when_it_outnumbers_the_rest(tmp_path: Path) -> None:
    """A module's file keeps at most twice the code its classes make now: it does not grow with each change."""
    for extra in "cdefghij":  # the class changed again and again
        with kept_in(tmp_path):
            point("a", "b", extra)
        with kept_in(tmp_path) as kept:
            point("a", "b", extra)
        assert kept.compiled == 0 and len(kept.modules[__name__]) <= 2 * len(METHODS)


def test_a_new_process_reads_what_an_earlier_one_kept(tmp_path: Path) -> None:
    """Through the process's exit: the code is written at exit and the next process compiles none of it."""
    script = (
        "import dataclasses, sys\n"
        "from scheduler.support.dataclass_code import KeptCode\n"
        f"kept = KeptCode({str(tmp_path)!r}, packages=('__main__',)); dataclasses.exec = kept.run\n"
        "import atexit; atexit.register(kept.save)\n"
        "P = dataclasses.make_dataclass('P', [('a', int)], frozen=True, namespace={'__module__': '__main__'})\n"
        "print(kept.compiled, repr(P(3)))\n"
    )
    env = {"PATH": "/usr/bin:/bin"}
    runs = [subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env, check=True) for _ in range(2)]
    assert [r.stdout for r in runs] == [f"{len(METHODS)} P(a=3)\n", "0 P(a=3)\n"]
