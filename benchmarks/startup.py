"""Command start-up: whole `qm` processes against a bare Python process, side by side.

Each round runs every command once, in turn with `python -c pass` (the yardstick), from process
start to exit; the report gives each command's median and its ratio to the yardstick's median.
The commands run on a copy of the Heihe example (config, content, templates) in a temporary folder.
The time of each is also given as CPU time (user + system), steadier than the wall clock on a busy machine.
`qm plan` is timed cold (the parsed YAML in the state folder deleted before each run) and warm.
`qm check` is timed in three cases:
- cold: every cache in the state folder deleted before each run (the stored result, the verdicts on
  parts, the compiled templates, the parsed YAML), so the run parses, compiles, renders and checks
  everything and stores them;
- one content file edited: before each run, one word of one content file is changed back or forth
  (what staff do before running the check): the file is parsed again and the posts of its item
  rendered and checked again, the rest comes from the verdicts of the previous run;
- warm: nothing changed, the stored result is replayed;
- one content file edited, with `qm check --stay` waiting (started once, before the rounds): the
  command hands the check over and prints the answer. Its CPU time adds the waiting process's CPU
  time during the run to the command's own.
A second yardstick, `python -c pass` of a virtual environment of the same interpreter without qm installed, says what
the first one costs because of qm's editable install (`pip install -e .` loads setuptools' import finder, with
pathlib and more, into every Python start of the environment, `python -c pass` included; qm needs those modules
anyway). The second ratio of each line is to this one.
A last line times a process that only imports what a check after one edit cannot do without (the
command modules, the config, content and plan modules, the renderer and the rules, Jinja2 and the CSS
inliner for its posts; not PyYAML, since the edited front matter is plain `key: text` lines, read
without it) and does nothing else: the floor of that case. Like qm's own check it imports the CSS inliner
with a stand-in `email.utils` (the inliner reads only its build date with it) and ends without Python's
tear-down (`os._exit`), in both checkouts.

The commands run with bytecode caching on (PYTHONDONTWRITEBYTECODE removed from their environment),
as in any installation: otherwise every run would compile qm's modules again. What qm keeps beside its
compiled modules (`scheduler/__pycache__`: the data classes' compiled methods, the record of its code
files' stat) stays in every case, cold included, as the bytecode does.

Run by hand:  .venv/bin/python -m benchmarks.startup [--runs 15] [--baseline OTHER-CHECKOUT]

With --baseline, the same commands of another checkout of qm (its own .venv, its own copy of its
example) run in the same rounds, so that both are measured under the same load.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import venv
from collections.abc import Callable
from pathlib import Path

from scheduler.cli.check_cache import FILE as CHECK_RESULT
from scheduler.cli.check_parts import COMPILED
from scheduler.cli.check_parts import FILE as CHECK_PARTS
from scheduler.inputs.parse_cache import CONFIG_FILE, CONTENT_FILE, LAYOUTS_FILE

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = Path("examples") / "heihe-2016" / "config.yaml"
EDITED = Path("content") / "grassroots" / "grassroots-five-factors-bakery.md"  # planned on all three channels
WORDS = ("把原因一一落到实处", "把原因逐一落到实处")
BARE = [sys.executable, "-c", "pass"]
PLAIN = "python -c pass, no qm"  # the second yardstick: a virtual environment without qm
# What `qm check` after one content edit imports and cannot do without (all present in older checkouts too).
EDIT_IMPORTS = (
    "scheduler.cli.main",
    "scheduler.cli.campaign_cmds",
    "scheduler.cli.check_cache",
    "scheduler.cli.check_parts",
    "scheduler.inputs.content",
    "scheduler.planning.plan_checks",
    "scheduler.publishing.channel_warnings",
    "scheduler.rendering.payloads",
    "scheduler.rendering.lint",
    "scheduler.channels",
    "scheduler.channels.wechat.kind",  # the kinds render and check posts (loaded by name when first asked for)
    "scheduler.channels.weibo.kind",
    "scheduler.channels.screen.kind",
    "scheduler.channels.wechat.rules",
    "scheduler.channels.screen.rules",
    "scheduler.channels.wechat.warnings",
    "scheduler.channels.weibo.warnings",
    "scheduler.rendering.markdown",
    "scheduler.poster.files",
    "scheduler.poster.glyphs",
    "scheduler.poster.fonts",
    "css_inline",
)
FLOOR = (  # the imports and nothing else, as `qm check` imports them (cli/process_end.py, channels/wechat/inliner.py)
    "import os, sys, types\n"
    "sys.modules['email.utils'] = stand_in = types.ModuleType('email.utils')\n"
    "stand_in.parsedate_to_datetime = lambda text: None\n"
    f"import {', '.join(EDIT_IMPORTS)}\n"
    "del sys.modules['email.utils']\n"
    "os._exit(0)"
)
ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
CACHES = (CHECK_RESULT, CHECK_PARTS, COMPILED, CONFIG_FILE, CONTENT_FILE, LAYOUTS_FILE)  # an older checkout has some of them


def copy_example(folder: Path, root: Path = ROOT) -> Path:
    """The Heihe example of the checkout at `root` with its own content and templates in `folder`."""
    for name in ("content", "templates"):
        shutil.copytree(root / name, folder / name)
    config = folder / "config.yaml"
    config.write_text((root / EXAMPLE).read_text(encoding="utf-8").replace("../../", ""), encoding="utf-8")
    return config


Before = Callable[[], None] | None
STAYING: dict[Path, subprocess.Popen[str]] = {}  # checkout -> its waiting `qm check --stay`


def commands(python: str, root: Path, config: Path, label: str = "") -> dict[str, tuple[list[str], Path, Before]]:
    """name -> (command, its working folder, what to do before each run, untimed), for the checkout at `root`."""
    qm = [python, "-m", "scheduler"]
    state = config.parent / ".qm"

    def forget(*names: str) -> Callable[[], None]:
        def run() -> None:
            for name in names:
                path = state / name
                if path.is_dir():
                    shutil.rmtree(path)
                path.unlink(missing_ok=True)

        return run

    def edit_in(folder: Path) -> Callable[[], None]:
        def edit() -> None:
            path = folder / EDITED
            text = path.read_text(encoding="utf-8")
            old, new = WORDS if WORDS[0] in text else WORDS[::-1]
            path.write_text(text.replace(old, new, 1), encoding="utf-8")

        return edit

    plan, check = [*qm, "plan", "-c", str(config)], [*qm, "check", "-c", str(config)]
    edit = edit_in(config.parent)
    # `qm check --stay` waits on a copy of its own (it answers the checks of its config only)
    stays = "--stay" in subprocess.run([*qm, "check", "--help"], capture_output=True, text=True, cwd=root, env=ENV).stdout
    if stays:
        staying = copy_example(config.parent.with_name(f"{config.parent.name}-stay"), root)
        check_staying = [*qm, "check", "-c", str(staying)]
        STAYING[root] = stay = subprocess.Popen([*check_staying, "--stay", "600"], cwd=root, env=ENV, stdout=subprocess.PIPE, text=True)
        while stay.stdout and "常驻检查已就绪" not in stay.stdout.readline():
            pass
        threading.Thread(target=stay.communicate, daemon=True).start()  # it prints a line per check: drained
    timed: dict[str, tuple[list[str], Before]] = {
        "qm --help": ([*qm, "--help"], None),
        "qm plan (cold)": (plan, forget(CONFIG_FILE, CONTENT_FILE)),
        "qm plan (warm)": (plan, None),
        "qm check (cold)": (check, forget(*CACHES)),
        "qm check (1 edit)": (check, edit),
        "qm check (warm)": (check, None),
        **({"qm check (1 edit, --stay)": (check_staying, edit_in(staying.parent))} if stays else {}),
        "imports of check (1 edit)": ([python, "-c", FLOOR], None),
    }
    return {f"{label}{name}": (command, root, before) for name, (command, before) in timed.items()}


def run(command: list[str], cwd: Path, helper: int | None = None) -> tuple[float, float]:
    """Wall-clock and CPU (user + system) seconds of one whole process, and of `helper` meanwhile."""
    cpu, helped = resource.getrusage(resource.RUSAGE_CHILDREN), process_cpu(helper)
    start = time.perf_counter()
    subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False, cwd=cwd, env=ENV)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - cpu.ru_utime) + (after.ru_stime - cpu.ru_stime) + process_cpu(helper) - helped


def process_cpu(pid: int | None) -> float:
    """CPU seconds (user + system) a running process has used so far (Linux /proc); 0 without one."""
    if pid is None:
        return 0.0
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=15, help="rounds; medians are reported")
    parser.add_argument("--baseline", type=Path, help="another checkout (with its own .venv) timed in the same rounds")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="qm-startup-") as folder:
        timed = commands(sys.executable, ROOT, copy_example(Path(folder, "this")))
        if args.baseline:
            base = args.baseline.resolve()
            python = str(base / ".venv" / "bin" / "python")
            timed |= commands(python, base, copy_example(Path(folder, "baseline"), base), "baseline: ")
        empty = Path(folder, "plain-venv")  # the same interpreter, nothing installed
        venv.EnvBuilder(with_pip=False, symlinks=True).create(empty)
        timed[PLAIN] = ([str(empty / "bin" / "python"), "-c", "pass"], ROOT, None)
        wall: dict[str, list[float]] = {name: [] for name in [*timed, "python -c pass"]}
        cpu: dict[str, list[float]] = {name: [] for name in wall}
        for command, cwd, _ in timed.values():  # write the bytecode, warm the file cache
            run(command, cwd)
        for _ in range(args.runs):
            for name, (command, cwd, before) in timed.items():
                if before is not None:
                    before()
                helper = STAYING[cwd].pid if "--stay" in name else None
                for key, result in (("python -c pass", run(BARE, ROOT)), (name, run(command, cwd, helper))):
                    wall[key].append(result[0])
                    cpu[key].append(result[1])
        for stay in STAYING.values():
            stay.terminate()
            stay.wait()
    bare, bare_cpu = statistics.median(wall["python -c pass"]), statistics.median(cpu["python -c pass"])
    plain, plain_cpu = statistics.median(wall[PLAIN]), statistics.median(cpu[PLAIN])
    print(f"load average: {' '.join(f'{x:.1f}' for x in os.getloadavg())}; {args.runs} rounds; medians; wall-clock, then CPU time;")
    print(f"ratios to `python -c pass` of this checkout's .venv, then (in brackets) to {PLAIN!r}")
    print(f"{'python -c pass':<28} {bare:6.3f} s          CPU {bare_cpu:6.3f} s")
    for name in timed:
        median, median_cpu = statistics.median(wall[name]), statistics.median(cpu[name])
        print(
            f"{name:<28} {median:6.3f} s {median / bare:5.1f}x ({median / plain:4.1f}x)"
            f"   CPU {median_cpu:6.3f} s {median_cpu / bare_cpu:5.1f}x ({median_cpu / plain_cpu:4.1f}x)"
        )


if __name__ == "__main__":
    main()
