"""The console at phone width (375 px) on a post an attempt may have sent (`maybe_sent`), waiting for the
daemon's retry: no 退回 button, which could only be refused, but in its place the refusal's own words (check the
platform, then `qm cancel`, `qm confirm` or `qm retry`), on the day page and on the post's page alike."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

from scheduler.inputs.config import load_campaign
from scheduler.publishing import states as st
from scheduler.publishing.review import not_rejected
from tests.browser_helpers import chromium, need_chromium
from tests.web_helpers import console_server, login

from .test_maybe_sent import EVENING, POST, UNCLEAR, _failed_with, _qm

need_chromium()


def test_a_post_that_may_be_out_offers_no_reject_button_but_says_what_to_do_instead(project: Callable[..., Path]) -> None:
    config = project()
    assert _qm(config, "approve", POST, "--by", "张科长")[0] == 0
    _failed_with(config, POST, lambda version: {"version": version, "stage": "sending"}, UNCLEAR.format(POST), st.SCHEDULED)
    with console_server(load_campaign(config)) as r, chromium(375, 800) as browser:
        r.add_user("李科长", "reviewer")
        r.console.clock = lambda: dt.datetime.fromisoformat(EVENING).timestamp()
        page = browser.new_page()
        login(page, r.url, "李科长")
        for address in ("/day/2027-09-08", f"/post/{POST}"):
            page.goto(r.url + address)
            card = page.locator(f"#post-{POST}")
            assert card.locator("form[action$='/reject']").count() == 0, address
            said = card.locator(".actions .not-rejected")
            assert said.inner_text().startswith(not_rejected(POST)) and said.is_visible(), address
            assert not_rejected(POST).endswith("。") and "“取消发布”）" in not_rejected(POST)
            link = said.locator("a")  # the 取消发布 button is on the post's page: the day page leads there
            assert link.count() == (1 if address.startswith("/day") else 0), address
            if address.startswith("/day"):
                assert link.get_attribute("href") == f"/post/{POST}" and link.inner_text() == "到这条发布的页面取消"
            assert page.evaluate("document.documentElement.scrollWidth") <= 375, address
        page.goto(r.url + "/day/2027-09-08")
        others = page.locator(f".post:not(#post-{POST}) form[action$='/reject']")
        assert others.count() >= 1 and page.locator(".not-rejected").count() == 1  # the other posts can still be rejected
