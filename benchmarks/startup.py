"""Command start-up: whole `qm` processes against a bare Python process, side by side.

Each round runs every command once, in turn with `python -c pass` (the yardstick), from process
start to exit; the report gives each command's median and its ratio to the yardstick's median.
`qm plan` and `qm check` are timed twice: cold (every cache in the state folder deleted before each
run: `qm check`'s stored result and the parsed YAML, so the run parses, checks in full and stores
them, as the first run after a change does) and warm (the stored result and parsed YAML reused).

The commands run with bytecode caching on (PYTHONDONTWRITEBYTECODE removed from their environment),
as in any installation: otherwise every run would compile qm's modules again.

Run by hand:  .venv/bin/python -m benchmarks.startup [--runs 15]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from scheduler.cli.check_cache import FILE as CHECK_RESULT
from scheduler.inputs.config import load_campaign
from scheduler.inputs.parse_cache import CONFIG_FILE, CONTENT_FILE

ROOT = Path(__file__).resolve().parent.parent
CONFIG = ROOT / "examples" / "heihe-2016" / "config.yaml"
QM = [sys.executable, "-m", "scheduler"]
BARE = [sys.executable, "-c", "pass"]
ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def _forget() -> None:
    state = load_campaign(CONFIG).paths.state
    for name in (CHECK_RESULT, CONFIG_FILE, CONTENT_FILE):
        (state / name).unlink(missing_ok=True)


# name -> (command, what to do before each run, untimed)
COMMANDS: dict[str, tuple[list[str], Callable[[], None] | None]] = {
    "qm --help": ([*QM, "--help"], None),
    "qm plan (cold)": ([*QM, "plan", "-c", str(CONFIG)], _forget),
    "qm plan (warm)": ([*QM, "plan", "-c", str(CONFIG)], None),
    "qm check (cold)": ([*QM, "check", "-c", str(CONFIG)], _forget),
    "qm check (warm)": ([*QM, "check", "-c", str(CONFIG)], None),
}


def wall(command: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False, cwd=ROOT, env=ENV)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=15, help="rounds; medians are reported")
    args = parser.parse_args()
    times: dict[str, list[float]] = {name: [] for name in [*COMMANDS, "python -c pass"]}
    for command, _ in COMMANDS.values():  # write the bytecode, warm the file cache
        wall(command)
    wall(BARE)
    for _ in range(args.runs):
        for name, (command, before) in COMMANDS.items():
            if before is not None:
                before()
            times["python -c pass"].append(wall(BARE))
            times[name].append(wall(command))
    bare = statistics.median(times["python -c pass"])
    print(f"load average: {os.getloadavg()[0]:.1f}; {args.runs} rounds; medians")
    print(f"{'python -c pass':<18} {bare:6.3f} s")
    for name in COMMANDS:
        median = statistics.median(times[name])
        print(f"{name:<18} {median:6.3f} s  {median / bare:5.1f}x bare Python")


if __name__ == "__main__":
    main()
