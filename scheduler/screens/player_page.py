"""The kiosk player page of each screen, rendered from the user-editable `templates/screen/player.html` in the
sandbox: once when `qm screen serve` or `qm web` starts, and by `qm check` (this module loads no web server)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import jinja2

from ..inputs.campaign import Campaign
from ..rendering.sandbox import LinkOutside, NotUtf8, render, template_env
from ..rendering.template_errors import file_problem, render_problem, syntax_message
from ..support.errors import InputError, Problem

POLL_SECONDS = 15  # how often a player asks for a new playlist
# What `qm check` renders the page for when no screen is configured: any size shows the template's mistakes.
SAMPLE = ("示例", 1920, 1080, "")


def player_template(campaign: Campaign) -> Path:
    return campaign.paths.templates / "screen" / "player.html"


def player_pages(campaign: Campaign, hint: str = "改好后重新运行 qm screen serve") -> dict[str, bytes]:
    """Each screen's player page; InputError (in Chinese, with the template's file and line) when the template fails.
    Undefined names and what the sandbox refuses (`__class__`…) are errors, as in every other template."""
    path = player_template(campaign)
    env = template_env(path.parent, autoescape=True, undefined=jinja2.StrictUndefined)
    try:
        template = env.get_template(path.name)
    except jinja2.TemplateNotFound as exc:
        raise InputError(problems=[Problem("播放页面模板不存在", str(path), "从项目的 templates/screen/ 复制一份")]) from exc
    except jinja2.TemplateSyntaxError as exc:
        raise InputError(problems=[Problem(syntax_message(exc.message), f"{exc.filename or path}:{exc.lineno}", hint)]) from exc
    except (NotUtf8, LinkOutside) as exc:
        raise InputError(problems=[file_problem(exc)]) from exc
    screens = [(s.id, s.width, s.height, s.title) for s in campaign.screens] or [SAMPLE]
    pages = {}
    for sid, width, height, title in screens:
        config = {"screen": sid, "width": width, "height": height, "poll_seconds": POLL_SECONDS}
        context: dict[str, Any] = {"config": config, "title": f"{title or sid} - 电子屏播放", "width": width, "height": height}
        try:
            pages[sid] = render(template, context).encode()
        except Exception as exc:  # the template is the user's code: report against its line
            raise InputError(problems=[render_problem(exc, context, path.parent, path.name, f"生成 {sid} 的播放页面时出错", hint)]) from exc
    return pages


def player_problems(campaign: Campaign) -> list[Problem]:
    """`qm check`: what `qm screen serve` and `qm web` would refuse to start with. A campaign without screens
    that has no player template is not asked for one."""
    if not campaign.screens and not player_template(campaign).exists():
        return []
    try:
        player_pages(campaign, "改好后用 qm check 检查")
    except InputError as exc:
        return exc.problems or [Problem(str(exc))]
    return []
