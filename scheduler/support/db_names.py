"""How a database is named to people and told apart: its URL without the password, its server kind."""

from __future__ import annotations

from urllib.parse import unquote

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from .redact import MASK, secret_parameter, userinfo


def shown(url: str | sa.URL) -> str:
    """A database URL fit for messages: never its password (`qm:***@`, `password=***`, `sslpassword=***`), and its query
    as people write it (`?host=/run/postgresql`, not `%2Frun%2Fpostgresql`). A password written unencoded is cut where
    `redact.userinfo` ends it, at the host's "@" (SQLAlchemy stops at the first "@" or "?" after it: `qm:pa@ss?k=v@db`)."""
    user, bare = userinfo(url) if isinstance(url, str) else ("", "")
    if ":" in user:
        scheme, sep, rest = bare.partition("://")
        url = f"{scheme}{sep}{user.partition(':')[0]}:{MASK}@{rest}"
    parsed = sa.make_url(url)
    secrets = {name: MASK for name in parsed.query if secret_parameter(name)}  # libpq also takes a password as a parameter
    parsed = parsed.update_query_dict(secrets) if secrets else parsed
    address, mark, query = parsed.render_as_string(hide_password=True).partition("?")
    return address + mark + unquote(query)


def is_postgresql(engine: Engine) -> bool:
    return engine.dialect.name == "postgresql"
