"""Screens: daily playlists, atomic builds, the player's server, proof of play, Anthias, the commands."""

from __future__ import annotations

import dataclasses
import datetime as dt
import http.client
import json
import os
import socket
import threading
from pathlib import Path

import pytest
from PIL import Image

from scheduler.fakes.anthias import FakeAnthias
from scheduler.inputs.campaign import Campaign
from scheduler.inputs.content import Library
from scheduler.planning.planner import Plan
from scheduler.screens import anthias
from scheduler.screens.build import CURRENT, current_folder, screens_root
from scheduler.screens.daily import approval, day_for, due_playlists, everything
from scheduler.screens.playlist import is_on, make_playlist
from scheduler.screens.serve import ScreenServer
from scheduler.support.errors import InputError
from tests.conftest import HEIHE, run_qm
from tests.screen_helpers import LAUNCH, build_into, local, player_cookie, playlist, report, serving, small_screen
from tests.test_orphans import children

TZ = dt.timezone(dt.timedelta(hours=8))


@pytest.fixture
def campaign(heihe: Campaign, tmp_path: Path) -> Campaign:
    return small_screen(local(heihe, tmp_path))


# -- playlists ---------------------------------------------------------------------------------------


def test_launch_day_playlist_starts_with_launch_specials_then_theme_then_items_between_slogans(
    heihe: Campaign, heihe_plan: Plan, library: Library
) -> None:
    screen = heihe.screens[0]
    made = make_playlist(heihe, screen, list(heihe_plan.posts), library, LAUNCH)
    kinds = [s.kind for s in made.slides]
    # Launch day's screen slots take launch items whose wording fits the whole day on the wall (no
    # invitation left up after the event starts); the other featured items alternate with slogans.
    launch = [p for p in heihe_plan.on(LAUNCH) if p.channel == screen.name and p.reason == "launch"]
    n = len(launch)
    assert n >= 1 and all(p.item.phase == "" for p in launch)
    assert kinds == ["launch"] * n + ["theme"] + ["featured", "slogan"] * (screen.per_slot + screen.launch_extra - n)
    assert all(s.text.topic == "launch" and s.layout == "launch" and s.seconds == 2 * screen.slide_seconds for s in made.slides[:n])
    assert made.slides[n].text.title == heihe.theme
    planned = {p.item.id for p in heihe_plan.on(LAUNCH) if p.channel == screen.name}
    assert {s.text.id for s in made.slides if s.kind in ("launch", "featured")} == planned
    assert made.valid_from == dt.datetime(2016, 9, 8, 7, 0, tzinfo=TZ)
    assert made.valid_to == dt.datetime(2016, 9, 8, 21, 30, tzinfo=TZ)


def test_ordinary_days_have_no_launch_slides_and_slogans_change_from_day_to_day(
    heihe: Campaign, heihe_plan: Plan, library: Library
) -> None:
    screen = heihe.screens[0]
    day1, day2 = (make_playlist(heihe, screen, list(heihe_plan.posts), library, dt.date(2016, 9, d)) for d in (2, 3))
    assert "launch" not in {s.kind for s in day1.slides}
    slogans = [{s.text.id for s in p.slides if s.kind == "slogan"} for p in (day1, day2)]
    assert slogans[0] and slogans[0] != slogans[1]
    assert all(s.text.title != heihe.theme for p in (day1, day2) for s in p.slides if s.kind == "slogan")
    assert day1.version != day2.version


def test_version_follows_the_words_on_the_slides(heihe: Campaign, heihe_plan: Plan, library: Library) -> None:
    made = make_playlist(heihe, heihe.screens[0], list(heihe_plan.posts), library, LAUNCH)
    again = make_playlist(heihe, heihe.screens[0], list(heihe_plan.posts), library, LAUNCH)
    assert made.version == again.version
    edited = dataclasses.replace(made.slides[4], text=dataclasses.replace(made.slides[4].text, line="改过的一句话"))
    assert dataclasses.replace(made, slides=(*made.slides[:4], edited, *made.slides[5:])).version != made.version


