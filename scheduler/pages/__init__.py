"""The review console's pages: pure view models over the plan, the queue and the status, and their templates.

posts.py     a post as the pages see it: the plan's slot joined with its queue row, and its check results
calendar.py  the month as a calendar grid
day.py       a day: each post as it will appear, checks, stage history, the diff since the last approval
diff.py      what changed in a post's words between two versions
history.py   a post's audit trail and what may be done to it
times.py     when a post went out: handed to the platform, published, late or not (the report's rule)
status.py    the daemon, next jobs, failures, pauses
media.py     the month's posters with their sizes; what each screen played today (proof of play)
playlists.py what each screen plays on a day: its built playlist in order (or the one a build would write), what is kept off
edit.py      the edit form's fields and messages
views.py     the Jinja2 environment (autoescaped) that renders the templates in templates/
static/console.css  the one style sheet
"""
