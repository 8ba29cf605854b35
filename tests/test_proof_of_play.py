"""Proof of play only from the screen's own player, only for slides qm built, and no more than a wall can show:
real HTTP to the screen server on loopback, real built playlists, the log the work report reads."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import logging
from pathlib import Path
from typing import Any

import pytest

from scheduler.channels.screen.stats import log_file, tally
from scheduler.inputs.campaign import Campaign
from scheduler.inputs.content import Library
from scheduler.planning.planner import Plan
from scheduler.screens.build import Built
from scheduler.support import http_client
from tests.screen_helpers import LAUNCH, build_into, exchange, local, player_cookie, playlist, report, serving, small_screen
from tests.web_helpers import console_server
from tests.web_helpers import local as web_local

TZ = dt.timezone(dt.timedelta(hours=8))


@pytest.fixture
def campaign(heihe: Campaign, tmp_path: Path) -> Campaign:
    return small_screen(local(heihe, tmp_path))


def _slides(built: Built) -> list[dict[str, Any]]:
    return list(json.loads((built.folder / "playlist.json").read_text(encoding="utf-8"))["slides"])


def _entry(built: Built, order: int, shown_at: str, **changed: Any) -> dict[str, Any]:
    """What the player page reports for slide `order` of `built`."""
    slide = _slides(built)[order - 1]
    entry = {"version": built.version, "order": order, "file": slide["file"], "item": slide["item"], "post": slide["post"]}
    return {**entry, "duration": slide["duration"], "shown_at": shown_at, **changed}


def _body(*entries: dict[str, Any]) -> bytes:
    return json.dumps({"shown": list(entries)}).encode()


def _logged(campaign: Campaign) -> list[dict[str, Any]]:
    path = log_file(campaign.paths.state, "center")
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()] if path.exists() else []


def test_a_forged_report_is_refused_and_nothing_reaches_the_log_the_status_or_the_report(
    campaign: Campaign, heihe_plan: Plan, library: Library
) -> None:
    built = build_into(campaign, playlist(campaign, heihe_plan, library))
    forged = {"version": "v-forged", "order": 1, "file": "slides/x.png", "duration": 10**300, "shown_at": "2027-09-17T10:00:00+08:00"}
    with serving(campaign) as server:
        # what any web page a staff member opens could send: a simple cross-site request, no cookie
        assert report(server, _body(forged), kind="text/plain")[0] == 415
        assert report(server, _body(_entry(built, 1, "2016-09-08T07:00:05+08:00")))[0] == 403  # JSON, but not from the page
        cookie = player_cookie(server)
        assert report(server, _body(forged), cookie, kind="text/plain;charset=UTF-8")[0] == 415
        too_large = _body(*[_entry(built, 1, "2016-09-08T07:00:05+08:00")] * 600)
        assert len(too_large) > 64 * 1024 and report(server, too_large, cookie)[0] == 413

        # with the page's token, each entry must still be a slide qm built, shown at a time it could have been
        status, answer = report(
            server,
            _body(
                forged,
                _entry(built, 1, "2016-09-08T07:00:05+08:00", duration=10**300),
                _entry(built, 1, "2016-09-08T07:00:05+08:00", file="slides/other.png"),
                {**_entry(built, 1, "2016-09-08T07:00:05+08:00"), "order": 99},
                _entry(built, 2, "2016-09-09T10:00:00+08:00"),  # the next day: not in this playlist's on-hours
                _entry(built, 2, "2016-09-08T06:30:00+08:00"),  # before the wall switched on
            ),
            cookie,
        )
        refused = json.loads(answer)
        assert status == 200 and refused["recorded"] == 0 and len(refused["refused"]) == 6, refused
        assert "v-forged" in refused["refused"][0] and "duration" in refused["refused"][1] and "file" in refused["refused"][2]
        assert "开屏时段" in refused["refused"][4] and "开屏时段" in refused["refused"][5]
        assert _logged(campaign) == []
        current = json.loads(exchange(server, "GET", "/status")[2])["screens"]["center"]["current"]
        assert current is None

        # the player's own report goes through, written with the playlist's words for the slide
        assert report(server, _body(_entry(built, 2, "2016-09-07T23:00:07Z")), cookie)[0] == 204
    logged = _logged(campaign)
    assert [(r["version"], r["order"], r["duration"], r["shown_at"]) for r in logged] == [
        (built.version, 2, _slides(built)[1]["duration"], "2016-09-08T07:00:07.000+08:00")
    ]
    plays = tally(log_file(campaign.paths.state, "center").read_text(encoding="utf-8").splitlines(), TZ)
    assert plays.days[LAUNCH].plays == 1 and plays.bad_lines == 0


def test_a_player_on_a_dual_stack_listener_is_logged_by_its_ipv4_address(campaign: Campaign, heihe_plan: Plan, library: Library) -> None:
    """`--host ::` sees an IPv4 player as ::ffff:127.0.0.1: the log names it as the console's pages do (127.0.0.1)."""
    built = build_into(campaign, playlist(campaign, heihe_plan, library))
    with serving(campaign, host="::") as server:
        assert report(server, _body(_entry(built, 2, "2016-09-08T07:00:07+08:00")), player_cookie(server))[0] == 204
    assert [r["player"] for r in _logged(campaign)] == ["127.0.0.1"]


