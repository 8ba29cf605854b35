"""Every picture of both example campaigns: `qm build` against the route of one process per day.

    (a) cold   `qm build` for the bundled config (2027) and the 2016 Heihe example, empty folders:
               every poster of the plan and every slide of every day's screen playlists
    (b) warm   the same again, everything up to date
    (c) before `qm posters`, then `qm screen build --date D` once per day and campaign (one process
               per day, how every day's playlists were made before `--from/--to` and `qm build`)

Whole processes, timed from start to exit, (a) and (c) alternately; the best round of each counts.
Run by hand:  .venv/bin/python -m benchmarks.build [--rounds 2]
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CONFIGS = {"2027": ROOT / "config.yaml", "heihe-2016": ROOT / "examples" / "heihe-2016" / "config.yaml"}
QM = [sys.executable, "-m", "scheduler"]


def copy_config(source: Path, folder: Path) -> Path:
    """The config in `folder`, reading the project's content and templates, writing posters and state there."""
    folder.mkdir(parents=True)
    text = source.read_text(encoding="utf-8")
    text = re.sub(r"(?m)^  content: .*$", f"  content: {ROOT / 'content'}", text)
    text = re.sub(r"(?m)^  templates: .*$", f"  templates: {ROOT / 'templates'}", text)
    text = re.sub(r"(?m)^(\s+photo: )(\S+)", lambda m: f"{m.group(1)}{(source.parent / m.group(2)).resolve()}", text)
    target = folder / "config.yaml"
    target.write_text(text, encoding="utf-8")
    return target


def days(config: Path) -> list[dt.date]:
    text = config.read_text(encoding="utf-8")
    start = dt.date.fromisoformat(re.search(r"(?m)^\s+start: (\S+)", text).group(1))  # type: ignore[union-attr]
    end = dt.date.fromisoformat(re.search(r"(?m)^\s+end: (\S+)", text).group(1))  # type: ignore[union-attr]
    return [start + dt.timedelta(days=n) for n in range((end - start).days + 1)]


def run(*args: str | Path) -> None:
    subprocess.run([*QM, *map(str, args)], check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=ROOT)


def timed(commands: list[list[str | Path]]) -> float:
    start = time.perf_counter()
    for command in commands:
        run(*command)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=2, help="alternating rounds of (a) and (c); the best of each counts")
    args = parser.parse_args()
    best = {"cold": float("inf"), "warm": float("inf"), "before": float("inf")}
    processes_before = 0
    with tempfile.TemporaryDirectory() as tmp:
        for n in range(args.rounds):
            new = [copy_config(source, Path(tmp) / f"new{n}" / name) for name, source in CONFIGS.items()]
            best["cold"] = min(best["cold"], timed([["build", "-c", c] for c in new]))
            best["warm"] = min(best["warm"], min(timed([["build", "-c", c] for c in new]) for _ in range(3)))
            old = [copy_config(source, Path(tmp) / f"old{n}" / name) for name, source in CONFIGS.items()]
            commands: list[list[str | Path]] = []
            for c in old:
                commands += [["posters", "-c", c]] + [["screen", "build", "-c", c, "--date", d.isoformat()] for d in days(c)]
            processes_before = len(commands)
            best["before"] = min(best["before"], timed(commands))
            shutil.rmtree(Path(tmp) / f"old{n}")
    print(f"load average: {os.getloadavg()[0]:.1f}; {os.cpu_count()} cores; best of {args.rounds} rounds")
    print(f"(a) cold, qm build x2:            {best['cold']:6.2f} s")
    print(f"(b) warm, qm build x2:            {best['warm']:6.2f} s")
    print(f"(c) before, {processes_before} processes:      {best['before']:6.2f} s  ({best['before'] / best['cold']:.1f}x the cold build)")


if __name__ == "__main__":
    main()