@pytest.mark.parametrize(
    ("clock", "on"),
    [
        ("06:59:59", False),
        ("07:00:00", True),
        ("12:00:00", True),
        ("21:29:59", True),
        ("21:30:00", False),
        ("23:59:59", False),
        ("00:00:00", False),
    ],
)
def test_on_hours_include_the_start_and_exclude_the_end(heihe: Campaign, clock: str, on: bool) -> None:
    now = dt.datetime.fromisoformat(f"2016-09-08T{clock}+08:00")
    assert is_on(heihe, heihe.screens[0], now) is on


def test_the_daemon_prepares_today_until_on_hours_end_then_tomorrow(heihe: Campaign) -> None:
    screen = heihe.screens[0]
    assert day_for(heihe, screen, dt.datetime.fromisoformat("2016-09-08T06:50+08:00")) == LAUNCH
    assert day_for(heihe, screen, dt.datetime.fromisoformat("2016-09-08T21:29:59+08:00")) == LAUNCH
    assert day_for(heihe, screen, dt.datetime.fromisoformat("2016-09-08T21:30+08:00")) == dt.date(2016, 9, 9)
    assert day_for(heihe, screen, dt.datetime.fromisoformat("2016-09-07T23:00:00+00:00")) == LAUNCH  # 07:00 in Heihe


# -- builds ------------------------------------------------------------------------------------------


def test_build_writes_slides_at_the_exact_size_a_playlist_and_an_m3u(campaign: Campaign, heihe_plan: Plan, library: Library) -> None:
    built = build_into(campaign, playlist(campaign, heihe_plan, library))
    doc = json.loads((built.folder / "playlist.json").read_text(encoding="utf-8"))
    assert doc["version"] == built.version and doc["date"] == "2016-09-08"
    assert doc["valid_from"] == "2016-09-08T07:00:00+08:00" and doc["valid_to"] == "2016-09-08T21:30:00+08:00"
    assert [s["order"] for s in doc["slides"]] == list(range(1, len(doc["slides"]) + 1))
    for slide in doc["slides"]:
        assert Image.open(built.folder / slide["file"]).size == (960, 540)
    m3u = (built.folder / "playlist.m3u").read_text(encoding="utf-8").splitlines()
    assert m3u[0] == "#EXTM3U"
    assert [line for line in m3u if not line.startswith("#")] == [s["file"] for s in doc["slides"]]
    assert f"#EXTINF:{doc['slides'][0]['duration']},{doc['slides'][0]['title']}" in m3u
    assert current_folder(screens_root(campaign), "center") == built.folder.resolve()


def test_rebuilding_unchanged_content_changes_nothing_and_old_versions_are_pruned(
    campaign: Campaign, heihe_plan: Plan, library: Library
) -> None:
    first = build_into(campaign, playlist(campaign, heihe_plan, library, seconds=3))
    assert not build_into(campaign, playlist(campaign, heihe_plan, library, seconds=3)).changed
    second = build_into(campaign, playlist(campaign, heihe_plan, library, seconds=4))
    third = build_into(campaign, playlist(campaign, heihe_plan, library, seconds=5))
    assert len({first.version, second.version, third.version}) == 3
    folders = sorted(p.name for p in (screens_root(campaign) / "center").iterdir() if not p.name.startswith("."))
    assert folders == sorted([CURRENT, second.version, third.version])  # current and the previous one, for readers mid-read


