"""Screenshots of the review console for its guide (docs/guide/web.md): the month, a day and the edit form at 375 and 1440 px.

Runs the real `qm web` application (on loopback) over a temporary copy of the 2016 example as seen on
its first morning, with the launch day's posters drawn, the day approved, one item edited afterwards
(so the day shows the diff) and one post failed; then drives Debian's Chromium through Playwright.

    .venv/bin/python -m docs.screenshots        # writes docs/console-*.png
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import sqlalchemy as sa

from scheduler.inputs.campaign import ReviewConfig, Stage
from scheduler.inputs.config import load_campaign
from scheduler.inputs.content import load_library
from scheduler.inputs.content_save import open_form, refresh, save
from scheduler.planning.planner import make_plan
from scheduler.publishing import review
from scheduler.publishing import states as st
from scheduler.publishing.tables import posts
from scheduler.rendering.payloads import Renderer
from tests.browser_helpers import chromium
from tests.web_helpers import BEFORE, console_server, local, login

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
DAY = "2016-09-08"
SHOTS = {"month": "/month/2016-09", "day": f"/day/{DAY}", "edit": None}
MAX_HEIGHT = 2600  # a phone page is long: the top of it is what the guide shows


def main() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        for name in ("content", "templates"):
            shutil.copytree(ROOT / name, folder / name)
        text = (ROOT / "examples/heihe-2016/config.yaml").read_text(encoding="utf-8")
        (folder / "config.yaml").write_text(
            text.replace("../../content", "content").replace("../../templates", "templates"), encoding="utf-8"
        )
        subprocess.run(
            [sys.executable, "-m", "scheduler", "posters", "-c", str(folder / "config.yaml"), "--from", DAY, "--to", DAY], check=True
        )
        stages = ReviewConfig(stages=(Stage("初审", "editor"), Stage("终审", "reviewer")))
        campaign = local(load_campaign(folder / "config.yaml"), folder, review=stages)
        library = load_library(campaign.paths.content, campaign.text_values)
        plan = make_plan(campaign, library)
        with console_server(campaign, plan) as running:
            now = BEFORE.timestamp()
            running.console.clock = lambda: now
            running.add_user("王编辑", "editor")
            running.add_user("李科长", "reviewer")
            queue = running.queue
            day_posts = [p for p in plan.posts if p.at.date().isoformat() == DAY]
            for p in day_posts[:-1]:
                review.pass_stage(queue, p.id, "王编辑", now, stages)
            for p in day_posts[:3]:
                review.pass_stage(queue, p.id, "李科长", now, stages)
            weibo = next(p for p in day_posts if p.channel == "weibo")
            review.pass_stage(queue, weibo.id, "李科长", now, stages)
            form = open_form(library, weibo.item.id)
            values = (
                {"summary": weibo.item.summary.replace("欢迎", "诚邀")}
                if "欢迎" in weibo.item.summary
                else {"title": weibo.item.title + "！"}
            )
            saved = save(campaign, library, plan, Renderer(campaign), weibo.item.id, values, form.digest)
            refresh(queue, campaign, Renderer(campaign), saved, "王编辑（web）", now)
            failed = next(p for p in plan.posts if p.at.date().isoformat() == "2016-09-12" and p.channel == "weibo")
            with queue.engine.begin() as conn:
                conn.execute(
                    sa.update(posts)
                    .where(posts.c.id == failed.id)
                    .values(state=st.FAILED, last_error="微博接口 20016：发布过于频繁，重试 6 次仍失败")
                )
            wechat = next(p for p in day_posts if p.channel == "wechat")
            with chromium() as browser:
                page = browser.new_page()
                login(page, running.url, "李科长")
                for width in (375, 1440):
                    page.set_viewport_size({"width": width, "height": 900})
                    for name, path in SHOTS.items():
                        if path is None:  # the edit form after a refused save: the message sits under its field
                            page.goto(f"{running.url}/edit/{wechat.item.id}")
                            page.fill("#f-title", "全市最好的质量月启动活动")
                            page.click("button:has-text('检查并保存')")
                        else:
                            page.goto(running.url + path)
                        page.wait_for_load_state("networkidle")
                        height = min(MAX_HEIGHT, page.evaluate("document.documentElement.scrollHeight"))
                        target = DOCS / f"console-{name}-{width}.png"
                        page.screenshot(path=str(target), clip={"x": 0, "y": 0, "width": width, "height": height}, full_page=True)
                        print(target.relative_to(ROOT))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
