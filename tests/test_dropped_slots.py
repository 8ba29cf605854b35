"""A slot the plan drops (a time, a day's number of posts or the launch day changed in the config) comes back
when the change is undone: its post waits for review again, or is approved again, and no post is lost while
`qm plan` still lists it. A person's cancel stays; the staff member whose change cancelled approved posts is
told which, and so are reviewers (the daemon's notice). The real command line on the bundled campaign's SQLite
queue, on the rehearsal clock."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from .conftest import run_qm

TIME = ('"20:00"', '"20:30"')  # the WeChat time, and its launch pin's
PER_DAY = ("      items_per_day: 2\n      launch_extra", "      items_per_day: 1\n      launch_extra")  # the centre screen
LAUNCH = ("launch: 2027-09-08 ", "launch: 2027-09-10 ")


def _edit(config: Path, old: str, new: str) -> None:
    text = config.read_text(encoding="utf-8")
    assert old in text, old
    config.write_text(text.replace(old, new), encoding="utf-8")


def _queue(config: Path, *args: str) -> str:
    done = run_qm("queue", "-c", config, *args)
    assert done.returncode == 0, done.stderr
    return done.stdout


def _states(config: Path) -> dict[str, str]:
    return {p["id"]: p["state"] for p in json.loads(_queue(config, "--json"))}


def _history(config: Path, post_id: str) -> str:
    done = run_qm("history", post_id, "-c", config)
    assert done.returncode == 0, done.stderr
    return done.stdout


@pytest.mark.parametrize("change", [TIME, PER_DAY, LAUNCH], ids=["time", "items_per_day", "launch"])
def test_a_config_change_undone_brings_every_post_it_cancelled_back(project: Callable[..., Path], change: tuple[str, str]) -> None:
    config = project()
    first = _states(config)
    assert set(first.values()) == {"planned"}
    _edit(config, *change)
    moved = _states(config)
    dropped = {i for i in first if moved[i] == "cancelled"}
    assert dropped  # the change took slots away
    _edit(config, change[1], change[0])
    back = _states(config)
    assert {i: s for i, s in back.items() if s != "cancelled"} == first  # every post of the plan is in the queue again
    assert {i for i, s in back.items() if s == "cancelled"} == set(back) - set(first)  # only the slots the change added
    assert all("排期：排期恢复了这个时段，" in _history(config, i).splitlines()[-1] for i in sorted(dropped)[:3])


def test_an_approved_post_whose_slot_comes_back_is_approved_again_and_a_persons_cancel_stays(project: Callable[..., Path]) -> None:
    config = project()
    approved, cancelled = "20270903-wechat-2000", "20270905-wechat-2000"
    _queue(config)
    assert run_qm("approve", approved, "--by", "张科长", "-c", config).returncode == 0
    assert run_qm("cancel", cancelled, "--reason", "这天另有安排", "--by", "张科长", "-c", config).returncode == 0
    rejected = "20270907-wechat-2000"
    assert run_qm("reject", rejected, "--reason", "标题太长", "--by", "张科长", "-c", config).returncode == 0
    _edit(config, *TIME)
    told = _queue(config).splitlines()[-1]
    assert told.startswith("注意：这次刷新按调整后的排期取消了 1 条已审核的内容") and f"审核也随之失效：{approved}。" in told
    assert "取消了" not in _queue(config)  # told once: the next refresh cancels nothing approved
    assert "  【已审核的内容被取消】1 条，" in run_qm("status", "-c", config).stdout  # and recorded once for reviewers' robot
    _edit(config, TIME[1], TIME[0])
    states = _states(config)
    assert states[approved] == "approved"
    assert states[cancelled] == "cancelled"
    assert states[rejected] == "rejected"  # the same words: still rejected, as a person said
    history = _history(config, cancelled)
    assert "已取消  张科长：这天另有安排" in history and "排期恢复" not in history
    assert "排期：排期恢复了这个时段，内容与取消前相同，恢复为已审核" in _history(config, approved).splitlines()[-1]
    row = next(line for line in _queue(config, "--date", "2027-09-03").splitlines() if approved in line)
    assert row.split()[-2:] == ["已审核", "张科长"]