def test_a_reader_polling_during_rebuilds_never_sees_a_partial_playlist(campaign: Campaign, heihe_plan: Plan, library: Library) -> None:
    variants = [playlist(campaign, heihe_plan, library, seconds=s, count=c) for s, c in ((3, 7), (4, 3), (5, 5))]
    build_into(campaign, variants[0])
    link = screens_root(campaign) / "center" / CURRENT
    stop, problems, reads, builds = threading.Event(), [], [0], [0]

    def reader() -> None:
        while not stop.is_set():
            started = builds[0]
            folder = Path(os.path.realpath(link))
            try:
                doc = json.loads((folder / "playlist.json").read_text(encoding="utf-8"))
                missing = [s["file"] for s in doc["slides"] if not (folder / s["file"]).is_file()]
            except FileNotFoundError:
                continue  # lapped: two whole builds finished while this read was under way (the folder was pruned)
            except ValueError as exc:
                problems.append(f"unreadable playlist: {exc}")
                continue
            if missing and builds[0] == started:  # else lapped: the build that ended meanwhile may have pruned the folder
                problems.append(f"{folder.name} lists missing files {missing}")
            reads[0] += 1

    thread = threading.Thread(target=reader)
    thread.start()
    try:
        for n in range(60):
            build_into(campaign, variants[n % 3])
            builds[0] += 1  # counted after its pruning: a reader that began before it may find its folder gone
    finally:
        stop.set()
        thread.join()
    assert problems == []
    assert reads[0] > 60
    assert not [p for p in (screens_root(campaign) / "center").iterdir() if p.name.startswith(".build-")]


def test_the_daemon_builds_each_screen_for_its_coming_on_hours_and_not_outside_the_campaign(
    campaign: Campaign, heihe_plan: Plan, library: Library
) -> None:
    due = due_playlists(campaign, heihe_plan, library, dt.datetime.fromisoformat("2016-09-07T21:45+08:00"), everything)
    assert [p.day for p in due] == [LAUNCH]  # after today's on-hours: tomorrow's list
    assert due_playlists(campaign, heihe_plan, library, dt.datetime.fromisoformat("2016-09-30T22:00+08:00"), everything) == []


# -- the server --------------------------------------------------------------------------------------


def _get(server: ScreenServer, path: str) -> tuple[int, bytes, http.client.HTTPResponse]:
    host, port = server.address
    conn = http.client.HTTPConnection(str(host), port, timeout=5)
    conn.putrequest("GET", path, skip_accept_encoding=True)  # sent exactly as written, no normalising
    conn.endheaders()
    response = conn.getresponse()
    body = response.read()
    conn.close()
    return response.status, body, response


def _post(server: ScreenServer, path: str, body: bytes) -> int:
    """A report sent as the screen's own player page sends it (JSON, with the page's cookie)."""
    screen = path.split("/")[2]
    cookie = player_cookie(server) if screen != "nope" else ""
    return report(server, body, cookie, screen=screen)[0]


@pytest.fixture
def served(campaign: Campaign, heihe_plan: Plan, library: Library):  # type: ignore[no-untyped-def]
    built = build_into(campaign, playlist(campaign, heihe_plan, library))
    (campaign.paths.state / "secret.txt").write_text("not for the screens", encoding="utf-8")
    (built.folder / "slides" / "escape.png").symlink_to(campaign.paths.state / "secret.txt")
    with serving(campaign) as server:
        yield server, built


def test_the_server_serves_the_player_page_the_playlist_and_slides(served) -> None:  # type: ignore[no-untyped-def]
    server, built = served
    status, page, _ = _get(server, "/screen/center/")
    assert status == 200 and b'"width": 960' in page and "电子屏播放".encode() in page
    status, body, response = _get(server, "/screen/center/current/playlist.json")
    assert status == 200 and json.loads(body)["version"] == built.version
    assert response.getheader("Cache-Control") == "no-store"
    first = json.loads(body)["slides"][0]["file"]
    status, png, response = _get(server, f"/screen/center/{built.version}/{first}")
    assert status == 200 and png.startswith(b"\x89PNG") and "immutable" in response.getheader("Cache-Control", "")
    assert _get(server, "/screen/center")[0] == 301


