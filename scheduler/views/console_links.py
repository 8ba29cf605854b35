"""Addresses of console pages, for notifications: empty when `web.public_url` is not configured."""

from __future__ import annotations

import datetime as dt
from urllib.parse import quote

from ..inputs.campaign import Campaign
from ..support.notify import Markup


def day_url(campaign: Campaign, day: dt.date) -> str:
    return f"{campaign.web.public_url}/day/{day.isoformat()}" if campaign.web.public_url else ""


def post_url(campaign: Campaign, post_id: str) -> str:
    return f"{campaign.web.public_url}/post/{quote(post_id)}" if campaign.web.public_url else ""


def link_line(url: str) -> tuple[str, ...]:
    """One notice line with the page's address as a link, or none."""
    return (Markup(f"在控制台处理：[{url}]({url})"),) if url else ()
