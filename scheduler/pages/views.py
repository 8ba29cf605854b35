"""The console's Jinja2 environment: the templates in templates/, always autoescaped, strict about names."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import jinja2

from .posts import STATE_LABELS

HERE = Path(__file__).resolve().parent
STATIC = HERE / "static"
CSS = STATIC / "console.css"
ROLE_LABELS = {"editor": "编辑", "reviewer": "审核人", "admin": "管理员"}


@cache
def environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(HERE / "templates")),
        autoescape=True,  # every value is text unless a view model marks it as built HTML
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.globals["STATE_LABELS"] = STATE_LABELS
    env.globals["ROLE_LABELS"] = ROLE_LABELS
    return env


def render(name: str, **context: Any) -> str:
    """A page; `context` needs `title`, `nav` (the current section), `user` and `csrf_token` for the layout."""
    return environment().get_template(name).render(**context)
