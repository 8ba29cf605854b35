"""How a database is named to people and told apart: its URL without the password, its server kind."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.engine import Engine


def shown(url: str | sa.URL) -> str:
    """A database URL fit for messages: never its password."""
    return sa.make_url(url).render_as_string(hide_password=True)


def is_postgresql(engine: Engine) -> bool:
    return engine.dialect.name == "postgresql"
