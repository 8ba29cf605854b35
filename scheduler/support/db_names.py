"""How a database is named to people and told apart: its URL without the password, its server kind."""

from __future__ import annotations

from urllib.parse import unquote

import sqlalchemy as sa
from sqlalchemy.engine import Engine


def shown(url: str | sa.URL) -> str:
    """A database URL fit for messages: never its password (`qm:***@`, `password=***`), and its query
    as people write it (`?host=/run/postgresql`, not `%2Frun%2Fpostgresql`)."""
    parsed = sa.make_url(url)
    if "password" in parsed.query:  # libpq also takes the password as a parameter
        parsed = parsed.update_query_dict({"password": "***"})
    address, mark, query = parsed.render_as_string(hide_password=True).partition("?")
    return address + mark + unquote(query)


def is_postgresql(engine: Engine) -> bool:
    return engine.dialect.name == "postgresql"
