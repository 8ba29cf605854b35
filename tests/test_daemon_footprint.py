"""What the long-running daemon process loads: only what it runs.

The daemon runs for a month, so whatever it imports it keeps. Posters and screen slides are drawn by a
short-lived child process (see `runtime/work_ahead.py`), so the daemon itself never needs Pillow, the
QR encoder or the drawing modules; with outbox channels and no notifier address set, no HTTP client.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
from pathlib import Path

from benchmarks.daemon import TZ, make_project

from .conftest import ROOT

# Loaded only by the drawing child (or, for the HTTP client, by an API channel or a notifier with an address).
NOT_IN_THE_DAEMON = ("PIL", "segno", "scheduler.poster.draw", "scheduler.poster.make", "scheduler.poster.batch", "httpx")

# The real `qm daemon` in a fresh process. A watcher thread waits until the start-up's work ahead is done
# (the screens' playlists built by the drawing child), notes the loaded modules, then stops the daemon
# as `kill` would.
PROBE = """
import json, os, signal, sys, threading, time
from pathlib import Path
from scheduler.cli.main import main

REAL_CLOCK = True  # its daemons run on the real time: no rehearsal clock (conftest)

def watch():
    log, deadline = Path(".qm/qm.log"), time.monotonic() + 100
    while time.monotonic() < deadline and "event=screen_playlist" not in (log.read_text(encoding="utf-8") if log.exists() else ""):
        time.sleep(0.1)
    Path("modules.json").write_text(json.dumps(sorted(sys.modules)))
    os.kill(os.getpid(), signal.SIGTERM)

threading.Thread(target=watch, daemon=True).start()
sys.exit(main(["-c", "config.yaml", "daemon"]))
"""


def test_the_daemon_process_loads_no_drawing_code_and_no_unused_http_client(tmp_path: Path) -> None:
    now = dt.datetime.now(TZ)
    slot = (now + dt.timedelta(hours=3)).replace(second=0, microsecond=0)  # nothing publishes meanwhile
    # The campaign runs today whatever the hour: a slot past midnight must not move its start to
    # tomorrow, when no screen has a playlist due before the screens' on-hours end.
    make_project(tmp_path, slot, start=now.date())
    env = {k: v for k, v in os.environ.items() if not k.startswith("QM_")} | {"PYTHONPATH": str(ROOT)}
    run = subprocess.run([sys.executable, "-c", PROBE], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=150)
    assert run.returncode == 0, run.stderr
    assert "event=screen_playlist" in run.stderr and "event=stopped" in run.stderr, run.stderr
    assert list((tmp_path / ".qm" / "screens").glob("*/current/slides/*.png"))  # the child drew the slides
    loaded = set(json.loads((tmp_path / "modules.json").read_text()))
    assert "scheduler.runtime.work_ahead" in loaded  # the daemon did hand work over
    assert [m for m in NOT_IN_THE_DAEMON if m in loaded] == []
