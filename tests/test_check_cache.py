"""`qm check` replays its stored result only while nothing it reads has changed."""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from scheduler.cli import check_cache, check_parts
from scheduler.cli.context import Context
from scheduler.cli.main import main
from scheduler.inputs.config import load_campaign
from scheduler.inputs.content import load_library
from scheduler.planning.planner import Plan, PlannedPost, make_plan
from scheduler.poster.texts import PosterText
from scheduler.rendering.payloads import RenderedPost
from scheduler.support.errors import Problem
from scheduler.support.values import poster_path

from .conftest import ROOT, run_qm

API = ROOT / "examples" / "api-fakes" / "config.yaml"
ITEM = Path("content") / "grassroots" / "grassroots-five-factors-overview.md"
SECRETS = {"QM_WECHAT_APPSECRET": "app-secret", "QM_WEIBO_TOKEN": "weibo-token"}


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in SECRETS and not k.startswith(tuple(SECRETS))}
    return {**env, **extra}


def _check(config: Path, *options: str, env: dict[str, str] | None = None) -> tuple[str, str, int]:
    result = run_qm("check", "-c", config, *options, env=env or _env())
    return result.stdout, result.stderr, result.returncode


def _fresh(config: Path, env: dict[str, str] | None = None) -> tuple[str, str, int]:
    return _check(config, "--no-cache", env=env)


def _stored(config: Path) -> dict[str, object]:
    data: dict[str, object] = json.loads((config.parent / ".qm" / check_cache.FILE).read_text(encoding="utf-8"))
    return data


def _planted(config: Path, marker: str) -> None:
    """Change the stored result's text (its fingerprint kept): a run that prints `marker` replayed it."""
    data = _stored(config)
    data["stdout"] = marker
    (config.parent / ".qm" / check_cache.FILE).write_text(json.dumps(data), encoding="utf-8")


WORK = ("jinja2", "scheduler.planning.planner", "scheduler.inputs.content", "sqlalchemy", "httpx", "PIL")


def _imported_by_check(config: Path, modules: Sequence[str] = WORK) -> list[str]:
    """Which of `modules` a `qm check` run imports: a replayed result renders nothing and makes no plan."""
    probe = (
        "import contextlib, io, sys\n"
        "from scheduler.cli.main import main\n"
        "with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):\n"
        f"    main(['check', '-c', {str(config)!r}])\n"
        f"print(' '.join(m for m in {tuple(modules)!r} if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True, cwd=ROOT, env=_env()).stdout
    return out.split()


def test_a_cached_check_prints_exactly_what_a_fresh_one_printed(project: Callable[..., Path]) -> None:
    config = project()
    first = _check(config)
    assert first[2] == 0 and "检查通过" in first[0]
    assert _stored(config)["key"]
    assert _check(config) == first == _fresh(config)
    assert _imported_by_check(config) == []  # replayed: no content read, no plan made, no post rendered

    # a failing check is replayed too: the same messages on stderr, the same exit code
    item = config.parent / ITEM
    item.write_text(item.read_text(encoding="utf-8").replace("title: 人机料法环", "title: 人机料法\ue000", 1), encoding="utf-8")
    title = next(i for i, t in enumerate(item.read_text(encoding="utf-8").splitlines(), 1) if t.startswith("title:"))
    failed = _check(config)
    assert failed[2] == 2 and f"{item}:{title}" in failed[1] and "U+E000" in failed[1] and failed[1].startswith("错误：")
    assert _check(config) == failed == _fresh(config)
    assert _imported_by_check(config) == []
    (config.parent / ".qm" / check_cache.FILE).unlink()
    assert _imported_by_check(config) == ["scheduler.planning.planner", "scheduler.inputs.content"]  # every post's verdict kept
    (config.parent / ".qm" / check_cache.FILE).unlink()
    (config.parent / ".qm" / check_parts.FILE).unlink()
    assert _imported_by_check(config) == ["jinja2", "scheduler.planning.planner", "scheduler.inputs.content"]  # the check itself


def test_a_check_after_one_edit_imports_only_what_that_needs(project: Callable[..., Path]) -> None:
    """The edited item's posts need Jinja2; its front matter (plain `key: text` lines) no PyYAML; no database,
    HTTP client, Pillow, logging, HTML parser (a version's markup tokens) or uuid (with platform: an outbox's identity)."""
    config = project()
    assert _check(config)[2] == 0
    _edit(config.parent / ITEM, "title: 人机料法环", "title: 人机料法")
    modules = ("yaml", "jinja2", "sqlalchemy", "httpx", "PIL", "logging", "html.parser", "uuid")
    assert _imported_by_check(config, modules) == ["jinja2"]
    _edit(config.parent / ITEM, "title: 人机料法", "title: '人机料法'")  # quoted: PyYAML reads it (the same title:
    assert _imported_by_check(config, modules) == ["yaml"]  # its posts' verdicts stand)


def test_no_cache_checks_in_full_and_the_plain_run_replays(project: Callable[..., Path]) -> None:
    config = project()
    stdout, _, _ = _check(config)
    _planted(config, "已保存的结果\n")
    assert _check(config)[0] == "已保存的结果\n"  # the stored result is what a plain run prints
    assert _check(config, "--no-cache")[0] == stdout
    assert _stored(config)["stdout"] == stdout  # and the full check stored its own result
    assert "--no-cache" in run_qm("check", "--help").stdout and "重新完整检查" in run_qm("check", "--help").stdout


def _edit(path: Path, old: str, new: str, keep_time: bool = False) -> None:
    st = path.stat()
    text = path.read_text(encoding="utf-8")
    assert old in text, path
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    if keep_time:
        os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))


