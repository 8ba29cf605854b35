"""The queue database's tables (SQLAlchemy Core), as the latest schema has them.

Times are stored as UTC epoch seconds (REAL) so comparisons work the same on SQLite and PostgreSQL;
they are shown in the campaign timezone. A new table also needs a step in `migrations.MIGRATIONS`.
APScheduler's own table (`apscheduler_jobs`) lives in the same database, created by its job store
and read through `runtime.job_table`.
"""

from __future__ import annotations

import sqlalchemy as sa

metadata = sa.MetaData()

posts = sa.Table(
    "posts",
    metadata,
    sa.Column("id", sa.String(80), primary_key=True),
    sa.Column("channel", sa.String(40), nullable=False),
    sa.Column("at", sa.Float, nullable=False),  # slot time
    sa.Column("due", sa.Float, nullable=False),  # grace is counted from here (slot time, or when retried)
    sa.Column("next_try", sa.Float),  # when a transient failure is retried
    sa.Column("item", sa.String(120), nullable=False),
    sa.Column("area", sa.String(40), nullable=False, server_default=""),
    sa.Column("state", sa.String(16), nullable=False),
    sa.Column("version", sa.String(32), nullable=False),
    sa.Column("payload", sa.Text, nullable=False),  # JSON
    sa.Column("images", sa.Text, nullable=False, server_default="[]"),  # JSON list of ImageRef
    sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
    sa.Column("last_error", sa.Text, nullable=False, server_default=""),
    sa.Column("receipt", sa.Text),  # JSON Receipt
    sa.Column("approved_by", sa.String(80), nullable=False, server_default=""),
    sa.Column("approved_version", sa.String(32), nullable=False, server_default=""),
    sa.Column("published_at", sa.Float),  # when it went out, as the platform says; else when qm learned it had
    sa.Column("sent_at", sa.Float),  # when qm handed it to the platform and the platform took it (lateness counts this)
    sa.Column("updated", sa.Float, nullable=False),
    sa.Index("ix_posts_state", "state"),
    sa.Index("ix_posts_at", "at"),
)

payload_versions = sa.Table(
    "payload_versions",
    metadata,
    sa.Column("post_id", sa.String(80), primary_key=True),
    sa.Column("version", sa.String(32), primary_key=True),
    sa.Column("payload", sa.Text, nullable=False),
    sa.Column("images", sa.Text, nullable=False),
    sa.Column("created", sa.Float, nullable=False),
)

audit = sa.Table(
    "audit",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("post_id", sa.String(80), nullable=False, index=True),
    sa.Column("at", sa.Float, nullable=False),
    sa.Column("who", sa.String(80), nullable=False),
    sa.Column("from_state", sa.String(16), nullable=False),  # "" when the post is created
    sa.Column("to_state", sa.String(16), nullable=False),
    sa.Column("why", sa.Text, nullable=False, server_default=""),
)

pauses = sa.Table(
    "pauses",
    metadata,
    sa.Column("channel", sa.String(40), primary_key=True),  # "*" pauses every channel
    sa.Column("reason", sa.Text, nullable=False),
    sa.Column("who", sa.String(80), nullable=False),
    sa.Column("at", sa.Float, nullable=False),
)

notices = sa.Table(
    "notices",  # staff notifications already sent (deadline reminders), so a restart does not repeat them
    metadata,
    sa.Column("key", sa.String(120), primary_key=True),
    sa.Column("at", sa.Float, nullable=False),
)

notices_due = sa.Table(
    "notices_due",  # notices a fill (of any process) recorded for the daemon to send; a row goes once every notifier took it
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("topic", sa.String(40), nullable=False),  # which notice (`notices_due.BUILDERS` in the daemon makes it)
    sa.Column("body", sa.Text, nullable=False),  # JSON: what the notice tells
    sa.Column("made", sa.Float, nullable=False),
    sa.Column("next_try", sa.Float, nullable=False, server_default="0"),  # taken by a daemon, or waiting to be tried again
    sa.Column("tries", sa.Integer, nullable=False, server_default="0"),
    sa.Column("told", sa.Text, nullable=False, server_default="[]"),  # JSON: the notifiers that took it already
    sa.Column("failed", sa.Text, nullable=False, server_default=""),  # why the last try failed (no address, no key)
    sa.Column("given_up", sa.Float),  # when the daemon stopped trying (kept a while for qm status and the console)
)

