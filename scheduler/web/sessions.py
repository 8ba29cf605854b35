"""Console sign-in: sessions, CSRF tokens and login throttling, all kept in the queue database.

- The session cookie holds a random token; the database keeps only its SHA-256, so a copy of the
  database does not let anyone in. Cookies are HttpOnly, SameSite=Lax, Secure behind https.
- A session ends after `web.session_idle_minutes` without a request, after 12 hours in any case,
  at logout, and when the account's password or role changes or it is disabled.
- Each session has a CSRF token that every form sends back (`csrf` field); the login form, used
  before there is a session, carries a token matched against a short-lived cookie (double submit).
- Five wrong passwords within 15 minutes for one account name lock further attempts for that name
  until the oldest of them is 15 minutes old, even with the right password; twenty from one address
  (many names tried) lock that address the same way. An office behind one address is not locked
  out by one person's typos. An administrator releases an account at once (`qm user unlock`, and
  `qm user passwd`: `Throttle.release`); an address stays locked until its time is up.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from ..publishing.tables import login_failures, users, web_sessions
from .accounts import Accounts, User

COOKIE = "qm_session"
LOGIN_COOKIE = "qm_login"
MAX_AGE = 12 * 3600
SEEN_EVERY = 30  # seconds: a session's last-seen time is written at most this often
FAILURES_ALLOWED = {"name": 5, "addr": 20}
FAILURE_WINDOW = 15 * 60


@dataclass(frozen=True)
class Session:
    user: User
    csrf: str
    token_hash: str


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def same(a: str, b: str) -> bool:
    return bool(a) and bool(b) and hmac.compare_digest(a.encode(), b.encode())


def new_token() -> str:
    return secrets.token_urlsafe(32)


class Sessions:
    def __init__(self, engine: Engine, idle_minutes: int) -> None:
        self.engine = engine
        self.idle = idle_minutes * 60

    def start(self, user: User, now: float) -> str:
        """A new session for `user`; returns the cookie value."""
        token = new_token()
        with self.engine.begin() as conn:
            conn.execute(web_sessions.delete().where(web_sessions.c.seen < now - self.idle))  # tidy up expired ones
            conn.execute(web_sessions.insert().values(token_hash=_digest(token), user=user.name, csrf=new_token(), created=now, seen=now))
        return token

    def find(self, token: str, now: float) -> Session | None:
        """The live session for a cookie value, or None (unknown, idle too long, too old, account disabled)."""
        if not token:
            return None
        key = _digest(token)
        query = sa.select(web_sessions, users.c.role, users.c.disabled, users.c.created.label("user_created"), users.c.changed).join(
            users, users.c.name == web_sessions.c.user
        )
        with self.engine.connect() as conn:
            row = conn.execute(query.where(web_sessions.c.token_hash == key)).first()
        if row is None or row.disabled or row.seen < now - self.idle or row.created < now - MAX_AGE or row.changed > row.created:
            if row is not None:
                self.end(token)
            return None
        if now - row.seen > SEEN_EVERY:
            with self.engine.begin() as conn:
                conn.execute(web_sessions.update().where(web_sessions.c.token_hash == key).values(seen=now))
        return Session(User(row.user, row.role, False, row.user_created, row.changed), row.csrf, key)

    def end(self, token: str) -> None:
        with self.engine.begin() as conn:
            conn.execute(web_sessions.delete().where(web_sessions.c.token_hash == _digest(token)))


class Throttle:
    """Counts wrong passwords by account name and by client address."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def wait(self, name: str, address: str, now: float) -> int:
        """Seconds until another attempt is allowed for this name or address; 0 when it is allowed now."""
        keys = [f"name:{name}", f"addr:{address}"]
        with self.engine.connect() as conn:
            rows = conn.execute(
                sa.select(login_failures.c.key, login_failures.c.at).where(
                    login_failures.c.key.in_(keys), login_failures.c.at > now - FAILURE_WINDOW
                )
            ).all()
        waits = [0.0]
        for key in keys:
            allowed = FAILURES_ALLOWED[key.split(":", 1)[0]]
            times = sorted(r.at for r in rows if r.key == key)
            if len(times) >= allowed:
                waits.append(times[-allowed] + FAILURE_WINDOW - now)
        return int(max(waits) + 0.999)

    def failed(self, name: str, address: str, now: float) -> None:
        with self.engine.begin() as conn:
            conn.execute(login_failures.delete().where(login_failures.c.at < now - FAILURE_WINDOW))
            conn.execute(login_failures.insert(), [{"key": f"name:{name}", "at": now}, {"key": f"addr:{address}", "at": now}])

    def release(self, name: str) -> int:
        """Forget the account's wrong passwords (a login, an administrator's unlock); how many there were."""
        with self.engine.begin() as conn:
            return int(conn.execute(login_failures.delete().where(login_failures.c.key == f"name:{name}")).rowcount)


def log_in(accounts: Accounts, throttle: Throttle, name: str, password: str, address: str, now: float) -> tuple[User | None, int]:
    """(the account, 0) when the password is right and no throttle applies; (None, seconds to wait) otherwise."""
    wait = throttle.wait(name, address, now)
    if wait:
        return None, wait
    user = accounts.authenticate(name, password)
    if user is None:
        throttle.failed(name, address, now)
        return None, throttle.wait(name, address, now)
    throttle.release(name)
    return user, 0