@pytest.mark.parametrize(
    "path",
    [
        "/screen/center/../../secret.txt",
        "/screen/center/current/../../../secret.txt",
        "/screen/center/%2e%2e/%2e%2e/secret.txt",
        "/screen/center/current/..%2f..%2f..%2fsecret.txt",
        "/screen/..%2f..%2fsecret.txt",
        "/screen/center/%2fetc%2fpasswd",
        "/screen/center//etc/passwd",
        "/screen/center/.lock",
        "/screen/center/current/slides/escape.png",
        "/screen/nope/current/playlist.json",
        "/etc/passwd",
        "/../secret.txt",
        "/screen/center/current/slides/..%5c..%5c..%5csecret.txt",
        "/screen/center/current/playlist.json%00.png",
    ],
)
def test_path_traversal_attempts_get_404(served, path: str) -> None:  # type: ignore[no-untyped-def]
    server, _ = served
    status, body, _ = _get(server, path)
    assert status == 404, body
    assert b"not for the screens" not in body


def test_proof_of_play_is_logged_as_json_lines_and_shows_in_status(served, campaign: Campaign) -> None:  # type: ignore[no-untyped-def]
    server, built = served
    slides = json.loads((built.folder / "playlist.json").read_text(encoding="utf-8"))["slides"]
    shown = [
        {
            "version": built.version,
            "order": n,
            "file": slides[n - 1]["file"],
            "shown_at": f"2016-09-07T23:00:{n:02d}Z",
            "duration": slides[n - 1]["duration"],
        }
        for n in (1, 2)
    ]
    assert _post(server, "/screen/center/played", json.dumps({"shown": shown}).encode()) == 204
    assert _post(server, "/screen/center/played", b"{not json") == 400
    assert _post(server, "/screen/center/played", json.dumps({"shown": [{"order": "x"}]}).encode()) == 400
    assert _post(server, "/screen/nope/played", json.dumps({"shown": shown}).encode()) == 404
    lines = (campaign.paths.state / "proof-of-play" / "center.jsonl").read_text(encoding="utf-8").splitlines()
    records = [json.loads(line) for line in lines]
    assert [(r["screen"], r["order"], r["version"], r["shown_at"]) for r in records] == [
        ("center", 1, built.version, "2016-09-08T07:00:01.000+08:00"),
        ("center", 2, built.version, "2016-09-08T07:00:02.000+08:00"),
    ]
    assert all(r["player"] == "127.0.0.1" and r["received_at"] for r in records)
    status = json.loads(_get(server, "/status")[1])["screens"]["center"]
    assert status["playlist"]["version"] == built.version
    assert status["current"]["order"] == 2 and status["current"]["version"] == built.version
    assert "正在播放第 2 张" in status["message"]
    assert status["playlist"]["today"] is False  # a 2016 playlist, served today
    assert "播放列表是 2016-09-08 的，不是今天的" in status["message"]


def test_a_port_in_use_is_a_clear_error(campaign: Campaign) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(InputError, match=f"端口 {port} 已被占用"):
            ScreenServer(campaign, "127.0.0.1", port)
        result = run_qm("screen", "serve", "-c", HEIHE, "--port", port)
    assert result.returncode == 2 and "已被占用" in result.stderr and "Traceback" not in result.stderr


# -- Anthias -----------------------------------------------------------------------------------------


def test_push_creates_assets_with_durations_dates_and_order_and_repeating_it_uploads_nothing(
    campaign: Campaign, heihe_plan: Plan, library: Library
) -> None:
    built = build_into(campaign, playlist(campaign, heihe_plan, library))
    doc = json.loads((built.folder / "playlist.json").read_text(encoding="utf-8"))
    with FakeAnthias(auth=("pi", "raspberry")) as fake:
        fake.create(
            {
                "name": "别人的画面",
                "uri": "https://example.gov.cn/",
                "mimetype": "webpage",
                "duration": 30,
                "start_date": "2016-09-01T00:00:00+08:00",
                "end_date": "2016-10-01T00:00:00+08:00",
                "is_enabled": True,
            }
        )
        with anthias.AnthiasClient(fake.url, auth=("pi", "raspberry")) as client:
            first = anthias.push(client, built.folder, "center")
            uploads = len(fake.files)
            again = anthias.push(client, built.folder, "center")
        played = fake.playlist()
    assert (first.uploaded, again.uploaded, again.kept, again.deleted) == (len(doc["slides"]), 0, len(doc["slides"]), 0)
    assert len(fake.files) == uploads == len(doc["slides"])
    ours = played[: len(doc["slides"])]
    assert [a["duration"] for a in ours] == [s["duration"] for s in doc["slides"]]
    assert [a["name"].split(" ", 1)[1] for a in ours] == [s["title"] for s in doc["slides"]]
    assert all(a["start_date"] == doc["valid_from"] and a["end_date"] == doc["valid_to"] and a["mimetype"] == "image" for a in ours)
    assert played[-1]["name"] == "别人的画面"  # someone else's asset is kept, after ours