users = sa.Table(
    "users",  # console accounts (qm user add); passwords only as scrypt hashes
    metadata,
    sa.Column("name", sa.String(40), primary_key=True),
    sa.Column("role", sa.String(16), nullable=False),  # editor | reviewer | admin
    sa.Column("password", sa.String(200), nullable=False),
    sa.Column("disabled", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("created", sa.Float, nullable=False),
    sa.Column("changed", sa.Float, nullable=False),  # password or role changed: older sessions end
    sa.Column("last_login", sa.Float),  # the latest sign-in on the console (NULL: never)
    sa.Column("must_change", sa.Boolean, nullable=False, server_default=sa.false()),  # a password an admin set: changed at next login
)

account_log = sa.Table(
    "account_log",  # every change an admin made to an account (the console's 账号 page): who, what, when; never a password
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("at", sa.Float, nullable=False),
    sa.Column("who", sa.String(80), nullable=False),  # the admin, as the audit log writes it: 王科长（web）
    sa.Column("name", sa.String(40), nullable=False, index=True),  # the account changed
    sa.Column("action", sa.String(16), nullable=False),  # add | password | role | disable | enable | unlock
    sa.Column("detail", sa.Text, nullable=False, server_default=""),  # e.g. the role before and after
)

web_sessions = sa.Table(
    "web_sessions",
    metadata,
    sa.Column("token_hash", sa.String(64), primary_key=True),  # sha256 of the cookie; the cookie itself is never stored
    sa.Column("user", sa.String(40), nullable=False, index=True),
    sa.Column("csrf", sa.String(64), nullable=False),
    sa.Column("created", sa.Float, nullable=False),
    sa.Column("seen", sa.Float, nullable=False),
)

login_failures = sa.Table(
    "login_failures",  # recent wrong passwords, by account name and by client address (throttling)
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("key", sa.String(120), nullable=False, index=True),
    sa.Column("at", sa.Float, nullable=False),
)

stage_passes = sa.Table(
    "stage_passes",  # review stages a post's current version has passed; cleared when it is rejected
    metadata,
    sa.Column("post_id", sa.String(80), primary_key=True),
    sa.Column("version", sa.String(32), primary_key=True),
    sa.Column("stage", sa.Integer, primary_key=True),  # index in review.stages
    sa.Column("stage_name", sa.String(40), nullable=False),
    sa.Column("who", sa.String(80), nullable=False),
    sa.Column("at", sa.Float, nullable=False),
    sa.Column("stage_role", sa.String(16), nullable=False, server_default=""),  # the role the stage asked then ("" before it was kept)
)

stat_values = sa.Table(
    "stat_values",  # one figure of one day; re-asking a day replaces its rows, so a restart never doubles them
    metadata,
    sa.Column("source", sa.String(60), primary_key=True),  # wechat | weibo | screen:<id>
    sa.Column("day", sa.String(10), primary_key=True),  # YYYY-MM-DD in the campaign's timezone
    sa.Column("subject", sa.String(120), primary_key=True),  # account | article msgid | weibo id | screen id
    sa.Column("metric", sa.String(40), primary_key=True),
    sa.Column("value", sa.Float, nullable=False),
    sa.Column("post_id", sa.String(80), nullable=False, server_default=""),  # matched by the post's receipt
)

stat_days = sa.Table(
    "stat_days",  # how far each source's days are collected: final days are never asked again
    metadata,
    sa.Column("source", sa.String(60), primary_key=True),
    sa.Column("day", sa.String(10), primary_key=True),
    sa.Column("state", sa.String(16), nullable=False),  # final | delay | nodata | error | denied
    sa.Column("note", sa.Text, nullable=False, server_default=""),
    sa.Column("tries", sa.Integer, nullable=False, server_default="0"),
    sa.Column("fetched", sa.Float, nullable=False),
)

pause_log = sa.Table(
    "pause_log",  # every pause and resume, for the work summary (the pauses table holds only current ones)
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("channel", sa.String(40), nullable=False),
    sa.Column("action", sa.String(8), nullable=False),  # pause | resume
    sa.Column("reason", sa.Text, nullable=False, server_default=""),
    sa.Column("who", sa.String(80), nullable=False, server_default=""),
    sa.Column("at", sa.Float, nullable=False),
)

submissions = sa.Table(
    "submissions",  # files units sent (plans, summaries), recorded once per content hash
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("unit", sa.String(80), nullable=False),
    sa.Column("kind", sa.String(16), nullable=False),  # plan | summary
    sa.Column("path", sa.Text, nullable=False),
    sa.Column("sha256", sa.String(64), nullable=False),
    sa.Column("size", sa.Integer, nullable=False),
    sa.Column("arrived", sa.Float, nullable=False),  # when the file appeared (its modification time)
    sa.Column("recorded", sa.Float, nullable=False),
    sa.Column("problem", sa.Text, nullable=True),  # why the file cannot be read ("" readable; NULL not checked yet)
    sa.UniqueConstraint("unit", "kind", "sha256", name="uq_submission"),
)

version_sources = sa.Table(
    "version_sources",  # what each version of a post was made from (post_sources.PostSource)
    metadata,
    sa.Column("post_id", sa.String(80), primary_key=True),
    sa.Column("version", sa.String(32), primary_key=True),
    sa.Column("kind", sa.String(40), nullable=False),
    sa.Column("content", sa.Text, nullable=False),  # the content file, as the user names it
    sa.Column("item", sa.String(64), nullable=False),  # the item's digest
    sa.Column("snapshot", sa.String(64), nullable=False),  # source_snapshots.digest
)

source_snapshots = sa.Table(
    "source_snapshots",  # the config and templates at one time, each key or file by its hash (JSON)
    metadata,
    sa.Column("digest", sa.String(64), primary_key=True),
    sa.Column("body", sa.Text, nullable=False),
)

schema_version = sa.Table("schema_version", metadata, sa.Column("version", sa.Integer, nullable=False))

review_rules = sa.Table(
    "review_rules",  # the review rules the database is reviewed under, as the daemon last started with (one row)
    metadata,
    sa.Column("key", sa.String(20), primary_key=True),
    sa.Column("digest", sa.String(64), nullable=False),  # of the stages (names, roles, order), same_person and the auto-approve channels
    sa.Column("description", sa.Text, nullable=False),  # the same in words, for messages
    sa.Column("at", sa.Float, nullable=False),
)

campaign_identity = sa.Table(
    "campaign_identity",  # which campaign the database holds (one row): recorded by the first command that opened it
    metadata,
    sa.Column("key", sa.String(20), primary_key=True),
    sa.Column("name", sa.Text, nullable=False),
    sa.Column("organizer", sa.Text, nullable=False),
    sa.Column("start", sa.String(10), nullable=False),  # YYYY-MM-DD
    sa.Column("end", sa.String(10), nullable=False),
    sa.Column("at", sa.Float, nullable=False),  # when it was recorded or last followed a change of the config
)

print_signoffs = sa.Table(
    "print_signoffs",  # the publicity officer's sign-off of a print sheet (qm sign, the console's 印刷品 page): for exactly those bytes
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("name", sa.String(200), nullable=False),  # the file's name under posters/print
    sa.Column("sha256", sa.String(64), nullable=False),  # of the PDF's bytes as signed
    sa.Column("who", sa.String(80), nullable=False),
    sa.Column("at", sa.Float, nullable=False),
    sa.Column("note", sa.Text, nullable=False, server_default=""),
    sa.UniqueConstraint("name", "sha256", name="uq_print_signoff"),
)
