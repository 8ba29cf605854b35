"""Text stored from outside (a name typed on the login page, a reason an editor wrote) cannot drive the
terminal that prints it: a reason with a control character or an invisible one is refused, in the console
and on the command line, and what is already stored is printed with its control characters escaped by
`qm user unlock`, `qm history`, `qm queue` and `qm status`."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from scheduler.inputs.campaign import Campaign
from scheduler.inputs.config import load_campaign
from scheduler.publishing import states as st
from scheduler.publishing.db import open_db
from scheduler.publishing.queue import Queue
from scheduler.publishing.tables import pauses
from scheduler.support import http_client
from scheduler.views import columns
from tests.conftest import run_qm
from tests.test_web_unlock import config_in
from tests.web_helpers import console_server, http_login, local

# Write the clipboard (OSC 52), clear the screen, then a forged line; hide what follows
ESCAPES = "\x1b]52;c;Y3VybCBldmlsIHwgc2g=\x07\x1b[2J\x1b[H现在没有锁定的用户名或地址。\x1b[8m"
SHOWN = "\\x1b]52;c;Y3VybCBldmlsIHwgc2g=\\x07\\x1b[2J\\x1b[H现在没有锁定的用户名或地址。\\x1b[8m"


def raw(text: str) -> bool:
    """Whether `text` carries a control character other than the line breaks between its lines."""
    return any((ord(c) < 32 and c != "\n") or 0x7F <= ord(c) <= 0x9F for c in text)


def test_a_login_name_with_terminal_escapes_is_listed_escaped_by_qm_user_unlock(tmp_path: Path) -> None:
    config = config_in(tmp_path)
    campaign: Campaign = local(load_campaign(config), tmp_path)
    with console_server(campaign) as r, http_client.client(base_url=r.url, follow_redirects=False, timeout=10) as c:
        codes = [http_login(c, ESCAPES, f"guess-{n}").status_code for n in range(6)]
    assert codes[-1] == 429  # the name is locked
    listed = run_qm("user", "unlock", "-c", config)
    assert listed.returncode == 0 and not raw(listed.stdout), repr(listed.stdout)
    first_40 = SHOWN.split("定的用户名")[0]  # a name is throttled by its first 40 characters (no account's is longer)
    assert f"  {first_40}  还要" in listed.stdout, listed.stdout
    mistyped = run_qm("user", "unlock", "--address", "not\x1b[2Jan-address", "-c", config)
    assert mistyped.returncode == 2 and not raw(mistyped.stderr) and "not\\x1b[2Jan-address 不是 IP 地址" in mistyped.stderr


def test_stored_reasons_and_names_are_printed_escaped_and_new_ones_refused(project: Callable[..., Path]) -> None:
    """An older qm stored what it was given: the history, the queue and the status print it escaped; qm reject,
    cancel and pause refuse such a reason now."""
    config = project()
    assert run_qm("queue", "-c", config).returncode == 0
    engine = open_db(f"sqlite:///{config.parent / '.qm' / 'qm.sqlite3'}")
    queue = Queue(engine)
    post = queue.find([st.PLANNED])[0].id
    assert queue.move(post, st.CANCELLED, "编辑" + ESCAPES, "活动改期" + ESCAPES, 1.0e9)
    with engine.begin() as conn:
        conn.execute(pauses.insert().values(channel="*", reason="哀悼日" + ESCAPES, who="主任\x1b[2J", at=1.0e9))
    engine.dispose()
    for command in (("history",), ("queue",), ("status",)):
        shown = run_qm(*command, "-c", config)
        assert shown.returncode == 0 and not raw(shown.stdout), (command, repr(shown.stdout))
        assert SHOWN in shown.stdout, (command, shown.stdout)
    other = run_qm("queue", "--state", "待审核", "-c", config).stdout.splitlines()[1].split()[2]
    for command in (("reject", other, "--reason"), ("cancel", other, "--reason"), ("pause", "--reason")):
        refused = run_qm(*command, "措辞" + ESCAPES, "-c", config)
        assert refused.returncode == 2 and "原因里有看不见的字符 U+001B（控制字符）" in refused.stderr, (command, refused.stderr)
        assert "Traceback" not in refused.stderr and not raw(refused.stderr)


def test_a_reason_typed_over_several_lines_is_printed_back_as_the_one_line_stored(project: Callable[..., Path]) -> None:
    """`qm reject` and `qm pause` store the lines typed as one reason: what they print is that line, as the history
    and the status show it."""
    config = project()
    post = next(p["id"] for p in json.loads(run_qm("queue", "--json", "-c", config).stdout) if p["state"] == st.PLANNED)
    rejected = run_qm("reject", post, "--reason", "标题有错字\n  摘要太长", "-c", config)
    assert rejected.returncode == 0 and rejected.stdout.startswith(f"已退回 {post}：标题有错字 摘要太长\n"), rejected.stdout
    paused = run_qm("pause", "--reason", "国家\n哀悼日", "-c", config)
    assert paused.returncode == 0 and paused.stdout == "已暂停全部渠道：国家 哀悼日。恢复：qm resume\n", paused.stdout


def test_the_history_lines_its_columns_up(project: Callable[..., Path]) -> None:
    """qm history: each column starts at the same place on every line, whatever the length of the post's id
    (20270908-wechat-2000, 20270908-screen-station-0630-1) or of the state it left (（新建）, 待审核)."""
    config = project()
    assert run_qm("queue", "-c", config).returncode == 0
    engine = open_db(f"sqlite:///{config.parent / '.qm' / 'qm.sqlite3'}")
    queue = Queue(engine)
    post = queue.find([st.PLANNED])[0].id
    assert queue.move(post, st.CANCELLED, "编辑", "活动改期", 2.0e9)
    engine.dispose()
    shown = run_qm("history", "--limit", "200", "-c", config)
    assert shown.returncode == 0, shown.stderr
    lines = shown.stdout.splitlines()
    assert len({len(line.split()[2]) for line in lines}) > 1  # ids of several lengths
    arrows = {columns.width(line[: line.index("→")]) for line in lines}
    who = {columns.width(line[: line.index("→") + line[line.index("→") :].index("  ")]) for line in lines}
    assert len(arrows) == 1 and len(who) == 1, lines[:5]
