"""Parsed YAML kept between runs: the same trees, line marks included; any change of a text parses it again."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from scheduler.inputs import located_yaml as yamlsrc
from scheduler.inputs import parse_cache
from scheduler.inputs.content import _split_front_matter

from .conftest import ROOT, run_qm

ANNOUNCEMENT = Path("content") / "publicity" / "publicity-launch-announcement.md"


def _same(a: Any, b: Any, where: str = "") -> None:
    """Equal values of the same types, with the same file:line marks all the way down."""
    assert type(a) is type(b), where
    assert a == b, where
    if isinstance(a, yamlsrc.Mapping):
        assert (a.source, a.line, a.key_lines) == (b.source, b.line, b.key_lines), where
        for key in a:
            _same(a[key], b[key], f"{where}.{key}")
    if isinstance(a, yamlsrc.Sequence):
        assert (a.source, a.line, a.item_lines) == (b.source, b.line, b.item_lines), where
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            _same(x, y, f"{where}[{i}]")


def _shipped_texts() -> list[tuple[str, str, int]]:
    """Every YAML text qm reads from this repository: configs, content (front matter) and layouts."""
    texts = []
    for path in sorted([*ROOT.glob("config.yaml"), *ROOT.glob("examples/*/config.yaml"), *(ROOT / "templates").rglob("*.yaml")]):
        texts.append((path.read_text(encoding="utf-8"), str(path), 0))
    for path in sorted((ROOT / "content").rglob("*")):
        if path.suffix in (".yaml", ".yml"):
            texts.append((path.read_text(encoding="utf-8"), str(path), 0))
        elif path.suffix == ".md" and path.name != "README.md":
            front, _, offset, _ = _split_front_matter(path.read_text(encoding="utf-8"), str(path))
            texts.append((front, str(path), offset))
    return texts


def test_every_shipped_text_comes_back_from_the_cache_as_parsed(tmp_path: Path) -> None:
    texts = _shipped_texts()
    assert len(texts) > 80
    first = parse_cache.ParseCache(tmp_path / parse_cache.CONTENT_FILE)
    parsed = [first.parse(*t) for t in texts]
    first.save()
    again = parse_cache.ParseCache(tmp_path / parse_cache.CONTENT_FILE)
    for (text, source, offset), value in zip(texts, parsed, strict=True):
        _same(again.parse(text, source, offset), yamlsrc.parse_text(text, source, offset), source)
        _same(value, yamlsrc.parse_text(text, source, offset), source)
    assert not again._changed  # every answer came from the file


def test_values_json_cannot_carry_are_parsed_every_time_and_tricky_ones_survive(tmp_path: Path) -> None:
    cache = parse_cache.ParseCache(tmp_path / parse_cache.CONTENT_FILE)
    assert cache.parse("a: !!binary aGk=\n", "x.yaml") == {"a": b"hi"}
    assert cache.parse("a: !!set {b}\n", "y.yaml") == {"a": {"b"}}
    assert not cache._changed
    text = 'a: 2027-09-01\nb: 2027-09-01 08:00:00+08:00\nc: "20:00"\nd: 20:00\ne: [1, 1.5, .inf, true, null, "x"]\nf: 2027-09-31\n'
    source = tmp_path / "z.yaml"  # an entry is kept while its file exists
    source.write_text(text, encoding="utf-8")
    cache.parse(text, str(source))
    cache.save()
    again = parse_cache.ParseCache(tmp_path / parse_cache.CONTENT_FILE)
    value = again.parse(text, str(source))
    assert not again._changed
    _same(value, yamlsrc.parse_text(text, str(source)))
    assert value["b"] == dt.datetime(2027, 9, 1, 8, tzinfo=dt.timezone(dt.timedelta(hours=8)))


def _plan(config: Path) -> tuple[str, str, int, list[str]]:
    """`qm plan --format json` in a fresh process, and whether it imported the YAML parser."""
    return _qm(config, "plan", "--format", "json")


def _qm(config: Path, command: str, *options: str) -> tuple[str, str, int, list[str]]:
    """A qm command in a fresh process, and whether it imported the YAML parser."""
    probe = (
        "import contextlib, io, json, sys\n"
        "from scheduler.cli.main import main\n"
        "out, err = io.StringIO(), io.StringIO()\n"
        "with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):\n"
        f"    code = main([{command!r}, '-c', {str(config)!r}, *{options!r}])\n"
        "print(json.dumps([out.getvalue(), err.getvalue(), code, [m for m in ('yaml',) if m in sys.modules]]))"
    )
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True, cwd=ROOT)
    stdout, stderr, code, modules = json.loads(result.stdout)
    return stdout, stderr, code, modules


def test_a_second_run_reads_no_yaml_and_an_edit_of_the_same_size_is_seen(project: Callable[..., Path]) -> None:
    config = project()
    first = _plan(config)
    assert first[2] == 0 and first[3] == ["yaml"]
    assert (config.parent / ".qm" / parse_cache.CONTENT_FILE).is_file()
    second = _plan(config)
    assert second[:3] == first[:3] and second[3] == []  # unchanged files: no parser at all
    # the same number of bytes, the modification time put back: only the text tells
    item = config.parent / ANNOUNCEMENT
    st = item.stat()
    text = item.read_text(encoding="utf-8")
    item.write_text(text.replace("title: 质量月启动暨集中宣传活动举行", "title: 质量月启动暨集中宣传活动开幕", 1), encoding="utf-8")
    os.utime(item, ns=(st.st_atime_ns, st.st_mtime_ns))
    third = _plan(config)
    titles = {p["item"]: p["title"] for p in json.loads(third[0])}
    assert titles["publicity-launch-announcement"] == "质量月启动暨集中宣传活动开幕"
    assert third[3] == []  # parsed again, without PyYAML: its front matter is plain `key: text` lines (plain_yaml)


@pytest.mark.parametrize("garbage", [b"", b"{not json", b'{"format": 1, "entries": {"k": 3}}', b"[]"])
def test_a_damaged_cache_file_is_ignored(project: Callable[..., Path], garbage: bytes) -> None:
    config = project()
    first = _plan(config)
    path = config.parent / ".qm" / parse_cache.CONTENT_FILE
    path.write_bytes(garbage)
    assert _plan(config)[:3] == first[:3]
    entries = json.loads(path.read_bytes())["entries"]  # written again, whole
    assert len(entries) > 80


def test_a_damaged_entry_is_parsed_again(tmp_path: Path) -> None:
    cache = parse_cache.ParseCache(tmp_path / parse_cache.CONTENT_FILE)
    text = "a: [1, 2]\n"
    key = cache.key(text, "x.yaml", 0)
    cache._entries[key] = ["x.yaml", ["m", 1, ["a", "one", ["q"]]]]
    _same(cache.parse(text, "x.yaml"), yamlsrc.parse_text(text, "x.yaml"))


def test_a_text_that_does_not_parse_is_reported_every_time(project: Callable[..., Path]) -> None:
    config = project()
    item = config.parent / ANNOUNCEMENT
    item.write_text(item.read_text(encoding="utf-8").replace("title: ", "title: [", 1), encoding="utf-8")
    first = run_qm("plan", "-c", config)
    assert first.returncode == 2 and f"{item}:" in first.stderr and "YAML" in first.stderr
    second = run_qm("plan", "-c", config)
    assert (second.returncode, second.stderr) == (first.returncode, first.stderr)


def test_posters_keep_their_layouts_parsed(project: Callable[..., Path]) -> None:
    """`qm posters` (and `qm build`, `qm check`) read the poster layouts through the cache too."""
    config = project()
    day = ("--from", "2027-09-08", "--to", "2027-09-08")
    first = _qm(config, "posters", *day)
    assert first[2] == 0 and first[3] == ["yaml"], first[1]
    entries = json.loads((config.parent / ".qm" / parse_cache.LAYOUTS_FILE).read_bytes())["entries"]
    assert entries and all(Path(source).is_relative_to(config.parent / "templates" / "posters") for source, _ in entries.values())
    second = _qm(config, "posters", *day)
    assert second[2] == 0 and second[3] == []  # config, content and layouts: no parser at all


TRICKY = [
    "a: 1\nb: [x, 2, 1.5, .inf, true, null, ~, '', \"q\"]\nc: {d: {e: [f, {g: h}]}}\n",
    "a: 2027-09-01\nb: 2027-09-01 08:00:00+08:00\nc: 20:00\nd: 2027-09-31\ne: 0x1f\nf: 1_000\n",
    "base: &b {x: 1, y: [1, 2]}\nuse: *b\nlist: &l [a, b]\nagain: *l\ns: &s text\nt: *s\n",
    "a: !!binary aGk=\nb: !!set {c}\nc: !!omap [{d: 1}]\nd: !!str 12\ne: !!int '7'\n",
    "- a\n- [b, c]\n- {d: e}\n- - f\n  - g\n",
    "1: one\n2.5: two\ntrue: three\n~: four\n",
    "",
    "# only a comment\n",
    "plain text\n",
    "a: 1\na: 2\n",  # a duplicate key
    "a: 1\n? [b]\n: 2\n",  # a key that is a list
    "a: &x [*x]\n",  # a list that contains itself
    "a: &m {b: *m}\n",  # a mapping that contains itself
    "<<: {a: 1}\nb: 2\n",  # a merge key (not supported)
    "a: !custom 1\n",
    "a: 1\n---\nb: 2\n",  # two documents
    "a: [1, 2\n",  # a syntax error
    "a: 1\n\tb: 2\n",
]


@pytest.mark.parametrize("text", TRICKY)
def test_trees_are_built_as_the_constructors_build_them(text: str) -> None:
    """`_load` builds strings, mappings and lists itself (faster than PyYAML's constructors): the
    same trees, marks, errors and messages as the loader's own `get_single_data`."""

    def by_constructors() -> Any:
        loader = yamlsrc._loader_class()(text)
        loader.qm_source, loader.qm_offset = "x.yaml", 3
        try:
            return loader.get_single_data()
        finally:
            loader.dispose()

    expected: Any
    try:
        expected = by_constructors()
    except Exception as exc:  # whatever the constructors raise, _load raises too
        with pytest.raises(type(exc)) as raised:
            yamlsrc._load(text, "x.yaml", 3)
        assert str(raised.value) == str(exc)
        return
    _same(yamlsrc._load(text, "x.yaml", 3), expected, text)


def test_every_shipped_text_is_built_as_the_constructors_build_it() -> None:
    for text, source, offset in _shipped_texts():
        loader = yamlsrc._loader_class()(text)
        loader.qm_source, loader.qm_offset = source, offset
        try:
            expected = loader.get_single_data()
        finally:
            loader.dispose()
        _same(yamlsrc._load(text, source, offset), expected, source)
