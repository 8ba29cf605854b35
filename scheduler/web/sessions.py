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
  out by one person's typos. An administrator releases an account at once (`qm user unlock NAME`,
  and `qm user passwd`: `Throttle.release`), and an address (`qm user unlock --address IP`:
  `Throttle.release_address`; `qm user unlock` alone lists what is locked).
- A locked address refuses even the right password of an account with no wrong passwords of its
  own: the address limit is there against one password tried on many names (spraying), and a login
  that went through while locked would tell the sprayer which guess was right. The address is the
  one the connection comes from (`web.trusted_proxies`: the one a trusted reverse proxy names), an
  IPv4 client of a dual-stack listener as its IPv4 address (`client_address`). The trusted proxy itself
  is counted too, with a limit of a hundred: a client of it that writes a new X-Forwarded-For each
  time (through a proxy that passes the header on) is still stopped.
- An attempt is counted before its password is checked (`Throttle.reserve`, one at a time across
  processes and machines), and forgotten when the password was right: many logins sent at once get
  no more password checks than the limits allow.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from ..publishing.tables import login_failures, users, web_sessions
from .accounts import NAME_MAX, Accounts, User
from .client_address import plain

COOKIE = "qm_session"
LOGIN_COOKIE = "qm_login"
MAX_AGE = 12 * 3600
SEEN_EVERY = 30  # seconds: a session's last-seen time is written at most this often
FAILURES_ALLOWED = {"name": 5, "addr": 20, "proxy": 100}
FAILURE_WINDOW = 15 * 60
LOGIN_LOCK = 0x716D_0004  # PostgreSQL advisory lock key (0x716D = "qm"): one reservation at a time; see sync_lock


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

    def start(self, user: User, now: float, signed_in: bool = True) -> str:
        """A new session for `user`; returns the cookie value. `signed_in`: a sign-in, the account's last login (not the
        session that goes on after its owner's own new password ended the old one)."""
        token = new_token()
        with self.engine.begin() as conn:
            conn.execute(web_sessions.delete().where(web_sessions.c.seen < now - self.idle))  # tidy up expired ones
            conn.execute(web_sessions.insert().values(token_hash=_digest(token), user=user.name, csrf=new_token(), created=now, seen=now))
            if signed_in:  # `changed` stays: no session ends
                conn.execute(users.update().where(users.c.name == user.name).values(last_login=now))
        return token

    def find(self, token: str, now: float) -> Session | None:
        """The live session for a cookie value, or None (unknown, idle too long, too old, account disabled)."""
        if not token:
            return None
        key = _digest(token)
        account = (users.c.role, users.c.disabled, users.c.created.label("user_created"), users.c.changed, users.c.must_change)
        query = sa.select(web_sessions, *account).join(users, users.c.name == web_sessions.c.user)
        with self.engine.connect() as conn:
            row = conn.execute(query.where(web_sessions.c.token_hash == key)).first()
        if row is None or row.disabled or row.seen < now - self.idle or row.created < now - MAX_AGE or row.changed > row.created:
            if row is not None:
                self.end(token)
            return None
        if now - row.seen > SEEN_EVERY:
            with self.engine.begin() as conn:
                conn.execute(web_sessions.update().where(web_sessions.c.token_hash == key).values(seen=now))
        return Session(User(row.user, row.role, False, row.user_created, row.changed, must_change=bool(row.must_change)), row.csrf, key)

    def end(self, token: str) -> None:
        with self.engine.begin() as conn:
            conn.execute(web_sessions.delete().where(web_sessions.c.token_hash == _digest(token)))


