"""Footprint of the daemon: idle memory and CPU, and how late a post goes out after its slot.

Runs the real `qm daemon` on a copy of the bundled config moved to today, with one auto-approved
Weibo slot at the next minute boundary at least 20 s ahead. Measures:
  late      published_at (from the queue) minus the slot time
  memory    of the idle daemon and every process it owns (its children, theirs, ...), after the
            publish: resident (RSS, Linux /proc) and proportional (PSS: shared pages split between
            the processes that share them), summed over the processes
  CPU       CPU time the idle daemon used over `--idle` seconds, as % of one core
Side by side, a baseline process: the same interpreter importing qm's modules, then sleeping.

    .venv/bin/python -m benchmarks.daemon            # a full minute of idle
    .venv/bin/python -m benchmarks.daemon --idle 10  # quicker
    .venv/bin/python -m benchmarks.daemon --idle 5 --runs 10   # does it ever crash?
    .venv/bin/python -m benchmarks.daemon --idle 10 --runs 2 --baseline OTHER-CHECKOUT
        # each run measures this checkout, then another checkout of qm (its own .venv, config and
        # content) the same way: side by side under the same load
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
TZ = ZoneInfo("Asia/Shanghai")
TICKS = os.sysconf("SC_CLK_TCK")
BASELINE = "import time, scheduler.cli.main, scheduler.daemon, scheduler.cli.daemon_cmds; print('ready', flush=True); time.sleep(3600)"


def make_project(folder: Path, slot: dt.datetime, root: Path = ROOT, start: dt.date | None = None) -> Path:
    """A copy of the bundled project whose campaign starts on `start` (the slot's day unless given),
    with the Weibo posts at the slot's time of day, approved automatically."""
    for name in ("content", "templates"):
        shutil.copytree(root / name, folder / name)
    start = start or slot.date()
    text = (root / "config.yaml").read_text(encoding="utf-8")
    text = text.replace("start: 2027-09-01", f"start: {start}").replace("end: 2027-09-30", f"end: {start + dt.timedelta(days=29)}")
    text = text.replace("launch: 2027-09-08 ", f"launch: {start + dt.timedelta(days=7)} ")
    text = text.replace("county_plans_due: 2027-09-10", f"county_plans_due: {start + dt.timedelta(days=9)}")
    text = text.replace("summary_due: 2027-10-10", f"summary_due: {start + dt.timedelta(days=39)}")
    text = re.sub(r"\npins:\n(  .*\n)+", "\n", text)
    text = text.replace('times: ["09:30", "17:30"]', f'times: ["{slot:%H:%M}"]\n    auto_approve: true')
    (folder / "config.yaml").write_text(text, encoding="utf-8")
    return folder / "config.yaml"


def rss_mb(pid: int) -> float:
    return _kb(Path(f"/proc/{pid}/status"), "VmRSS:") / 1024


def pss_mb(pid: int) -> float:
    return _kb(Path(f"/proc/{pid}/smaps_rollup"), "Pss:") / 1024


def _kb(path: Path, key: str) -> int:
    for line in path.read_text().splitlines():
        if line.startswith(key):
            return int(line.split()[1])
    return 0


def family(pid: int) -> list[int]:
    """The process and all its descendants (children, theirs, ...)."""
    parents: dict[int, int] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            parents[int(stat.parent.name)] = int(stat.read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            continue
    found = [pid]
    for p in found:
        found += [child for child, parent in parents.items() if parent == p]
    return found


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS  # utime + stime


def wait_published(db: Path, post_id: str, timeout: float) -> float:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if db.exists():
            try:
                with sqlite3.connect(db) as conn:
                    row = conn.execute("SELECT published_at FROM posts WHERE id = ? AND state = 'published'", (post_id,)).fetchone()
            except sqlite3.OperationalError:  # the daemon has created the file but not yet its tables
                row = None
            if row:
                return float(row[0])
        time.sleep(0.05)
    raise SystemExit(f"{post_id} was not published within {timeout:.0f} s")


@dataclass
class Run:
    late: float
    processes: int
    rss: float  # MB, summed over the daemon's processes
    pss: float
    base_rss: float
    cpu: float  # % of one core
    base_cpu: float
    elapsed: float
    code: int | None


def measure(idle: float, root: Path = ROOT, python: str = sys.executable) -> Run:
    """One run of the daemon of the checkout at `root` (run by `python`)."""
    now = dt.datetime.now(TZ)
    slot = (now + dt.timedelta(seconds=20 + 60)).replace(second=0, microsecond=0)
    if (slot - now).total_seconds() > 80:
        slot -= dt.timedelta(minutes=1)
    post_id = f"{slot:%Y%m%d}-weibo-{slot:%H%M}"
    env = {**os.environ, "PYTHONPATH": str(root)}
    with tempfile.TemporaryDirectory(prefix="qm-bench-") as tmp:
        config = make_project(Path(tmp), slot, root)
        daemon = subprocess.Popen(
            [python, "-m", "scheduler", "-c", str(config), "daemon"],
            cwd=tmp,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        baseline = subprocess.Popen([python, "-c", BASELINE], cwd=tmp, env=env, stdout=subprocess.PIPE, text=True)
        try:
            assert baseline.stdout is not None and baseline.stdout.readline().strip() == "ready"
            print(f"slot {slot:%H:%M:%S}, waiting {(slot - dt.datetime.now(TZ)).total_seconds():.0f} s for {post_id} …", flush=True)
            published = wait_published(Path(tmp) / ".qm" / "qm.sqlite3", post_id, timeout=150)
            late = published - slot.timestamp()
            time.sleep(2)  # let the post-publish bookkeeping settle
            cpu0, base0, t0 = cpu_seconds(daemon.pid), cpu_seconds(baseline.pid), time.monotonic()
            time.sleep(idle)
            elapsed = time.monotonic() - t0
            cpu = (cpu_seconds(daemon.pid) - cpu0) / elapsed * 100
            base_cpu = (cpu_seconds(baseline.pid) - base0) / elapsed * 100
            pids = family(daemon.pid)
            rss, pss = sum(rss_mb(p) for p in pids), sum(pss_mb(p) for p in pids)
            base_rss = rss_mb(baseline.pid)
        finally:
            daemon.send_signal(signal.SIGTERM)
            baseline.kill()
            code = daemon.wait(30)
            baseline.wait()
    return Run(late, len(pids), rss, pss, base_rss, cpu, base_cpu, elapsed, code)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--idle", type=float, default=60.0, help="seconds of idle to measure (default 60)")
    parser.add_argument("--runs", type=int, default=1, help="whole runs, one after another (default 1)")
    parser.add_argument("--baseline", type=Path, help="another checkout (with its own .venv), measured after this one in each run")
    args = parser.parse_args()
    print(f"load average: {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
    checkouts = [("", ROOT, sys.executable)]
    if args.baseline:
        base = args.baseline.resolve()
        checkouts.append((f"[{base.name}] ", base, str(base / ".venv" / "bin" / "python")))
    runs_of: dict[str, list[Run]] = {label: [] for label, _, _ in checkouts}
    for n in range(1, args.runs + 1):
        for label, root, python in checkouts:
            run = measure(args.idle, root, python)
            runs_of[label].append(run)
            report(f"{label}run {n}/{args.runs}", run)
    for label, runs in runs_of.items():
        if len(runs) > 1:
            print(
                f"{label}{len(runs)} runs, none crashed; late at most {max(r.late for r in runs):.3f} s; "
                f"RSS (all processes) {min(r.rss for r in runs):.1f}–{max(r.rss for r in runs):.1f} MB; "
                f"processes {sorted({r.processes for r in runs})}; exit codes {sorted({r.code for r in runs}, key=str)}"
            )


def report(title: str, run: Run) -> None:
    print(f"{title}:")
    print(f"  late by        {run.late:.3f} s (target ≤ 1 s)")
    print(
        f"  idle memory    {run.processes} process(es): RSS {run.rss:.1f} MB, PSS {run.pss:.1f} MB; "
        f"baseline RSS {run.base_rss:.1f} MB; ratio {run.rss / run.base_rss:.2f} (target ≤ 70 MB)"
    )
    print(f"  idle CPU       {run.cpu:.3f} % over {run.elapsed:.0f} s; baseline {run.base_cpu:.3f} % (target ~0 %)")
    print(f"  SIGTERM exit   {run.code}", flush=True)


if __name__ == "__main__":
    main()
