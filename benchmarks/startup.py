"""Command start-up: whole `qm` processes against a bare Python process, side by side.

Each round runs every command once, in turn with `python -c pass` (the yardstick), from process
start to exit; the report gives each command's median and its ratio to the yardstick's median.

Run by hand:  .venv/bin/python -m benchmarks.startup [--runs 15]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CONFIG = ROOT / "examples" / "heihe-2016" / "config.yaml"
QM = [sys.executable, "-m", "scheduler"]
COMMANDS = {
    "qm --help": [*QM, "--help"],
    "qm plan": [*QM, "plan", "-c", str(CONFIG)],
    "qm check": [*QM, "check", "-c", str(CONFIG)],
}
BARE = [sys.executable, "-c", "pass"]


def wall(command: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False, cwd=ROOT)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=15, help="rounds; medians are reported")
    args = parser.parse_args()
    times: dict[str, list[float]] = {name: [] for name in [*COMMANDS, "python -c pass"]}
    for command in [*COMMANDS.values(), BARE]:  # warm the file cache
        wall(command)
    for _ in range(args.runs):
        for name, command in COMMANDS.items():
            times["python -c pass"].append(wall(BARE))
            times[name].append(wall(command))
    bare = statistics.median(times["python -c pass"])
    print(f"load average: {os.getloadavg()[0]:.1f}; {args.runs} rounds; medians")
    print(f"{'python -c pass':<16} {bare:6.3f} s")
    for name in COMMANDS:
        median = statistics.median(times[name])
        print(f"{name:<16} {median:6.3f} s  {median / bare:5.1f}x bare Python")


if __name__ == "__main__":
    main()
