"""qm: a publicity content scheduler for China's Quality Month (质量月) campaigns.

Packages, by role:
    inputs/     what staff write, read and checked: config.yaml, the content library, YAML with line numbers, secrets; editing content files
    planning/   the month's plan: a pure function from the campaign and the content library to dated posts in slots
    rendering/  planned posts made into channel payloads: Jinja2 templates in a sandbox, the Markdown subset, text measures, pre-publication checks
    poster/     posters and print PDFs
    screens/    outdoor screens: daily playlists, builds, the player service
    publishing/ the queue database and what happens to a post in it: states, review, timing decisions, warnings, backups
    channels/   channel kinds, one package each (wechat/, weibo/, screen/: config, payload, rules, publishers, hooks),
                their registry (kinds.py) and what every kind shares (the outbox, the channel interface, HTTP plumbing)
    daemon/     the daemon that publishes each approved post at its time
    runtime/    what keeps the daemon running: clock, single-instance lock and PostgreSQL lease, stepped scheduler, full disk, drawing child
    views/      read-only views made for people: the plan in staff formats, the day preview, `qm status`, console links
    pages/      pure functions that gather what each console page shows
    web/        the review console and the screen players (Starlette on uvicorn)
    stats/      statistics collected from the platforms and the screens
    report/     the work summary (Word, spreadsheets, charts)
    units/      work units' submissions and reminders
    simulation/ whole campaigns replayed on a fake clock through the real daemon: faults, restarts, failover, figures
    fakes/      local fake WeChat, Weibo and Anthias servers (tests and simulation)
    support/    shared plumbing every layer may use: errors, logs, secret redaction, OS messages, atomic files, notifications, worker processes
    cli/        the `qm` command: the only place that prints and sets exit codes

`jobs.py` stays at the root: APScheduler's stored jobs point at `scheduler.jobs:...`.
"""

__version__ = "0.1.0"

from .support.dataclass_code import keep_dataclass_code  # before any module makes a data class

keep_dataclass_code()
