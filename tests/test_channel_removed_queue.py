"""A channel taken out of config.yaml: the next refresh of the queue (`qm queue`) cancels its posts not yet out,
saying the channel was removed (as the daemon says of one it meets before a refresh), not that the plan was
adjusted; put back, the channel's posts come back. The real command line on the bundled campaign's SQLite queue,
on the rehearsal clock (QM_NOW) so the date the test runs does not matter."""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable
from pathlib import Path

from .conftest import run_qm

NOW = {**os.environ, "QM_NOW": "2027-09-03T08:00:00+08:00"}
STATION = re.compile(r"\n    - id: station\n(      .*\n)+")


def _qm(config: Path, *args: str) -> str:
    done = run_qm(*args, "-c", config, env=NOW)
    assert done.returncode == 0, done.stderr
    return done.stdout


def _states(config: Path) -> dict[str, str]:
    return {p["id"]: p["state"] for p in json.loads(_qm(config, "queue", "--json"))}


def test_the_posts_of_a_channel_removed_are_cancelled_saying_so_and_come_back_with_it(project: Callable[..., Path]) -> None:
    config = project()
    whole = config.read_text(encoding="utf-8")
    first = _states(config)
    station = sorted(i for i in first if "-screen-station-" in i)  # 20270903-screen-station-0630-1 …
    assert station
    config.write_text(STATION.sub("\n", whole, count=1), encoding="utf-8")
    states = _states(config)
    assert {i: states[i] for i in station} == dict.fromkeys(station, "cancelled")
    history = json.loads(_qm(config, "history", station[-1], "--json"))
    assert history[-1]["why"] == "渠道 screen:station 已从 config.yaml 删除，这条内容不再发布", history
    assert all(s != "cancelled" for i, s in states.items() if i not in station)  # the other channels' posts stay

    config.write_text(whole, encoding="utf-8")
    assert {i: s for i, s in _states(config).items() if i in station} == {i: first[i] for i in station}