@pytest.mark.parametrize(
    ("what", "change", "words"),
    [
        # the same number of bytes, the modification time put back: only the bytes tell
        ("content", lambda root: _edit(root / ITEM, "title: 人机料法环", "title: 人机料法\ue000", keep_time=True), "U+E000"),
        # the same again in a front matter read without PyYAML (plain `key: text` lines: inputs/plain_yaml.py)
        ("plain front matter", lambda root: _edit(root / ITEM, "title: 人机料法环", "title: 最佳料法环", keep_time=True), "最佳"),
        ("template", lambda root: _edit(root / "templates/weibo/post.txt.j2", "【{{ item.title }}】", "【{{ item.title }}】最佳"), "最佳"),
        ("config", lambda root: _edit(root / "config.yaml", "sensitive_words: []", "sensitive_words: [质量]"), "敏感词"),
        ("new content file", lambda root: (root / "content" / "extra.yaml").write_text("- id: x\n", encoding="utf-8"), "extra.yaml"),
    ],
)
def test_an_edit_to_what_the_check_reads_is_checked_afresh(
    project: Callable[..., Path], what: str, change: Callable[[Path], None], words: str
) -> None:
    config = project()
    assert _check(config)[2] == 0
    _planted(config, "已保存的结果\n")
    change(config.parent)
    stdout, stderr, code = _check(config)
    assert code == 2 and words in stderr and stdout != "已保存的结果\n", what
    assert (stdout, stderr, code) == _fresh(config)


def test_secrets_in_the_environment_and_the_files_they_name_are_inputs(project: Callable[..., Path], tmp_path: Path) -> None:
    config = project(config=API)
    missing = _check(config)
    assert missing[2] == 2 and "QM_WECHAT_APPSECRET" in missing[1]
    given = _check(config, env=_env(**SECRETS))
    assert given[2] == 0, given[1]
    # the secret in a file: the variable stays the same, the file's bytes change
    token = tmp_path / "token"
    token.write_text("", encoding="utf-8")
    env = _env(QM_WECHAT_APPSECRET="app-secret", QM_WEIBO_TOKEN_FILE=str(token))
    empty = _check(config, env=env)
    assert empty[2] == 2 and "QM_WEIBO_TOKEN_FILE" in empty[1]
    token.write_text("weibo-token", encoding="utf-8")
    assert _check(config, env=env) == given