def test_pushing_a_new_version_replaces_the_old_assets_only_after_the_new_ones_are_up(
    campaign: Campaign, heihe_plan: Plan, library: Library
) -> None:
    old = build_into(campaign, playlist(campaign, heihe_plan, library, seconds=3))
    new = build_into(campaign, playlist(campaign, heihe_plan, library, seconds=6, count=4))
    with FakeAnthias() as fake, anthias.AnthiasClient(fake.url) as client:
        anthias.push(client, old.folder, "center")
        result = anthias.push(client, new.folder, "center")
        calls = [c for c in fake.calls if c[0] in ("POST", "DELETE")]
        played = fake.playlist()
    assert (result.uploaded, result.deleted) == (4, 7)
    assert [a["duration"] for a in played] == [6, 6, 6, 6] and all(new.version in a["name"] for a in played)
    last_create = max(i for i, c in enumerate(calls) if c == ("POST", "/api/v2/assets"))
    first_delete = min(i for i, c in enumerate(calls) if c[0] == "DELETE")
    assert last_create < first_delete


def test_anthias_errors_are_clear(campaign: Campaign, heihe_plan: Plan, library: Library) -> None:
    built = build_into(campaign, playlist(campaign, heihe_plan, library, count=1))
    with (
        FakeAnthias(auth=("pi", "raspberry")) as fake,
        anthias.AnthiasClient(fake.url) as client,
        pytest.raises(anthias.AnthiasError, match=f"需要登录.*{anthias.AUTH_ENV}"),
    ):
        anthias.push(client, built.folder, "center")
    with (
        FakeAnthias(auth=("pi", "raspberry")) as fake,
        anthias.AnthiasClient(fake.url, auth=("pi", "wrong")) as client,
        pytest.raises(anthias.AnthiasError, match="拒绝了登录"),
    ):
        anthias.push(client, built.folder, "center")
    with anthias.AnthiasClient("not-a-url") as client, pytest.raises(anthias.AnthiasError, match="不是网址"):
        anthias.push(client, built.folder, "center")
    with socket.socket() as free:
        free.bind(("127.0.0.1", 0))
        port = free.getsockname()[1]
    with anthias.AnthiasClient(f"http://127.0.0.1:{port}") as client, pytest.raises(anthias.AnthiasError, match="无法连接"):
        anthias.push(client, built.folder, "center")
    with anthias.AnthiasClient(f"http://pi:pa55word@127.0.0.1:{port}") as client, pytest.raises(anthias.AnthiasError) as told:
        anthias.push(client, built.folder, "center")
    assert f"无法连接 Anthias 播放服务器 http://127.0.0.1:{port}：" in str(told.value)  # no user:password@


# -- the commands ------------------------------------------------------------------------------------


def test_qm_screen_build_writes_launch_day_playlists_for_every_screen_at_their_pixel_sizes(project) -> None:  # type: ignore[no-untyped-def]
    config = project()  # the bundled config: a 1920x1080 and a 1080x1920 screen
    config.write_text(config.read_text(encoding="utf-8").replace("2027", "2016"), encoding="utf-8")
    result = run_qm("screen", "build", "-c", config, "--date", "2016-09-08")
    assert result.returncode == 0, result.stderr
    for screen, size in (("center", (1920, 1080)), ("station", (1080, 1920))):
        folder = config.parent / ".qm" / "screens" / screen / CURRENT
        doc = json.loads((folder / "playlist.json").read_text(encoding="utf-8"))
        assert doc["date"] == "2016-09-08" and doc["slides"][0]["kind"] == "launch"
        assert {Image.open(folder / s["file"]).size for s in doc["slides"]} == {size}
        assert screen in result.stdout
        for slide in (s for s in doc["slides"] if s["kind"] == "launch"):  # the red launch poster: black only in a QR code
            colours = Image.open(folder / slide["file"]).convert("RGB").getcolors(1 << 24) or []
            assert (0, 0, 0) not in {c for _, c in colours}, f"{screen} {slide['file']} carries a QR code"


