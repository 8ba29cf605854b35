"""The simulated screen player's proof of play: what a real player would report, line by line."""

from __future__ import annotations

import datetime as dt
import json

from scheduler.channels.screen.stats import tally
from scheduler.inputs.campaign import Campaign
from scheduler.inputs.content import Library
from scheduler.planning.planner import Plan
from scheduler.screens.playlist import make_playlist
from scheduler.simulation.figures import PLAYER, day_lines
from tests.screen_helpers import LAUNCH


def test_a_day_is_played_slide_after_slide_from_the_playlists_start_to_its_end(heihe: Campaign, heihe_plan: Plan, library: Library) -> None:
    screen = heihe.screens[0]
    playlist = make_playlist(heihe, screen, list(heihe_plan.posts), library, LAUNCH)
    lines = day_lines(screen.id, playlist)
    entries = [json.loads(line) for line in lines]
    assert len(entries) > 1000 and all(line.endswith("\n") for line in lines)
    # each line is exactly the JSON a player writes: its fields in order, Chinese unescaped
    assert all(line == json.dumps(e, ensure_ascii=False) + "\n" for line, e in zip(lines, entries, strict=True))
    assert list(entries[0]) == ["screen", "version", "order", "file", "item", "post", "duration", "shown_at", "received_at", "player"]
    by_order = {n: slide for n, slide in enumerate(playlist.slides, start=1)}
    for entry in entries:
        slide = by_order[entry["order"]]
        assert (entry["screen"], entry["version"], entry["player"]) == (screen.id, playlist.version, PLAYER)
        assert (entry["file"], entry["item"], entry["post"], entry["duration"]) == (
            f"slides/{slide.key}.png",
            slide.text.id,
            slide.post_id,
            slide.seconds,
        )
        assert entry["received_at"] == entry["shown_at"]
    shown = [dt.datetime.fromisoformat(e["shown_at"]) for e in entries]
    assert shown[0] == playlist.valid_from
    assert all(
        later - earlier == dt.timedelta(seconds=e["duration"])
        for earlier, later, e in zip(shown[:-1], shown[1:], entries[:-1], strict=True)
    )
    assert shown[-1] + dt.timedelta(seconds=entries[-1]["duration"]) <= playlist.valid_to
    plays = tally(lines, heihe.timezone).days[LAUNCH]
    assert plays.plays == len(lines) and plays.seconds == sum(e["duration"] for e in entries)
