"""`qm init`: a new campaign folder a city starts from, made whole or not at all."""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

from scheduler.cli.init_cmds import COPIED
from scheduler.inputs.config import load_campaign
from tests.conftest import ROOT, run_qm


def _files(folder: Path) -> set[str]:
    return {str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file() and "__pycache__" not in p.parts}


def test_a_new_folder_holds_its_own_copy_of_config_content_and_templates_and_passes_the_check(tmp_path: Path) -> None:
    target = tmp_path / "牡丹江2027"
    made = run_qm("init", target, cwd=tmp_path)
    assert made.returncode == 0, made.stderr
    assert f"已新建活动目录：{target}" in made.stdout and f"cd {target}" in made.stdout and "qm check" in made.stdout
    assert (target / "config.yaml").read_bytes() == (ROOT / "config.yaml").read_bytes()
    for part in ("content", "templates"):
        assert _files(target / part) == _files(ROOT / part) - {f for f in _files(ROOT / part) if Path(f).name.startswith(".")}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["牡丹江2027"]  # nothing half-made left beside it
    campaign = load_campaign(target / "config.yaml")
    assert campaign.paths.content == target / "content" and campaign.paths.templates == target / "templates"  # not qm's own
    checked = run_qm("check", cwd=target)
    assert checked.returncode == 0, checked.stdout + checked.stderr


def test_an_empty_folder_is_filled_and_anything_else_is_refused_untouched(tmp_path: Path) -> None:
    empty = tmp_path / "空目录"
    empty.mkdir()
    assert run_qm("init", empty).returncode == 0 and (empty / "config.yaml").is_file()

    busy = tmp_path / "已有文件"
    busy.mkdir()
    (busy / "config.yaml").write_text("campaign: 我自己的\n", encoding="utf-8")
    refused = run_qm("init", busy)
    assert refused.returncode == 2 and "Traceback" not in refused.stderr
    assert f"目录 {busy} 已存在且不是空的：qm init 不覆盖已有的文件" in refused.stderr
    assert _files(busy) == {"config.yaml"} and (busy / "config.yaml").read_text(encoding="utf-8") == "campaign: 我自己的\n"

    a_file = tmp_path / "文件"
    a_file.write_text("x", encoding="utf-8")
    assert f"{a_file} 是一个文件，不是目录" in run_qm("init", a_file).stderr
    no_parent = run_qm("init", tmp_path / "没有" / "新目录")
    assert no_parent.returncode == 2 and f"目录 {tmp_path / '没有'} 不存在：先创建它" in no_parent.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["已有文件", "文件", "空目录"]


def test_help_lists_init_first() -> None:
    listing = run_qm("--help").stdout
    assert "新建活动目录" in listing
    assert listing.index("init") < listing.index("check")


def test_the_next_steps_work_from_the_new_folder_without_qm_on_path(tmp_path: Path) -> None:
    """Run as the README says (`.venv/bin/qm init 牡丹江2027`, no activated environment): the qm commands it tells to
    type after `cd 牡丹江2027` are written so they run there; with qm on PATH, plain `qm`."""
    qm = Path(sys.executable).parent / "qm"  # the installed command, started by its path like a new user would
    assert qm.is_file()
    bare = {**os.environ, "PATH": os.pathsep.join(p for p in os.environ["PATH"].split(os.pathsep) if Path(p) != qm.parent)}
    made = subprocess.run([str(qm), "init", "牡丹江2027"], cwd=tmp_path, env=bare, capture_output=True, text=True, timeout=120)
    assert made.returncode == 0, made.stderr
    steps = made.stdout.split("接下来：\n", 1)[1].splitlines()
    assert steps[0] == "  cd 牡丹江2027", made.stdout
    check = steps[1].split("    ")[0].strip()
    assert check == f"{qm} check" and f"source {qm.parent / 'activate'}" in steps[3], made.stdout
    ran = subprocess.run(shlex.split(check), cwd=tmp_path / "牡丹江2027", env=bare, capture_output=True, text=True, timeout=300)
    assert ran.returncode == 0 and "全部通过检查" in ran.stdout, ran.stdout + ran.stderr

    on_path = {**bare, "PATH": os.pathsep.join([str(qm.parent), bare["PATH"]])}
    made = subprocess.run([str(qm), "init", "b"], cwd=tmp_path, env=on_path, capture_output=True, text=True, timeout=120)
    assert "  qm check    检查配置" in made.stdout and "activate" not in made.stdout, made.stdout


