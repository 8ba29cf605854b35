"""Structured logs: one `key=value` line per event, to stderr and to <state>/qm.log (on the terminal, an event
carrying a sentence for people, `msg`, is that sentence).

    ts=2027-09-08T20:00:00+08:00 level=info event=published post=20270908-wechat-2000 channel=wechat

Values with spaces or quotes are quoted, and control characters in them escaped (`\\r`, `\\x1b`): a value
anyone can send (a login name) cannot forge a line or drive the terminal. Nothing secret is ever passed in,
and every line is scrubbed of secrets anyway (`redact`).
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import logging.handlers
import re
import sys
from pathlib import Path
from typing import Any

from . import redact
from .os_messages import path_error, writable_dir
from .scheduler_words import SchedulerWords

_FIELDS = "qm_fields"
# What a value may not carry raw: C0 controls, DEL and C1 controls (a CR rewrites the terminal's line, an ESC
# starts a terminal sequence), the Unicode line and paragraph separators, and the bidi controls (they reorder
# what a reader sees). Each is written as an escape a person can read: \r, \x1b, \u2028.
_UNESCAPED_BY_JSON = r"\x7f-\x9f\u2028\u2029\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069"  # all but the C0 controls
_CONTROLS = r"\x00-\x1f" + _UNESCAPED_BY_JSON
_ESCAPED = re.compile(f'[\\\\"{_CONTROLS}]')
_QUOTED = re.compile(f'[ "={_CONTROLS}]')
_SHOWN = re.compile(f"[{_CONTROLS}]")
_JSON_SHOWN = re.compile(f"[{_UNESCAPED_BY_JSON}]")
_NAMED = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r", "\t": "\\t"}


def event(logger: logging.Logger, name: str, level: int = logging.INFO, **fields: Any) -> None:
    logger.log(level, name, extra={_FIELDS: fields})


def warn(logger: logging.Logger, name: str, said: str, **fields: Any) -> None:
    """A warning for people: an event in qm.log and on the terminal under `setup_logging` (qm daemon, qm web), else
    the sentence alone on stderr (another command, whose terminal is the only place to say it)."""
    if any(isinstance(f, RedactingFilter) for h in logging.getLogger().handlers for f in h.filters):
        event(logger, name, logging.WARNING, msg=said, **fields)
    else:
        sys.stderr.write(redact.scrub(f"qm：注意：{escaped(said)}") + "\n")


def _quote(value: Any) -> str:
    text = str(value)
    if text and not _QUOTED.search(text):
        return text
    return '"' + _ESCAPED.sub(_escape, text) + '"'


def escaped(text: str) -> str:
    """`text` for a terminal, each control character written as the log writes it (\\x1b, \\n, \\u202e): text
    stored from outside (a login name, a reject reason) can neither drive the terminal nor forge a line."""
    return _SHOWN.sub(_escape, text)


def json_escaped(data: Any) -> str:
    """`data` as indented JSON for a terminal: Chinese as itself, and each character `escaped` escapes (JSON writes the
    C0 ones itself; DEL, C1, the line separators and bidi controls not) as a JSON escape, `\\u009b`: a script reads
    back the very name, a terminal shows it inert."""
    return _JSON_SHOWN.sub(lambda found: f"\\u{ord(found.group()):04x}", json.dumps(data, ensure_ascii=False, indent=2))


def _escape(found: re.Match[str]) -> str:
    c = found.group()
    return _NAMED.get(c) or (f"\\x{ord(c):02x}" if ord(c) < 0x100 else f"\\u{ord(c):04x}")


class RedactingFilter(logging.Filter):
    """Masks secrets in a record's message, arguments and structured fields (the formatter scrubs tracebacks)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = redact.scrub(record.getMessage())
        record.args = None
        fields = getattr(record, "qm_fields", None)
        if isinstance(fields, dict):
            record.qm_fields = {k: redact.scrub(str(v)) if isinstance(v, str) else v for k, v in fields.items()}
        return True


