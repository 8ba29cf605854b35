"""Footprint of the daemon: idle memory and CPU, and how late a post goes out after its slot.

Runs the real `qm daemon` on a copy of the bundled config moved to today, with one auto-approved
Weibo slot at the next minute boundary at least 20 s ahead. Measures:
  late      published_at (from the queue) minus the slot time
  RSS       resident memory of the idle daemon (Linux /proc), after the publish
  CPU       CPU time the idle daemon used over `--idle` seconds, as % of one core
Side by side, a baseline process: the same interpreter importing qm's modules, then sleeping.

    .venv/bin/python -m benchmarks.daemon            # a full minute of idle
    .venv/bin/python -m benchmarks.daemon --idle 10  # quicker
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
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
TZ = ZoneInfo("Asia/Shanghai")
TICKS = os.sysconf("SC_CLK_TCK")
BASELINE = "import time, scheduler.cli.main, scheduler.daemon, scheduler.cli.daemon_cmds; print('ready', flush=True); time.sleep(3600)"


def make_project(folder: Path, slot: dt.datetime) -> Path:
    for name in ("content", "templates"):
        shutil.copytree(ROOT / name, folder / name)
    start = slot.date()
    text = (ROOT / "config.yaml").read_text(encoding="utf-8")
    text = text.replace("start: 2027-09-01", f"start: {start}").replace("end: 2027-09-30", f"end: {start + dt.timedelta(days=29)}")
    text = text.replace("launch: 2027-09-08 ", f"launch: {start + dt.timedelta(days=7)} ")
    text = text.replace("county_plans_due: 2027-09-10", f"county_plans_due: {start + dt.timedelta(days=9)}")
    text = text.replace("summary_due: 2027-10-10", f"summary_due: {start + dt.timedelta(days=39)}")
    text = re.sub(r"\npins:\n(  .*\n)+", "\n", text)
    text = text.replace('times: ["09:30", "17:30"]', f'times: ["{slot:%H:%M}"]\n    auto_approve: true')
    (folder / "config.yaml").write_text(text, encoding="utf-8")
    return folder / "config.yaml"


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS  # utime + stime


def wait_published(db: Path, post_id: str, timeout: float) -> float:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if db.exists():
            with sqlite3.connect(db) as conn:
                row = conn.execute("SELECT published_at FROM posts WHERE id = ? AND state = 'published'", (post_id,)).fetchone()
            if row:
                return float(row[0])
        time.sleep(0.05)
    raise SystemExit(f"{post_id} was not published within {timeout:.0f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--idle", type=float, default=60.0, help="seconds of idle to measure (default 60)")
    args = parser.parse_args()
    now = dt.datetime.now(TZ)
    slot = (now + dt.timedelta(seconds=20 + 60)).replace(second=0, microsecond=0)
    if (slot - now).total_seconds() > 80:
        slot -= dt.timedelta(minutes=1)
    post_id = f"{slot:%Y%m%d}-weibo-{slot:%H%M}"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    with tempfile.TemporaryDirectory(prefix="qm-bench-") as tmp:
        config = make_project(Path(tmp), slot)
        daemon = subprocess.Popen(
            [sys.executable, "-m", "scheduler", "-c", str(config), "daemon"],
            cwd=tmp,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        baseline = subprocess.Popen([sys.executable, "-c", BASELINE], cwd=tmp, env=env, stdout=subprocess.PIPE, text=True)
        try:
            assert baseline.stdout is not None and baseline.stdout.readline().strip() == "ready"
            print(f"slot {slot:%H:%M:%S}, waiting {(slot - dt.datetime.now(TZ)).total_seconds():.0f} s for {post_id} …", flush=True)
            published = wait_published(Path(tmp) / ".qm" / "qm.sqlite3", post_id, timeout=150)
            late = published - slot.timestamp()
            time.sleep(2)  # let the post-publish bookkeeping settle
            cpu0, base0, t0 = cpu_seconds(daemon.pid), cpu_seconds(baseline.pid), time.monotonic()
            time.sleep(args.idle)
            elapsed = time.monotonic() - t0
            cpu = (cpu_seconds(daemon.pid) - cpu0) / elapsed * 100
            base_cpu = (cpu_seconds(baseline.pid) - base0) / elapsed * 100
            rss, base_rss = rss_mb(daemon.pid), rss_mb(baseline.pid)
        finally:
            daemon.send_signal(signal.SIGTERM)
            baseline.kill()
            code = daemon.wait(30)
            baseline.wait()
    print(f"late by        {late:.3f} s (target ≤ 1 s)")
    print(f"idle RSS       {rss:.1f} MB; baseline {base_rss:.1f} MB; ratio {rss / base_rss:.2f} (target ≤ 80 MB)")
    print(f"idle CPU       {cpu:.3f} % over {elapsed:.0f} s; baseline {base_cpu:.3f} % (target ~0 %)")
    print(f"SIGTERM exit   {code}")


if __name__ == "__main__":
    main()