def test_only_approved_items_go_on_the_wall_and_past_days_follow_the_plan(heihe_plan: Plan) -> None:
    post = next(p for p in heihe_plan.on(LAUNCH) if p.channel.startswith("screen:"))
    after = LAUNCH + dt.timedelta(days=1)
    for state in ("approved", "scheduled", "publishing", "accepted", "published"):
        assert approval({post.id: state}, today=LAUNCH)(post), state
    for state in ("planned", "rejected", "missed", "cancelled", "failed"):
        assert not approval({post.id: state}, today=LAUNCH)(post), state
    assert not approval({}, today=LAUNCH)(post)  # today, but the queue never held it: not reviewed
    assert approval({}, today=after)(post)  # a past day is rebuilt as planned
    assert not approval({post.id: "rejected"}, today=after)(post)


def test_qm_screen_build_holds_back_unapproved_items_until_approved(project) -> None:  # type: ignore[no-untyped-def]
    config = project()  # September 2027: still to come, so the queue decides
    build = ("screen", "build", "-c", config, "--date", "2027-09-08", "--screen", "center")
    held = run_qm(*build)
    assert held.returncode == 0, held.stderr
    assert "尚未审核，没有放入播放列表" in held.stdout and "20270908-screen-center-0700-" in held.stdout
    current = config.parent / ".qm" / "screens" / "center" / CURRENT / "playlist.json"
    kinds = [s["kind"] for s in json.loads(current.read_text(encoding="utf-8"))["slides"]]
    assert "launch" not in kinds and "featured" not in kinds and {"theme", "slogan"} <= set(kinds)

    assert run_qm("approve", "--date", "2027-09-08", "--by", "王科长", "-c", config).returncode == 0
    shown = run_qm(*build)
    assert shown.returncode == 0 and "尚未审核" not in shown.stdout
    kinds = [s["kind"] for s in json.loads(current.read_text(encoding="utf-8"))["slides"]]
    assert kinds[0] == "launch" and "featured" in kinds


def test_qm_screen_commands_reject_bad_input_in_chinese(project) -> None:  # type: ignore[no-untyped-def]
    config = project()
    for args, words in (
        (("build", "--screen", "nope"), "没有编号为 'nope' 的电子屏"),
        (("build", "--date", "2027-13-01"), "月份只能是 1–12"),
        (("build", "--date", "2026-09-08"), "不在活动期"),
        (("push", "center", "--date", "2027-09-08"), "没有 Anthias 地址"),
        (("serve", "--port", "70000"), "应为 1–65535 之间的整数"),
    ):
        result = run_qm("screen", *args, "-c", config)
        assert result.returncode == 2, (args, result.stderr)
        assert words in result.stderr and "Traceback" not in result.stderr


def test_qm_screen_push_sends_to_the_url_given(project) -> None:  # type: ignore[no-untyped-def]
    config = project()
    with FakeAnthias() as fake:
        result = run_qm("screen", "push", "station", "-c", config, "--date", "2027-09-08", "--url", fake.url)
        played = fake.playlist()
    assert result.returncode == 0, result.stderr
    assert "已推送" in result.stdout and played and all(a["name"].startswith("qm:station:") for a in played)


# -- the daemon --------------------------------------------------------------------------------------