def test_a_wheel_install_without_the_project_folder_makes_a_campaign_that_passes_the_check(tmp_path: Path) -> None:
    """`pip install <folder or wheel>` as a county would: the installed qm has no project folder beside it."""
    source = tmp_path / "source"  # the project's own files, copied so the build leaves nothing in the project
    parts = ["pyproject.toml", "setup.py", "MANIFEST.in", "README.md", "scheduler", *COPIED]
    listed = ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard", "--", *parts]
    tracked = subprocess.run(listed, cwd=ROOT, capture_output=True, text=True, check=True).stdout
    for name in filter(None, tracked.split("\0")):
        (source / name).parent.mkdir(parents=True, exist_ok=True)
        (source / name).write_bytes((ROOT / name).read_bytes())
    wheels = tmp_path / "wheels"
    pip = [sys.executable, "-m", "pip", "-q", "--disable-pip-version-check"]
    subprocess.run([*pip, "wheel", "--no-deps", "-w", wheels, source], check=True, capture_output=True, timeout=300)
    (wheel,) = wheels.glob("qm-*.whl")
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", venv], check=True, timeout=120)
    subprocess.run([*pip, "--python", venv / "bin" / "python", "install", "--no-deps", wheel], check=True, capture_output=True, timeout=300)
    # qm's dependencies from this environment, listed after the new one's own packages (no .pth of it is run, so
    # not the editable qm)
    deps = next(Path(p) for p in sys.path if p.endswith("site-packages"))
    (next((venv / "lib").glob("python3.*")) / "site-packages" / "deps.pth").write_text(f"{deps}\n", encoding="utf-8")
    qm = venv / "bin" / "qm"
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    made = subprocess.run([qm, "init", "県"], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)
    assert made.returncode == 0, made.stdout + made.stderr
    assert (tmp_path / "県" / "config.yaml").read_bytes() == (ROOT / "config.yaml").read_bytes()
    for part in ("content", "templates"):
        assert _files(tmp_path / "県" / part) == _files(source / part) - {f for f in _files(source / part) if Path(f).name.startswith(".")}
    where = subprocess.run(
        [venv / "bin" / "python", "-c", "import scheduler; print(scheduler.__file__)"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
    )
    assert where.stdout.startswith(str(venv)), where.stdout + where.stderr  # the installed qm, not the project's
    checked = subprocess.run([qm, "check"], cwd=tmp_path / "県", env=env, capture_output=True, text=True, timeout=300)
    assert checked.returncode == 0 and "全部通过检查" in checked.stdout, checked.stdout + checked.stderr


def test_the_new_folder_says_its_files_and_the_items_they_hold_as_qm_check_counts_them(tmp_path: Path) -> None:
    """A slogans file holds many items: the folder's files and items are told apart, the items as qm check counts
    them, and where staff put their own."""
    made = run_qm("init", "林口2027", cwd=tmp_path)
    assert made.returncode == 0, made.stderr
    files = sum(1 for p in (tmp_path / "林口2027" / "content").rglob("*") if p.suffix in (".md", ".yaml") and p.name != "README.md")
    found = re.search(rf"内容库（{files} 个文件，共 (\d+) 条内容：标语文件一个文件里有多条）", made.stdout)
    assert found and int(found[1]) > files, made.stdout
    assert "自己的内容建议放在 content/local/ 里（先新建这个文件夹，一条内容一个文件）" in made.stdout
    assert "主办单位名称看不出县、区、旗时写 level: 县 等" in made.stdout, made.stdout  # optional: qm takes it from the name
    assert not (tmp_path / "林口2027" / "content" / "local").exists()  # told to make it: qm init does not
    checked = run_qm("check", cwd=tmp_path / "林口2027")
    assert f"内容 {found[1]} 条" in checked.stdout, checked.stdout + checked.stderr


def test_the_new_folder_counts_content_files_as_the_library_reads_them(tmp_path: Path) -> None:
    """A readme in another case, a folder named like a file: not content files, as `qm check` reads the library."""
    from scheduler.cli.init_cmds import _library_size

    content = tmp_path / "content"
    (content / "笔记.md").mkdir(parents=True)
    (content / "a.md").write_text("---\nid: a\n---\n", encoding="utf-8")
    (content / "Readme.md").write_text("说明\n", encoding="utf-8")
    assert _library_size(tmp_path) == (1, 0)  # no config: the items are not counted
