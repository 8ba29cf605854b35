"""Failover on PostgreSQL with daemon processes: `qm simulate --database … --nodes 3 --kill-active 3`.

Starts a throwaway PostgreSQL server (as the tests do: initdb + pg_ctl from the system's binaries,
on a unix socket in a temporary folder), then runs the whole api-fakes campaign (a month of WeChat,
Weibo and screen posts) through three daemon processes sharing one fake clock, 10 % faults, the
active one killed three times with SIGKILL (once mid-publish, once mid-poll, once idle); then again
with the first kill replaced by a network cut (`--cut`). Prints each run's figures (JSON).

Run by hand:  .venv/bin/python -m benchmarks.failover [--faults 0.1] [--kills 3] [--seed 2016]
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from tests.pg_server import PgServer, binaries

ROOT = Path(__file__).resolve().parent.parent
CONFIG = ROOT / "examples" / "api-fakes" / "config.yaml"


def run(url: str, faults: float, kills: int, seed: int, cut: bool) -> dict[str, object]:
    command = [sys.executable, "-m", "scheduler", "simulate", "-c", str(CONFIG), "--json", "--database", url]
    command += ["--nodes", "3", "--kill-active", str(kills), "--faults", str(faults), "--seed", str(seed)] + (["--cut"] if cut else [])
    done = subprocess.run(command, capture_output=True, text=True, cwd=ROOT, check=False)
    if not done.stdout.strip():
        raise SystemExit(f"qm simulate failed ({done.returncode}): {done.stderr[-2000:]}")
    return {"exit": done.returncode, **json.loads(done.stdout)}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--faults", type=float, default=0.1)
    parser.add_argument("--kills", type=int, default=3)
    parser.add_argument("--seed", type=int, default=2016)
    args = parser.parse_args()
    bindir = binaries()
    if bindir is None:
        raise SystemExit("no PostgreSQL server binaries (Debian: apt-get install postgresql)")
    root = Path(tempfile.mkdtemp(prefix="qm-pg-bench-"))
    server = PgServer(root, bindir)
    server.start()
    try:
        for cut in (False, True):
            name = server.create_database()
            figures = run(server.url(name), args.faults, args.kills, args.seed, cut)
            print(json.dumps({"case": "cut" if cut else "killed", **figures}, ensure_ascii=False), flush=True)
            server.drop_database(name)
    finally:
        server.stop()
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