def test_the_daemon_rebuilds_playlists_at_start_before_on_hours_and_when_asked_only_if_enabled(
    campaign: Campaign, heihe_plan: Plan, library: Library
) -> None:
    from scheduler.rendering.payloads import Renderer
    from scheduler.runtime.work_ahead import Ahead
    from tests.daemon_helpers import Harness, one_day

    calls: list[dt.datetime] = []
    ahead = Ahead()

    def hook(now: dt.datetime) -> None:
        calls.append(now)
        ahead(campaign, heihe_plan, library, now, everything)

    harness = Harness(campaign, one_day(heihe_plan, dt.date(2016, 9, 9)), Renderer(campaign), dt.datetime(2016, 9, 7, 22, 0, tzinfo=TZ))
    try:
        harness.start()
        assert not [j.id for j in harness.daemon.scheduler.get_jobs() if j.id.startswith("ahead:")]  # type: ignore[union-attr]
        harness.crash()
        harness.ahead = hook
        harness.start()
        jobs = {j.id: j for j in harness.daemon.scheduler.get_jobs()}  # type: ignore[union-attr]
        assert jobs["ahead:center"].next_run_time == dt.datetime(2016, 9, 8, 6, 50, 30, tzinfo=TZ)  # off the minute: slots are on it
        harness.step_at(dt.datetime(2016, 9, 7, 22, 0, tzinfo=TZ))
        assert calls == [dt.datetime(2016, 9, 7, 22, 0, tzinfo=TZ)]  # at start: after today's on-hours, so tomorrow's list
        watch = harness.daemon.scheduler.get_job("ahead:watch")  # type: ignore[union-attr]
        assert watch.next_run_time == dt.datetime(2016, 9, 7, 22, 0, 30, tzinfo=TZ)  # every 5 minutes, at :30 past the minute
        folder = current_folder(screens_root(campaign), "center")
        assert folder is not None and json.loads((folder / "playlist.json").read_text())["date"] == "2016-09-08"
        harness.step_at(dt.datetime(2016, 9, 8, 6, 50, 30, tzinfo=TZ))
        assert dt.datetime(2016, 9, 8, 6, 50, 30, tzinfo=TZ) in calls
        assert current_folder(screens_root(campaign), "center") == folder  # same content: nothing rewritten
    finally:
        harness.close()


def test_the_daemon_prepares_posters_and_playlists_in_a_child_and_skips_unchanged_inputs(
    campaign: Campaign, heihe_plan: Plan, library: Library, tmp_path: Path
) -> None:
    import shutil

    from scheduler.poster import fonts
    from scheduler.rendering.payloads import Renderer
    from scheduler.runtime.work_ahead import Ahead, missing_posters

    shutil.copytree(campaign.paths.templates, tmp_path / "templates")
    campaign = dataclasses.replace(campaign, paths=dataclasses.replace(campaign.paths, templates=tmp_path / "templates"))
    fonts.load_font.cache_clear()
    ahead = Ahead()
    evening = dt.datetime.fromisoformat("2016-09-07T21:45+08:00")
    needed = missing_posters(campaign, heihe_plan, Renderer(campaign), evening)
    assert needed and all(not job.out.exists() for job in needed)  # the launch day's posters, not drawn yet
    before = set(children(os.getpid()))
    done = ahead(campaign, heihe_plan, library, evening, everything)
    assert set(children(os.getpid())) == before  # the child has exited and left nothing behind (no resource tracker)
    (first,) = done.built
    assert done.drawn == len(needed) and all(job.out.is_file() for job in needed)
    assert first.changed and json.loads((first.folder / "playlist.json").read_text())["date"] == "2016-09-08"
    assert fonts.load_font.cache_info().currsize == 0  # the drawing happened in the child process
    assert missing_posters(campaign, heihe_plan, Renderer(campaign), evening) == []
    assert ahead(campaign, heihe_plan, library, evening, everything).built == []  # nothing changed: no child at all
    layout = campaign.paths.templates / "posters" / "slogan.yaml"
    layout.write_text(layout.read_text(encoding="utf-8").replace("color: accent", "color: background"), encoding="utf-8")
    (again,) = ahead(campaign, heihe_plan, library, evening, everything).built
    assert again.changed and again.version != first.version  # a template edit redraws
