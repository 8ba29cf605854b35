"""Every picture of both example campaigns: `qm build` against the route of one process per day.

    (a) cold   `qm build` for the bundled config (2027) and the 2016 Heihe example, empty folders:
               every poster of the plan and every slide of every day's screen playlists
    (b) warm   the same again, everything up to date (each command also on its own, wall and CPU time)
    (c) before `qm posters`, then `qm screen build --date D` once per day and campaign (one process
               per day, how every day's playlists were made before `--from/--to` and `qm build`)

Whole processes, timed from start to exit, (a) and (c) alternately; the best round of each counts.
The commands may write bytecode caches (PYTHONDONTWRITEBYTECODE is removed from their environment), as
an installed qm does. With --baseline, the warm runs of another checkout of qm (run from its own folder
with this interpreter, on its own copies of the configs) alternate with this one's.
Run by hand:  .venv/bin/python -m benchmarks.build [--rounds 2] [--warm-only] [--baseline OTHER-CHECKOUT]
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CONFIGS = {"2027": ROOT / "config.yaml", "heihe-2016": ROOT / "examples" / "heihe-2016" / "config.yaml"}
QM = [sys.executable, "-m", "scheduler"]  # run from the checkout's folder: `-m` finds its `scheduler` first
ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
WARM_RUNS = 3


def copy_config(source: Path, folder: Path, root: Path = ROOT) -> Path:
    """The config in `folder`, reading the checkout's content and templates, writing posters and state there."""
    folder.mkdir(parents=True)
    text = source.read_text(encoding="utf-8")
    text = re.sub(r"(?m)^  content: .*$", f"  content: {root / 'content'}", text)
    text = re.sub(r"(?m)^  templates: .*$", f"  templates: {root / 'templates'}", text)
    text = re.sub(r"(?m)^(\s+photo: )(\S+)", lambda m: f"{m.group(1)}{(source.parent / m.group(2)).resolve()}", text)
    target = folder / "config.yaml"
    target.write_text(text, encoding="utf-8")
    return target


def days(config: Path) -> list[dt.date]:
    text = config.read_text(encoding="utf-8")
    start = dt.date.fromisoformat(re.search(r"(?m)^\s+start: (\S+)", text).group(1))  # type: ignore[union-attr]
    end = dt.date.fromisoformat(re.search(r"(?m)^\s+end: (\S+)", text).group(1))  # type: ignore[union-attr]
    return [start + dt.timedelta(days=n) for n in range((end - start).days + 1)]


def run(*args: str | Path, root: Path = ROOT) -> None:
    subprocess.run([*QM, *map(str, args)], check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=root, env=ENV)


def timed(commands: list[list[str | Path]], root: Path = ROOT) -> float:
    start = time.perf_counter()
    for command in commands:
        run(*command, root=root)
    return time.perf_counter() - start


def cpu_timed(command: list[str | Path], root: Path) -> tuple[float, float]:
    """Wall and CPU time (user + system) of one whole process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    wall = timed([command], root)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime


def warm_alone(checkouts: dict[str, Path], tmp: Path) -> None:
    """Each checkout's warm `qm build` of each config on its own, checkouts alternating; best of the runs."""
    configs = {
        (label, name): copy_config(root / source.relative_to(ROOT), tmp / f"warm-{label}" / name, root)
        for label, root in checkouts.items()
        for name, source in CONFIGS.items()
    }
    for (label, _), config in configs.items():
        run("build", "-c", config, root=checkouts[label])  # cold: everything drawn
    best: dict[tuple[str, str], tuple[float, float]] = {}
    for _ in range(WARM_RUNS):
        for (label, name), config in configs.items():
            wall, cpu = cpu_timed(["build", "-c", config], checkouts[label])
            old = best.get((label, name), (float("inf"), float("inf")))
            best[(label, name)] = (min(old[0], wall), min(old[1], cpu))
    for label in checkouts:
        walls = [best[(label, n)][0] for n in CONFIGS]
        cpus = [best[(label, n)][1] for n in CONFIGS]
        each = "; ".join(f"{n} {w:.2f} s (CPU {c:.2f} s)" for n, w, c in zip(CONFIGS, walls, cpus, strict=True))
        print(f"(b) warm, {label}: {each}; together {sum(walls):.2f} s (CPU {sum(cpus):.2f} s)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=2, help="alternating rounds of (a) and (c); the best of each counts")
    parser.add_argument("--warm-only", action="store_true", help="only (b), each command on its own")
    parser.add_argument("--baseline", type=Path, help="another checkout of qm whose warm builds alternate with this one's")
    args = parser.parse_args()
    best = {"cold": float("inf"), "warm": float("inf"), "before": float("inf")}
    processes_before = 0
    checkouts = {"this": ROOT, **({"baseline": args.baseline.resolve()} if args.baseline else {})}
    with tempfile.TemporaryDirectory() as tmp:
        print(f"load average: {' / '.join(f'{x:.1f}' for x in os.getloadavg())}; {os.cpu_count()} cores")
        warm_alone(checkouts, Path(tmp))
        if args.warm_only:
            return
        for n in range(args.rounds):
            new = [copy_config(source, Path(tmp) / f"new{n}" / name) for name, source in CONFIGS.items()]
            best["cold"] = min(best["cold"], timed([["build", "-c", c] for c in new]))
            best["warm"] = min(best["warm"], min(timed([["build", "-c", c] for c in new]) for _ in range(WARM_RUNS)))
            old = [copy_config(source, Path(tmp) / f"old{n}" / name) for name, source in CONFIGS.items()]
            commands: list[list[str | Path]] = []
            for c in old:
                commands += [["posters", "-c", c]] + [["screen", "build", "-c", c, "--date", d.isoformat()] for d in days(c)]
            processes_before = len(commands)
            best["before"] = min(best["before"], timed(commands))
            shutil.rmtree(Path(tmp) / f"old{n}")
    print(f"load average: {' / '.join(f'{x:.1f}' for x in os.getloadavg())}; best of {args.rounds} rounds")
    print(f"(a) cold, qm build x2:            {best['cold']:6.2f} s")
    print(f"(b) warm, qm build x2:            {best['warm']:6.2f} s")
    print(f"(c) before, {processes_before} processes:      {best['before']:6.2f} s  ({best['before'] / best['cold']:.1f}x the cold build)")


if __name__ == "__main__":
    main()