def test_todays_date_is_an_input(project: Callable[..., Path], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    """The Weibo token warning counts the days to its expiry (2027-12-31, warned 7 days ahead)."""
    config = project(config=API)
    for name, value in SECRETS.items():
        monkeypatch.setenv(name, value)
    today = [dt.date(2027, 9, 1)]
    monkeypatch.setattr(Context, "today", lambda self: today[0])
    outputs = []
    for day in (dt.date(2027, 9, 1), dt.date(2027, 9, 1), dt.date(2027, 12, 28)):
        today[0] = day
        assert main(["check", "-c", str(config)]) == 0
        outputs.append(capsys.readouterr().out)
    assert "微博授权" not in outputs[0] and outputs[1] == outputs[0]
    assert "【微博授权即将到期】" in outputs[2] and "还有 3 天" in outputs[2]


@pytest.mark.parametrize(
    "garbage",
    [b"", b"\x00\xff not json", b'{"format": 2, "key": 3}', b"[1, 2]", None],
)
def test_a_corrupt_or_foreign_result_file_is_ignored(project: Callable[..., Path], garbage: bytes | None) -> None:
    config = project()
    fresh = _check(config)
    path = config.parent / ".qm" / check_cache.FILE
    if garbage is None:  # the right fingerprint, the wrong types
        data = _stored(config)
        data["code"] = "0"
        garbage = json.dumps(data).encode()
    path.write_bytes(garbage)
    assert _check(config) == fresh
    assert _stored(config)["code"] == 0  # replaced by the full check's result


def test_a_state_folder_that_cannot_be_written_only_costs_the_cache(project: Callable[..., Path]) -> None:
    config = project()
    (config.parent / ".qm").write_text("a file where the folder should be", encoding="utf-8")
    result = run_qm("check", "-c", config)
    assert result.returncode == 0 and "检查通过" in result.stdout and result.stderr == ""


# -- verdicts on parts: after an edit, only what the edit touched is checked again ---------------------


@pytest.fixture
def rendered(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The ids of the posts rendered (to be checked) by in-process `qm check` runs."""
    from scheduler.rendering.payloads import Renderer

    seen: list[str] = []
    real = Renderer.render

    def render(self: Renderer, post: PlannedPost) -> RenderedPost:
        seen.append(post.id)
        return real(self, post)

    monkeypatch.setattr(Renderer, "render", render)
    return seen


def _run(config: Path, capsys: pytest.CaptureFixture[str], *options: str) -> tuple[str, str, int]:
    code = main(["check", "-c", str(config), *options])
    out = capsys.readouterr()
    return out.out, out.err, code


def _plan(config: Path) -> Plan:
    campaign = load_campaign(config)
    return make_plan(campaign, load_library(campaign.paths.content, campaign.text_values))


def _forget_result(config: Path) -> None:
    """Only the stored whole result: the verdicts on parts stay."""
    (config.parent / ".qm" / check_cache.FILE).unlink()


def test_after_editing_one_content_file_only_its_posts_are_checked_again(
    project: Callable[..., Path], rendered: list[str], parsed: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    config = project()
    posts = _plan(config).posts
    assert _run(config, capsys)[2] == 0
    assert sorted(rendered) == sorted(p.id for p in posts)  # the first check renders every post
    _forget_result(config)
    rendered.clear()
    parsed.clear()
    assert _run(config, capsys)[2] == 0 and rendered == [] and parsed == []  # nothing changed: every verdict reused

    item = next(p.item for p in posts if p.item.source.partition(":")[0].endswith(".md"))
    path = Path(item.source.partition(":")[0])
    path.write_text(path.read_text(encoding="utf-8") + "\n这是最佳做法。\n", encoding="utf-8")
    rendered.clear()
    parsed.clear()
    edited = _run(config, capsys)
    assert parsed == []  # the file's front matter is as it was: the body is Markdown, no YAML parsed
    assert sorted(rendered) == sorted(p.id for p in _plan(config).posts if p.item.id == item.id)
    assert 0 < len(rendered) < len(posts)
    assert edited[2] == 2 and "最佳" in edited[1]
    rendered.clear()
    assert _run(config, capsys, "--no-cache") == edited and len(rendered) == len(posts)  # the same verdict as checking all


@pytest.mark.parametrize(
    ("what", "change"),
    [
        ("template", lambda root: _edit(root / "templates/weibo/post.txt.j2", "【{{ item.title }}】", "【{{ item.title }}】最佳")),
        ("poster layout", lambda root: _edit(root / "templates/posters/slogan.yaml", "label:", "label: 改过的标语版式  #", keep_time=True)),
        ("config", lambda root: _edit(root / "config.yaml", "sensitive_words: []", "sensitive_words: [质量]")),
    ],
)
def test_a_template_layout_or_config_edit_checks_every_post_again(
    project: Callable[..., Path], rendered: list[str], capsys: pytest.CaptureFixture[str], what: str, change: Callable[[Path], None]
) -> None:
    config = project()
    _run(config, capsys)
    change(config.parent)
    rendered.clear()
    result = _run(config, capsys)
    assert sorted(rendered) == sorted(p.id for p in _plan(config).posts), what
    # a verdict with findings is kept as well, and given again word for word
    _forget_result(config)
    rendered.clear()
    assert _run(config, capsys) == result and rendered == []


def test_a_poster_file_is_an_input_of_the_posts_that_show_it(
    project: Callable[..., Path], rendered: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    """The platform rules check poster files (format, size): a poster drawn or replaced after a check
    is checked, in every post that shows it, however the whole result was stored."""
    config = project()
    assert _run(config, capsys)[2] == 0
    post = next(p for p in _plan(config).posts if p.channel == "wechat")
    cover = config.parent / "posters" / post.item.id / "knowledge-card-wechat-cover.png"
    if post.item.is_launch:
        cover = cover.with_name("launch-wechat-cover.png")
    cover.parent.mkdir(parents=True, exist_ok=True)
    cover.write_bytes(b"not a picture")
    rendered.clear()
    out, err, code = _run(config, capsys)
    assert code == 2 and f"{post.id}（微信公众号）" in err and "格式不被接受" in err
    assert post.id in rendered and len(rendered) < len(_plan(config).posts)
    assert (out, err, code) == _run(config, capsys, "--no-cache")


def test_a_new_day_reuses_every_verdict_on_posts(
    project: Callable[..., Path], rendered: list[str], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The date is an input of the whole result (token warnings count days), not of a post's verdict."""
    config = project()
    monkeypatch.setattr(Context, "today", lambda self: dt.date(2027, 9, 1))
    first, key = _run(config, capsys), _stored(config)["key"]
    monkeypatch.setattr(Context, "today", lambda self: dt.date(2027, 9, 2))
    rendered.clear()
    assert _run(config, capsys) == first and rendered == []
    assert _stored(config)["key"] != key  # checked afresh (not replayed), and stored under the new day


@dataclass
class GlyphWork:
    looked_up: list[str] = field(default_factory=list)  # characters looked up in a font's character map by the check itself
    checked: list[int] = field(default_factory=list)  # how many texts each `glyphs.text_problems` call was given


@pytest.fixture
def glyph_work(monkeypatch: pytest.MonkeyPatch) -> GlyphWork:
    from scheduler.poster import fonts, glyphs

    work = GlyphWork()
    real_covers, real_problems = fonts.covers, glyphs.text_problems
    inside: list[bool] = []

    def covers(font: fonts.FontFile, ch: str) -> bool:
        if not inside:
            work.looked_up.append(ch)
        return real_covers(font, ch)

    def text_problems(texts: Iterable[PosterText], font_files: Sequence[fonts.FontFile]) -> list[Problem]:
        texts = list(texts)
        work.checked.append(len(texts))
        inside.append(True)
        try:
            return real_problems(texts, font_files)
        finally:
            inside.pop()

    monkeypatch.setattr(fonts, "covers", covers)
    monkeypatch.setattr(glyphs, "text_problems", text_problems)
    return work


def test_poster_texts_are_checked_again_when_the_font_file_changes(
    project: Callable[..., Path], capsys: pytest.CaptureFixture[str], glyph_work: GlyphWork, tmp_path: Path
) -> None:
    from scheduler.poster import fonts

    bundled = fonts.bundled_font()
    assert bundled is not None
    font = tmp_path / "brand-font.ttc"
    shutil.copyfile(bundled.path, font)
    config = project(lambda text: text.replace("  accent:", f"  font: {font}\n  accent:", 1))
    campaign = load_campaign(config)
    library = load_library(campaign.paths.content, campaign.text_values)
    every = {ch for item in library.items for ch in item.title + item.headline + item.line + item.summary + fonts.PROBE}
    every -= {ch for ch in every if ch.isspace()}
    assert _run(config, capsys)[2] == 0
    assert sorted(glyph_work.looked_up) == sorted(every) and glyph_work.checked == []  # each character once; every text drawn
    _forget_result(config)
    glyph_work.looked_up.clear()
    assert _run(config, capsys)[2] == 0 and glyph_work.looked_up == []  # every character known: the font is not read
    st = font.stat()
    os.utime(font, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000_000))  # a font file written again
    _forget_result(config)
    assert _run(config, capsys)[2] == 0 and sorted(glyph_work.looked_up) == sorted(every)


@pytest.mark.parametrize(
    ("title", "looked_up", "checked", "words"),
    [
        ("人机料法", [], [], None),  # characters the font is known to have: no font file read
        ("人机料法鼍", ["鼍"], [], None),  # a character not seen before: only it is looked up
        ("人机料法\u200b环", ["\u200b"], [1, 1], "U+200B"),  # an invisible one: that text is checked, and reported
        ("人机料法\u00ad环", ["\u00ad"], [1, 1], "U+00AD"),  # invisible though the font has it (a soft hyphen): the same
        ("人机料法\U0001f600", ["\U0001f600"], [1, 1], "U+1F600"),  # one no font has: checked, then against the system's fonts
    ],
)
def test_only_new_characters_are_looked_up_and_only_failing_texts_checked(
    project: Callable[..., Path],
    parsed: list[str],
    glyph_work: GlyphWork,
    capsys: pytest.CaptureFixture[str],
    title: str,
    looked_up: list[str],
    checked: list[int],
    words: str | None,
) -> None:
    config = project()
    assert _run(config, capsys)[2] == 0
    _edit(config.parent / ITEM, "title: 人机料法环", f"title: {title}")
    glyph_work.looked_up.clear()
    parsed.clear()
    result = _run(config, capsys)
    assert parsed == [str(config.parent / ITEM)]  # only the edited front matter is parsed again
    assert glyph_work.looked_up == looked_up and glyph_work.checked == checked
    assert (result[2] == 0) if words is None else (result[2] == 2 and words in result[1])
    assert _run(config, capsys, "--no-cache") == result  # the same verdict as checking every text


def test_a_change_of_code_checks_every_part_again(
    project: Callable[..., Path], rendered: list[str], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    # qm's code is fingerprinted by its files' bytes: an edit that keeps the size and the time counts
    package = tmp_path / "package"
    shutil.copytree(Path(check_cache.PACKAGE) / "support", package, ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.setattr(check_cache, "PACKAGE", str(package))
    before = check_cache.code_identity()
    _edit(package / "errors.py", "class Problem:", "class Probl3m:", keep_time=True)
    assert check_cache.code_identity() != before

    config = project()
    _run(config, capsys)
    _edit(package / "errors.py", "class Probl3m:", "class Problem:", keep_time=True)
    rendered.clear()
    assert _run(config, capsys)[2] == 0
    assert sorted(rendered) == sorted(p.id for p in _plan(config).posts)


@pytest.mark.parametrize("garbage", [b"", b"\x00\xff", b'{"format": 1, "entries": []}', b'{"format": 1, "entries": {"x": {"files": 1}}}'])
def test_a_damaged_parts_file_is_ignored(
    project: Callable[..., Path], rendered: list[str], capsys: pytest.CaptureFixture[str], garbage: bytes
) -> None:
    config = project()
    fresh = _run(config, capsys)
    _forget_result(config)
    parts = config.parent / ".qm" / check_parts.FILE
    data = json.loads(parts.read_bytes())
    if garbage.startswith(b'{"format": 1, "entries": {"x"'):  # every verdict damaged in place
        data["entries"] = {key: {"files": 1, "reasons": value} for key, value in data["entries"].items()}
        garbage = json.dumps(data).encode()
    parts.write_bytes(garbage)
    rendered.clear()
    assert _run(config, capsys) == fresh
    assert sorted(rendered) == sorted(p.id for p in _plan(config).posts)


def test_compiled_templates_are_kept_and_the_sandbox_budgets_still_hold(
    project: Callable[..., Path], capsys: pytest.CaptureFixture[str]
) -> None:
    """Templates compiled once are kept in the state folder, per code (the sandbox adds its budgets
    while compiling); a damaged file is compiled again; a template that breaks a budget fails every time."""
    config = project()
    fresh = _run(config, capsys)
    compiled = config.parent / ".qm" / check_parts.COMPILED
    (folder,) = compiled.iterdir()
    assert folder.name == check_cache.code_identity()[:16] and len(list(folder.iterdir())) == 3  # one per kind's template
    (compiled / "0123456789abcdef").mkdir()  # another code's: removed
    for path in folder.iterdir():
        path.write_bytes(path.read_bytes()[:40])
    _forget_result(config)
    (config.parent / ".qm" / check_parts.FILE).unlink()
    assert _run(config, capsys) == fresh
    assert [p.name for p in compiled.iterdir()] == [folder.name]

    _edit(config.parent / "templates/weibo/post.txt.j2", "【{{ item.title }}】", "【{{ item.title }}】{{ 'x' * 100000000 }}")
    outcomes = []
    for _ in range(2):  # compiled, then taken from the folder
        _forget_result(config)
        (config.parent / ".qm" / check_parts.FILE).unlink()
        outcomes.append(_run(config, capsys))
    assert outcomes[0] == outcomes[1] and outcomes[0][2] == 2 and "post.txt.j2" in outcomes[0][1], outcomes[0]


def test_the_images_of_each_post_are_kept_for_the_poster_commands(project: Callable[..., Path], rendered: list[str]) -> None:
    """`qm build` and `qm posters` learn which posters the plan needs from the kept images of each
    post: rendered again only when what the rendering reads changed; the same jobs either way."""
    from scheduler.cli.poster_cmds import plan_jobs
    from scheduler.rendering.payloads import Renderer

    config = project()

    def jobs() -> list[tuple[Path, str, str, str]]:
        return sorted((j.out, j.text.id, j.layout, j.size) for j in plan_jobs(Context(config), None, None))

    def rendered_afresh() -> list[tuple[Path, str, str, str]]:
        campaign = load_campaign(config)
        renderer, posts = Renderer(campaign), _plan(config).posts
        found = {poster_path(campaign.paths.posters, i): (i.item, i.layout, i.size) for p in posts for i in renderer.render(p).images}
        return sorted((path, *what) for path, what in found.items())

    first = jobs()
    posts = _plan(config).posts
    assert sorted(rendered) == sorted(p.id for p in posts)
    rendered.clear()
    assert jobs() == first and rendered == []

    item = next(p.item for p in posts if p.item.source.partition(":")[0].endswith(".md"))
    path = Path(item.source.partition(":")[0])
    path.write_text(path.read_text(encoding="utf-8") + "\n补充一句。\n", encoding="utf-8")
    rendered.clear()
    assert jobs() == first
    assert sorted(rendered) == sorted(p.id for p in _plan(config).posts if p.item.id == item.id)

    _edit(config.parent / "templates/wechat/article.html.j2", "{{ body_html }}", "{{ body_html }}<p>完。</p>")
    rendered.clear()
    after = jobs()
    assert len(rendered) == len(posts)  # a template edit: every post rendered again
    assert after == rendered_afresh()