class Throttle:
    """Counts wrong passwords by account name and by client address."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def lock(self, name: str, address: str, now: float, proxy: str = "") -> Lock | None:
        """What keeps this name or address (or the trusted proxy it came through) from another attempt now;
        None when it is allowed."""
        with self.engine.connect() as conn:
            return _lock(conn, name, address, now, proxy)

    def reserve(self, name: str, address: str, now: float, proxy: str = "") -> tuple[list[int], Lock | None]:
        """Count an attempt before its password is checked: (its rows, None), or ([], the lock) when
        the name or the address has none left. Reservations are taken one at a time (SQLite: the first
        statement writes, which holds the database's write lock; PostgreSQL: an advisory lock until
        commit), so attempts sent at once cannot all see the count below the limit."""
        with self.engine.begin() as conn:
            if conn.dialect.name == "postgresql":
                conn.execute(sa.select(sa.func.pg_advisory_xact_lock(LOGIN_LOCK)))
            conn.execute(login_failures.delete().where(login_failures.c.at < now - FAILURE_WINDOW))
            lock = _lock(conn, name, address, now, proxy)
            if lock is not None:
                return [], lock
            ids = [
                conn.execute(login_failures.insert().values(key=key, at=now).returning(login_failures.c.id)).scalar_one()
                for key in _keys(name, address, proxy)
            ]
        return ids, None

    def left(self, name: str, address: str, now: float) -> tuple[int, int]:
        """Wrong passwords the name and the address may still send before they are locked out (counted by the
        name typed, so a name nobody has is answered as an account's)."""
        keys = _keys(name, address)
        query = sa.select(login_failures.c.key, sa.func.count()).where(
            login_failures.c.key.in_(keys), login_failures.c.at > now - FAILURE_WINDOW
        )
        with self.engine.connect() as conn:
            counts: dict[str, int] = {key: n for key, n in conn.execute(query.group_by(login_failures.c.key))}
        return FAILURES_ALLOWED["name"] - counts.get(keys[0], 0), FAILURES_ALLOWED["addr"] - counts.get(keys[1], 0)

    def succeeded(self, name: str, reserved: list[int]) -> None:
        """The password was right: the attempt was no failure, and the account's earlier ones are forgotten."""
        with self.engine.begin() as conn:
            conn.execute(login_failures.delete().where(login_failures.c.id.in_(reserved) | (login_failures.c.key == f"name:{name}")))

    def release(self, name: str) -> int:
        """Forget the account's wrong passwords (a login, an administrator's unlock); how many there were."""
        return self._forget(f"name:{name}")

    def release_address(self, address: str) -> int:
        """Forget the wrong passwords sent from an address, or through it as a trusted proxy (an administrator's
        unlock); how many there were."""
        return self._forget(f"addr:{plain(address)}") + self._forget(f"proxy:{plain(address)}")

    def locked(self, now: float) -> dict[str, list[tuple[str, int]]]:
        """What is locked now, by kind ("name", "addr", "proxy"): (the name or address, seconds until it may try again),
        the longest wait first."""
        with self.engine.connect() as conn:
            rows = conn.execute(
                sa.select(login_failures.c.key, login_failures.c.at).where(login_failures.c.at > now - FAILURE_WINDOW)
            ).all()
        waits = sorted(_waits(rows, {r.key for r in rows}, now).items(), key=lambda kw: (-kw[1], kw[0]))
        found: dict[str, list[tuple[str, int]]] = {kind: [] for kind in FAILURES_ALLOWED}
        for key, wait in waits:
            kind, value = key.split(":", 1)
            found[kind].append((value, _seconds(wait)))
        return found

    def tries(self, now: float) -> dict[str, int]:
        """Wrong passwords each account name typed within the last 15 minutes (names with none are absent)."""
        query = sa.select(login_failures.c.key, sa.func.count()).where(
            login_failures.c.key.like("name:%"), login_failures.c.at > now - FAILURE_WINDOW
        )
        with self.engine.connect() as conn:
            return {key.split(":", 1)[1]: n for key, n in conn.execute(query.group_by(login_failures.c.key))}

    def _forget(self, key: str) -> int:
        with self.engine.begin() as conn:
            return int(conn.execute(login_failures.delete().where(login_failures.c.key == key)).rowcount)


@dataclass(frozen=True)
class Lock:
    """Why a login is refused before its password is checked: the seconds until it may be tried again,
    and which ran out of wrong passwords: the account name, the client address, or both; or the trusted proxy
    the attempt came through (`proxy`). `checked`: this attempt's password was checked, wrong, and ran them out."""

    seconds: int
    name: bool
    address: bool
    proxy: bool = False
    checked: bool = False


def _keys(name: str, address: str, proxy: str = "") -> list[str]:
    """The throttle's keys of an attempt. A name typed longer than any account's is counted by its first `NAME_MAX`
    characters (the key column holds 120): anyone may type one, and it must be refused as a wrong password is."""
    return [f"name:{name[:NAME_MAX]}", f"addr:{plain(address)}", *([f"proxy:{plain(proxy)}"] if proxy else [])]


def _seconds(wait: float) -> int:
    return int(wait + 0.999)


def minutes(seconds: int) -> int:
    """A lock's wait as people are told it: whole minutes, rounded up, at least one."""
    return max(1, (seconds + 59) // 60)


def _waits(rows: Sequence[Any], keys: Iterable[str], now: float) -> dict[str, float]:
    """Seconds until each key that has used up its wrong passwords may try again (the others are absent)."""
    out = {}
    for key in keys:
        allowed = FAILURES_ALLOWED[key.split(":", 1)[0]]
        times = sorted(r.at for r in rows if r.key == key)
        if len(times) >= allowed:
            out[key] = times[-allowed] + FAILURE_WINDOW - now
    return out


def _lock(conn: Connection, name: str, address: str, now: float, proxy: str = "") -> Lock | None:
    keys = _keys(name, address, proxy)
    rows = conn.execute(
        sa.select(login_failures.c.key, login_failures.c.at).where(
            login_failures.c.key.in_(keys), login_failures.c.at > now - FAILURE_WINDOW
        )
    ).all()
    waits = _waits(rows, keys, now)
    if not waits:
        return None
    return Lock(_seconds(max(waits.values())), keys[0] in waits, keys[1] in waits, keys[-1] in waits and bool(proxy))


def log_in(
    accounts: Accounts, throttle: Throttle, name: str, password: str, address: str, now: float, proxy: str = ""
) -> tuple[User | None, Lock | None]:
    """(the account, None) when the password is right and no throttle applies; (None, the lock, if one applies
    now; `checked` when the password was wrong) otherwise. The attempt is recorded as a failure before the password is checked, and cleared when it was right.
    `proxy`: the trusted proxy the attempt came through, counted as well ("" for none)."""
    reserved, lock = throttle.reserve(name, address, now, proxy)
    if lock is not None:
        return None, lock
    user = accounts.authenticate(name, password)
    if user is None:
        lock = throttle.lock(name, address, now, proxy)
        return None, replace(lock, checked=True) if lock else None
    throttle.succeeded(name, reserved)
    return user, None