class KeyValueFormatter(logging.Formatter):
    def __init__(self, tz: dt.tzinfo | None = None) -> None:
        super().__init__()
        self.tz = tz  # the campaign's time zone, so log times read like the schedule; None: the machine's

    def format(self, record: logging.LogRecord) -> str:
        ts = dt.datetime.fromtimestamp(record.created).astimezone(self.tz).isoformat(timespec="seconds")
        fields: dict[str, Any] = getattr(record, _FIELDS, None) or {}
        parts = [f"ts={ts}", f"level={record.levelname.lower()}"]
        if fields or record.name.startswith("qm"):
            parts.append(f"event={_quote(record.getMessage())}")
        else:  # a library's own log line (APScheduler, SQLAlchemy)
            parts += [f"logger={record.name}", f"msg={_quote(record.getMessage())}"]
        parts += [f"{k}={_quote(v)}" for k, v in fields.items()]
        if record.exc_info:
            parts.append(f"error={_quote(self.formatException(record.exc_info))}")
        return redact.scrub(" ".join(parts))


class ConsoleFormatter(KeyValueFormatter):
    """The terminal's lines when qm.log keeps the records: an event that carries a sentence for people (`msg`) is
    that sentence, in Chinese (注意：… for a warning); the others as the file has them."""

    def format(self, record: logging.LogRecord) -> str:
        said = (getattr(record, _FIELDS, None) or {}).get("msg")
        if not said:
            return super().format(record)
        return redact.scrub(("注意：" if record.levelno >= logging.WARNING else "") + escaped(str(said)))


class LogFile(logging.handlers.RotatingFileHandler):
    """qm.log. A line that cannot be written (a full disk) is said once on stderr, not with a
    traceback for every line; the log goes on at stderr and resumes in the file when writes succeed."""

    failing = False

    def emit(self, record: logging.LogRecord) -> None:
        self._failed_now = False
        super().emit(record)  # calls handleError on failure
        if self.failing and not self._failed_now:
            self.failing = False
            sys.stderr.write(f"qm：日志文件 {self.baseFilename} 恢复写入\n")

    def handleError(self, record: logging.LogRecord) -> None:
        self._failed_now = True
        if not self.failing:
            self.failing = True
            error = sys.exc_info()[1]
            reason = getattr(error, "strerror", None) or str(error)
            sys.stderr.write(f"qm：无法写入日志文件 {self.baseFilename}（{reason}），日志暂时只输出到屏幕\n")


def dressed(handler: logging.Handler, tz: dt.tzinfo | None, formatter: type[KeyValueFormatter] = KeyValueFormatter) -> logging.Handler:
    """`handler` writing qm's lines: key=value, times in `tz`, APScheduler's known lines as qm events, no secrets."""
    handler.setFormatter(formatter(tz))
    handler.addFilter(SchedulerWords(tz))  # before the redaction, which flattens a record's arguments
    handler.addFilter(RedactingFilter())
    return handler


def setup_logging(state_dir: Path | None, level: int = logging.INFO, tz: dt.tzinfo | None = None) -> None:
    """Log to stderr, and to <state_dir>/qm.log (rotated at 5 MB, 5 files kept), times in `tz`."""
    root = logging.getLogger()
    for handler in list(root.handlers):
        root.removeHandler(handler)
        handler.close()
    handlers: list[logging.Handler] = []
    if state_dir is not None:
        writable_dir(state_dir, "状态目录")
        log = state_dir / "qm.log"
        try:
            handlers.append(LogFile(log, maxBytes=5_000_000, backupCount=5, encoding="utf-8"))
        except OSError as exc:
            raise path_error(exc, "写入日志文件", log, "状态目录（配置的 paths.state）必须可以写入：检查权限和磁盘，或换一个位置") from exc
    console = ConsoleFormatter if handlers else KeyValueFormatter  # the file keeps the records whole
    root.addHandler(dressed(logging.StreamHandler(sys.stderr), tz, console))
    for handler in handlers:
        root.addHandler(dressed(handler, tz))
    root.setLevel(level)
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
    logging.getLogger("httpx").setLevel(logging.WARNING)  # its request lines would carry webhook URLs
