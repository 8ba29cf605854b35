"""Peak memory of a poster worker: every picture a month needs, drawn as `qm build` draws them.

For each example campaign (the bundled 2027 config and the 2016 Heihe example), a fresh process loads
the campaign, its plan and the posters and screen slides `qm build` would make, then draws them all
(forced, into a temporary folder), and reports:

    pool     the peak resident memory of the largest of its pool workers (one per core, forked as in
             `qm build`), and of the process itself before drawing (what every worker starts from);
    alone    the same pictures drawn in that process, one by one: its peak, how many font faces were
             loaded (each size and weight is a face of its own) and how many stayed loaded, and the
             biggest picture (its pixels, and the memory of one RGB copy of it).

With --baseline, the same of another checkout of qm (its `scheduler` first on the path, this
interpreter), run alternately with this one's.
Run by hand:  .venv/bin/python -m benchmarks.posters_memory [--baseline OTHER-CHECKOUT]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CONFIGS = ("config.yaml", "examples/heihe-2016/config.yaml")


def rss_mb() -> float:
    with open("/proc/self/status", encoding="ascii") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def cpu_seconds() -> float:
    """User and system time of this process and of its waited-for children (the pool's workers)."""
    me, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + children.ru_utime + children.ru_stime


def child(config: Path, workers: int) -> None:
    """In the measured process: load as `qm build` does, draw everything, print the figures as JSON."""
    from scheduler.cli.context import Context
    from scheduler.cli.poster_cmds import plan_jobs
    from scheduler.cli.screen_build import queue_approval
    from scheduler.poster import batch, fonts
    from scheduler.poster.sizes import resolve
    from scheduler.screens.daily import day_playlists, in_order, slides_of

    ctx = Context(config)
    campaign = ctx.campaign
    jobs = plan_jobs(ctx, campaign.start, campaign.end)
    days = day_playlists(
        campaign,
        ctx.plan,
        ctx.slogans.library,
        in_order(campaign.start, campaign.end, ctx.today()),
        None,
        queue_approval(ctx, campaign.start, campaign.end),
    )
    jobs += slides_of(campaign, days)
    before = rss_mb()
    start, cpu = time.perf_counter(), cpu_seconds()
    with ctx.parsed_layouts():
        made = batch.make_all(campaign, jobs, workers=workers, force=True)
    seconds, cpu = time.perf_counter() - start, cpu_seconds() - cpu
    biggest = max((resolve(j.size, campaign) for j in jobs), key=lambda s: s.width * s.height)
    loaded, kept = fonts.load_font.cache_info().misses, fonts.load_font.cache_info().currsize  # faces at real sizes
    print(
        json.dumps(
            {
                "pictures": len(made.drawn),
                "seconds": seconds,
                "cpu": cpu,
                "before_mb": before,
                "self_peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                "worker_peak_mb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024,
                "faces_loaded": loaded,
                "faces_kept": kept,
                "biggest": f"{biggest.width}x{biggest.height}",
                "biggest_rgb_mb": biggest.width * biggest.height * 3 / 2**20,
            }
        )
    )


def measure(root: Path, config: Path, workers: int) -> dict[str, float]:
    """One fresh process of checkout `root` drawing `config`'s pictures into its own temporary copy."""
    from benchmarks.build import copy_config

    with tempfile.TemporaryDirectory() as tmp:
        copy = copy_config(config, Path(tmp) / "c", root)
        env = {**os.environ, "PYTHONPATH": str(root)}
        out = subprocess.run(
            [sys.executable, str(Path(__file__)), "--child", str(copy), "--workers", str(workers)],
            cwd=root,
            env=env,
            check=True,
            capture_output=True,
            text=True,
        ).stdout
    return json.loads(out.strip().splitlines()[-1])  # type: ignore[no-any-return]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--baseline", type=Path, help="another checkout of qm, measured alternately with this one")
    parser.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child, args.workers)
        return
    checkouts = {"this": ROOT, **({"baseline": args.baseline.resolve()} if args.baseline else {})}
    print(f"load average: {' / '.join(f'{x:.1f}' for x in os.getloadavg())}; {os.cpu_count()} cores")
    for config in CONFIGS:
        for label, root in checkouts.items():
            pool = measure(root, root / config, os.cpu_count() or 1)
            alone = measure(root, root / config, 1)
            print(
                f"{config} [{label}]: {pool['pictures']} pictures; pool of {os.cpu_count()}: largest worker {pool['worker_peak_mb']:.0f} MB "
                f"(forked from {pool['before_mb']:.0f} MB), {pool['seconds']:.1f} s (CPU {pool['cpu']:.1f} s); alone: peak {alone['self_peak_mb']:.0f} MB "
                f"(before drawing {alone['before_mb']:.0f} MB), {alone['faces_loaded']} font faces loaded, {alone['faces_kept']} kept, "
                f"{alone['seconds']:.1f} s (CPU {alone['cpu']:.1f} s); biggest picture {alone['biggest']} ({alone['biggest_rgb_mb']:.0f} MB as RGB)"
            )


if __name__ == "__main__":
    if __package__ in (None, ""):  # run as a file (--child, or --baseline's checkout first on the path)
        sys.path.append(str(ROOT))
    main()