def test_a_report_from_a_clock_ahead_of_the_servers_is_refused(campaign: Campaign, heihe_plan: Plan, library: Library) -> None:
    """A playlist on the air now (its hours moved around the present): a time well after now is refused."""
    now = dt.datetime.now(TZ).replace(microsecond=0)
    made = playlist(campaign, heihe_plan, library)
    built = build_into(campaign, dataclasses.replace(made, valid_from=now - dt.timedelta(hours=2), valid_to=now + dt.timedelta(hours=2)))
    with serving(campaign) as server:
        cookie = player_cookie(server)
        status, answer = report(server, _body(_entry(built, 1, (now + dt.timedelta(minutes=30)).isoformat())), cookie)
        assert status == 200 and "比服务器的时间晚" in json.loads(answer)["refused"][0]
        assert report(server, _body(_entry(built, 1, (now - dt.timedelta(minutes=1)).isoformat())), cookie)[0] == 204
    assert len(_logged(campaign)) == 1


def test_a_report_sent_again_is_written_once_and_a_day_holds_no_more_than_its_on_hours(
    campaign: Campaign, heihe_plan: Plan, library: Library
) -> None:
    """Wall on for one minute: slides of 10 s fit 6 times (and a tenth more); the rest is refused, also after a restart."""
    made = playlist(campaign, heihe_plan, library, seconds=10)
    opens = made.valid_from
    built = build_into(campaign, dataclasses.replace(made, valid_to=opens + dt.timedelta(minutes=1)))
    at = [(opens + dt.timedelta(seconds=10 * n)).isoformat() for n in range(8)]
    warned = _Kept()  # on the screens' own logger: the root's handlers are not this test's to rely on (workers share them)
    screens_log = logging.getLogger("qm.screens")
    screens_log.addHandler(warned)
    screens_log.setLevel(logging.WARNING)  # nor the root's level: a command run earlier in the worker may have raised it
    with serving(campaign) as server:
        cookie = player_cookie(server)
        first = _body(*[_entry(built, 1 + n % 3, at[n]) for n in range(4)])
        assert report(server, first, cookie)[0] == 204
        assert report(server, first, cookie)[0] == 204  # the player did not hear the answer and sends it again
        assert len(_logged(campaign)) == 4
        status, answer = report(server, _body(*[_entry(built, 1 + n % 3, at[n]) for n in range(4, 8)]), cookie)
        refused = json.loads(answer)
        assert status == 200 and refused["recorded"] == 2 and all("超过开屏时长" in r for r in refused["refused"]), refused
    assert len(_logged(campaign)) == 6
    screens_log.removeHandler(warned)
    screens_log.setLevel(logging.NOTSET)
    assert [r.getMessage() for r in warned.records].count("proof_of_play_full") == 1, warned.records

    with serving(campaign) as again:  # a restart: the same token, and what the log holds still counts
        status, answer = report(again, _body(_entry(built, 1, (opens + dt.timedelta(seconds=55)).isoformat())), cookie)
        assert status == 200 and json.loads(answer)["recorded"] == 0
        assert report(again, b'{"shown": []}', cookie)[0] == 400
    assert len(_logged(campaign)) == 6


class _Kept(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


def test_the_token_belongs_to_one_screen(campaign: Campaign) -> None:
    plaza = dataclasses.replace(campaign.screens[0], id="plaza", name="screen:plaza")
    two = dataclasses.replace(campaign, channels=(*campaign.channels, plaza))
    with serving(two) as server:
        assert report(server, b'{"shown": []}', player_cookie(server, "plaza"))[0] == 403
        assert report(server, b'{"shown": []}', player_cookie(server, "plaza"), screen="plaza")[0] == 400  # past the token: empty


def test_the_key_the_tokens_are_made_with_is_readable_by_its_owner_alone(campaign: Campaign) -> None:
    """Whoever reads the key makes every screen's token: another account on the machine could send reports."""
    import os

    from scheduler.screens.player_key import key_file, player_token

    was = os.umask(0o022)  # the usual umask, under which a file is made readable by everyone
    try:
        player_token(campaign.paths.state, "center")
    finally:
        os.umask(was)
    key = key_file(campaign.paths.state)
    assert key.stat().st_mode & 0o077 == 0
    key.chmod(0o644)  # as an earlier qm made it: its owner's alone once read again
    player_token(campaign.paths.state, "center")
    assert key.stat().st_mode & 0o077 == 0


def test_the_console_serves_the_players_with_the_same_checks(heihe: Campaign, tmp_path: Path) -> None:
    """`qm web` serves the same player pages: a report needs the page's token there too."""
    with console_server(web_local(heihe, tmp_path)) as r, http_client.client(base_url=r.url, timeout=10) as c:
        body = _body({"version": "v-forged", "order": 1, "shown_at": "2016-09-08T08:00:00+08:00"})
        assert c.post("/screen/center/played", content=body, headers={"content-type": "text/plain"}).status_code == 415
        assert c.post("/screen/center/played", content=body, headers={"content-type": "application/json"}).status_code == 403
        assert c.get("/screen/center/").status_code == 200 and c.cookies.get("qm_player")
        answer = c.post("/screen/center/played", content=body, headers={"content-type": "application/json"})
        assert answer.status_code == 200 and answer.json()["recorded"] == 0
