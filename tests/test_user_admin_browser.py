"""The 账号 page in Chromium, on a phone (375 px) and a desktop (1280 px): every account and its buttons fit the
screen, an admin resets a password (typing their own first) and sees it once, and its owner is made to change it at the
next login; a locked network address is listed and lifted.
Screenshots go to QM_SHOTS when it names a folder (for a person to look at)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from scheduler.inputs.campaign import Campaign
from scheduler.web.sessions import Throttle
from tests.browser_helpers import chromium, need_chromium
from tests.test_user_admin_web import staffed
from tests.web_helpers import PASSWORD, Running, login

need_chromium()

SHOTS = os.environ.get("QM_SHOTS", "")


@pytest.fixture
def console(heihe: Campaign, tmp_path: Path) -> Iterator[Running]:
    with staffed(heihe, tmp_path) as r:
        r.add_user("市场监管局综合执法大队张队长", "reviewer")  # a long name must wrap, not widen the page
        r.console.accounts.set_disabled("赵审核", True, r.console.now())
        for _ in range(5):
            Throttle(r.console.engine).reserve("李编辑", "10.0.0.9", r.console.now())
        for n in range(20):
            Throttle(r.console.engine).reserve(f"nobody{n}", "2001:db8:85a3::8a2e:370:7334", r.console.now())
        yield r


def shot(page: Any, name: str) -> None:
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SHOTS) / f"{name}.png"), full_page=True)


def overflow(page: Any) -> int:
    """How many pixels the page is wider than the window (0: nothing to scroll sideways)."""
    return int(page.evaluate("document.documentElement.scrollWidth - window.innerWidth"))


@pytest.mark.parametrize("width", [375, 1280])
def test_the_accounts_page_fits_and_resets_a_password_once(console: Running, width: int) -> None:
    with chromium(width, 800) as browser:
        page = browser.new_page()
        login(page, console.url, "王科长")
        page.click("header nav >> text=账号")
        assert page.url.endswith("/users")
        rows = page.locator("table.users tbody tr")
        assert rows.count() == 4
        assert overflow(page) <= 0
        editor = rows.filter(has_text="李编辑")
        assert "锁定到" in editor.inner_text() and "5 次" in editor.inner_text()
        assert "已停用" in rows.filter(has_text="赵审核").inner_text()
        shot(page, f"users-{width}")
        editor.locator("summary").click()
        assert editor.locator("button", has_text="解除登录锁定").is_visible()
        assert overflow(page) <= 0
        shot(page, f"users-open-{width}")
        mine = rows.filter(has_text="王科长")
        mine.locator("summary").click()
        assert mine.locator("button", has_text="停用账号").is_disabled()  # the only admin
        editor.locator("button", has_text="自动生成临时密码").click()  # without the admin's own password
        page.wait_for_load_state()
        assert "请在“你的密码”里输入" in page.inner_text("main") and page.locator("code.password").count() == 0
        assert overflow(page) <= 0
        shot(page, f"users-refused-{width}")
        editor.locator("summary").click()
        editor.locator("form.pw input[name=mine]").fill(PASSWORD)
        editor.locator("button", has_text="自动生成临时密码").click()
        page.wait_for_load_state()
        shown = page.locator("code.password").inner_text()
        assert len(shown) == 14 and "李编辑 的临时密码" in page.inner_text("#shown-password")
        assert overflow(page) <= 0
        shot(page, f"users-shown-{width}")
        page.reload()  # a GET after the redirect: shows the password no more, makes no other
        assert page.locator("code.password").count() == 0 and "重设密码" in page.inner_text("#account-log")
        assert "临时密码不再显示" in page.inner_text("main")
        addresses = page.locator("#locked-addresses")
        assert "2001:db8:85a3::8a2e:370:7334" in addresses.inner_text() and overflow(page) <= 0
        addresses.scroll_into_view_if_needed()
        shot(page, f"users-addresses-{width}")
        addresses.locator("input[name=mine]").fill(PASSWORD)
        addresses.locator("button", has_text="解除这个地址的锁定").click()
        page.wait_for_load_state()
        assert "已解除地址 2001:db8:85a3::8a2e:370:7334" in page.inner_text("main")
        assert "现在没有暂停登录的地址" in page.inner_text("#locked-addresses") and "解除地址锁定" in page.inner_text("#account-log")
        style = "s => { const c = getComputedStyle(document.querySelector(s)); return [c.paddingLeft, c.marginTop]; }"
        assert page.evaluate(style, "form.add select") == ["7px", "2px"]
        page.goto(f"{console.url}/status")
        assert page.evaluate(style, "form.pause select") == ["8px", "0px"]  # the 账号 page's rule stays on that page
    with chromium(width, 800) as browser:
        page = browser.new_page()
        login(page, console.url, "李编辑", shown)
        assert page.url.endswith("/password") and "临时密码" in page.inner_text("main")
        shot(page, f"password-{width}")
        page.fill("input[name=current]", shown)
        page.fill("input[name=password]", PASSWORD + "-new")
        page.fill("input[name=password2]", PASSWORD + "-new")
        page.click("main button[type=submit]")
        page.wait_for_load_state()
        assert "密码已修改" in page.inner_text("main")
        page.click("header nav >> text=月历")
        assert page.url.rstrip("/") == console.url and "账号" not in page.inner_text("header nav")
