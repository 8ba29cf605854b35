"""Does a longer campaign cost more per post? `qm simulate` on campaigns of 1, 3 and 6 months.

The 2016 Heihe example is stretched to each length; its content library is cloned (the same texts
under new ids) until every slot of six months has an item, and the same enlarged library serves
every length, so only the campaign's length differs. Each run is a whole `qm simulate` process
(faults and restarts as given); its CPU time (user + system, from the operating system) is
divided by the number of planned posts.

Run by hand:  .venv/bin/python -m benchmarks.simulate [--months 1 3 6] [--copies 5]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import re
import resource
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SOURCE = ROOT / "examples" / "heihe-2016" / "config.yaml"
START = dt.date(2016, 9, 1)
ID_LINE = re.compile(r"(?m)^(-? *id: *)([a-z0-9-]+)\s*$")


def clone_library(target: Path, copies: int) -> None:
    """`copies` copies of every content file, ids suffixed -c1, -c2, ... (the original ids kept once)."""
    for source in sorted((ROOT / "content").rglob("*")):
        if source.suffix not in (".md", ".yaml") or source.name == "README.md":
            continue
        text = source.read_text(encoding="utf-8")
        for n in range(copies):
            copy = text if n == 0 else ID_LINE.sub(lambda m, n=n: f"{m.group(1)}{m.group(2)}-c{n}", text)
            out = target / source.relative_to(ROOT / "content").with_stem(f"{source.stem}-c{n}" if n else source.stem)
            out.parent.mkdir(parents=True, exist_ok=True)
            out.write_text(copy, encoding="utf-8")


def stretched(folder: Path, content: Path, months: int) -> Path:
    end = (START.replace(day=1) + dt.timedelta(days=31 * months)).replace(day=1) - dt.timedelta(days=1)
    text = SOURCE.read_text(encoding="utf-8")
    text = text.replace("end: 2016-09-30", f"end: {end}").replace("summary_due: 2016-10-10", f"summary_due: {end + dt.timedelta(days=10)}")
    text = re.sub(r"(?m)^  content: .*$", f"  content: {content}", text)
    text = re.sub(r"(?m)^  templates: .*$", f"  templates: {ROOT / 'templates'}", text)
    config = folder / f"{months}-months.yaml"
    config.write_text(text, encoding="utf-8")
    return config


def simulate(config: Path, faults: float, restarts: int) -> tuple[dict[str, float], float]:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    result = subprocess.run(
        [sys.executable, "-m", "scheduler", "simulate", "-c", str(config), "--json", "--faults", str(faults), "--restarts", str(restarts)],
        capture_output=True,
        text=True,
        check=False,
        cwd=ROOT,  # `python -m` puts the working folder first on the path: this checkout's code runs
    )
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if not result.stdout.strip():
        raise SystemExit(f"simulate failed for {config.name}:\n{result.stderr}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return json.loads(result.stdout), cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--months", type=int, nargs="+", default=[1, 3, 6])
    parser.add_argument("--copies", type=int, default=5, help="copies of the content library (5 cover six months)")
    parser.add_argument("--faults", type=float, default=0.1)
    parser.add_argument("--restarts", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="qm-bench-sim-") as tmp:
        content = Path(tmp) / "content"
        clone_library(content, args.copies)
        rows = []
        for months in args.months:
            report, cpu = simulate(stretched(Path(tmp), content, months), args.faults, args.restarts)
            rows.append((months, report, cpu))
    print(f"load average: {os.getloadavg()[0]:.1f}; faults {args.faults}, restarts {args.restarts}")
    base = rows[0][2] / rows[0][1]["planned"]
    for months, report, cpu in rows:
        per_post = cpu / report["planned"]
        ok = report["published"] == report["planned"] and not report["duplicates"] and not report["lost"]
        print(
            f"{months} month(s): {report['planned']:5.0f} posts, CPU {cpu:6.2f} s, {per_post * 1000:5.1f} ms/post "
            f"({per_post / base:.2f}x {rows[0][0]} month); published {report['published']:.0f}, duplicates {report['duplicates']:.0f}, "
            f"lost {report['lost']:.0f}{'' if ok else '  <- NOT CLEAN'}"
        )


if __name__ == "__main__":
    main()
