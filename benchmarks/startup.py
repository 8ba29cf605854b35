"""Command start-up: whole `qm` processes against a bare Python process, side by side.

Each round runs every command once, in turn with `python -c pass` (the yardstick), from process
start to exit; the report gives each command's median and its ratio to the yardstick's median.
The commands run on a copy of the Heihe example (config, content, templates) in a temporary folder.
`qm plan` is timed cold (the parsed YAML in the state folder deleted before each run) and warm.
`qm check` is timed in three cases:
- cold: every cache in the state folder deleted before each run (the stored result, the verdicts on
  parts, the parsed YAML), so the run parses, renders and checks everything and stores them;
- one content file edited: before each run, one word of one content file is changed back or forth
  (what staff do before running the check): the file is parsed again and the posts of its item
  rendered and checked again, the rest comes from the verdicts of the previous run;
- warm: nothing changed, the stored result is replayed.

The commands run with bytecode caching on (PYTHONDONTWRITEBYTECODE removed from their environment),
as in any installation: otherwise every run would compile qm's modules again.

Run by hand:  .venv/bin/python -m benchmarks.startup [--runs 15]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from scheduler.cli.check_cache import FILE as CHECK_RESULT
from scheduler.cli.check_cache import PARTS_FILE as CHECK_PARTS
from scheduler.inputs.parse_cache import CONFIG_FILE, CONTENT_FILE, LAYOUTS_FILE

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "heihe-2016" / "config.yaml"
EDITED = Path("content") / "grassroots" / "grassroots-five-factors-bakery.md"  # planned on all three channels
WORDS = ("把原因一一落到实处", "把原因逐一落到实处")
QM = [sys.executable, "-m", "scheduler"]
BARE = [sys.executable, "-c", "pass"]
ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def copy_example(folder: Path) -> Path:
    """The Heihe example with its own content and templates in `folder`; returns its config."""
    for name in ("content", "templates"):
        shutil.copytree(ROOT / name, folder / name)
    config = folder / "config.yaml"
    config.write_text(EXAMPLE.read_text(encoding="utf-8").replace("../../", ""), encoding="utf-8")
    return config


def commands(config: Path) -> dict[str, tuple[list[str], Callable[[], None] | None]]:
    """name -> (command, what to do before each run, untimed)."""
    state = config.parent / ".qm"

    def forget(*names: str) -> Callable[[], None]:
        def run() -> None:
            for name in names:
                (state / name).unlink(missing_ok=True)

        return run

    def edit() -> None:
        path = config.parent / EDITED
        text = path.read_text(encoding="utf-8")
        old, new = WORDS if WORDS[0] in text else WORDS[::-1]
        path.write_text(text.replace(old, new, 1), encoding="utf-8")

    plan, check = [*QM, "plan", "-c", str(config)], [*QM, "check", "-c", str(config)]
    return {
        "qm --help": ([*QM, "--help"], None),
        "qm plan (cold)": (plan, forget(CONFIG_FILE, CONTENT_FILE)),
        "qm plan (warm)": (plan, None),
        "qm check (cold)": (check, forget(CHECK_RESULT, CHECK_PARTS, CONFIG_FILE, CONTENT_FILE, LAYOUTS_FILE)),
        "qm check (1 edit)": (check, edit),
        "qm check (warm)": (check, None),
    }


def wall(command: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False, cwd=ROOT, env=ENV)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=15, help="rounds; medians are reported")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="qm-startup-") as folder:
        timed = commands(copy_example(Path(folder)))
        times: dict[str, list[float]] = {name: [] for name in [*timed, "python -c pass"]}
        for command, _ in timed.values():  # write the bytecode, warm the file cache
            wall(command)
        wall(BARE)
        for _ in range(args.runs):
            for name, (command, before) in timed.items():
                if before is not None:
                    before()
                times["python -c pass"].append(wall(BARE))
                times[name].append(wall(command))
    bare = statistics.median(times["python -c pass"])
    print(f"load average: {os.getloadavg()[0]:.1f}; {args.runs} rounds; medians")
    print(f"{'python -c pass':<18} {bare:6.3f} s")
    for name in timed:
        median = statistics.median(times[name])
        print(f"{name:<18} {median:6.3f} s  {median / bare:5.1f}x bare Python")


if __name__ == "__main__":
    main()
