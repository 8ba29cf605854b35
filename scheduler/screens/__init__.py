"""Outdoor screens: what each LED wall shows each day, and the ways it gets there.

playlist.py  pure: campaign + plan + day -> an ordered list of slides with durations and on-hours
build.py     slides drawn at the screen's exact size, written as a versioned folder and swapped in
serve.py     the kiosk player page, playlist and slide files over HTTP, proof-of-play log, status
player_page.py  each screen's player page from its template (checked by `qm check` too; no web server)
player_key.py   the token a screen's player proves itself with (a cookie with its page and playlist)
proof.py     proof of play checked against the built playlists, sent-again reports and a day's on-hours
anthias.py   pushing a day's playlist to an Anthias signage server
daily.py     what the daemon and the CLI call: build every screen's playlist for a day
approved_days.py  what the queue lets on the screens some days (the build and the console's screens page read it)
"""
