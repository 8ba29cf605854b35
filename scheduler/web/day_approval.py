"""A day's approve buttons (one per review stage its posts wait for, `review_said.bulk_groups`):

    POST /day/<YYYY-MM-DD>/approve      pass the stage each listed post showed (fields: post …, each "id version stage";
                                        a bare id passes nothing); a stage passed already is left alone and counted apart
                                        (posts that cannot pass are named on the day page after a redirect: `flash`)

Done, the day page says how many passed at each stage and what comes next (`review_said.passed_message`), kept for
the session (`flash`: `?said=<key>&done=passed`), so that no link can make the page say posts were approved.
"""

from __future__ import annotations

from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from ..publishing import review, review_rules
from ..support.errors import QmError
from . import flash
from .app import WEB, Call, action
from .pages import UNSHOWN, day_of, redirect_done, site_of, with_param
from .review_said import passed_message


def routes() -> list[BaseRoute]:
    return [Route("/day/{day}/approve", approve_day, methods=["POST"])]


@action("editor")
def approve_day(call: Call) -> Response:
    """Pass the stage each post listed on the day page showed; the ones that cannot pass are named with the reason."""
    day, console = day_of(call.request.path_params["day"], call), call.console
    assert call.user is not None and call.form is not None
    refused: list[str] = []
    passed: dict[str, int] = {}  # by stage, in the order passed
    again = 0  # passed already (a double tap, another device): nothing done
    under, site = review_rules.of(console.campaign), site_of(console)  # the site once: it re-reads the content folder's state
    for post_id, version, stage in [_listed(v) for v in call.form.getlist("post") if isinstance(v, str)]:
        if version is None or stage is None:  # not what the day page sends: nothing the person saw to pass
            refused.append(f"{post_id}：{UNSHOWN}")
            continue
        post = console.queue.get(post_id)
        if post is not None and (unseen := site.unseen_pictures(post)):  # its picture is not the one to go out
            refused.append(unseen)
            continue
        try:
            result = review.pass_stage(
                console.queue,
                post_id,
                call.user.name,
                console.now(),
                console.campaign.review,
                stage=stage,
                role=call.user.role,
                version=version,
                via=WEB,
                under=under,
                tz=console.campaign.timezone,
            )
        except review_rules.RulesDiffer as exc:  # the same for every post: said once
            return RedirectResponse(f"/day/{day.isoformat()}?note={flash.keep(call, str(exc))}", status_code=303)
        except QmError as exc:  # named by its id, unless the reason already names it
            refused.append(str(exc) if post_id in str(exc) else f"{post_id}：{exc}")
            continue
        if result is None or result.again:  # approved already, or this stage passed already
            again += 1
        else:
            passed[result.stage] = passed.get(result.stage, 0) + 1
    if refused:  # said on the day page after a redirect, so that reloading it approves nothing again
        done = sum(passed.values())  # passed now: not the ones passed already (`again`)
        head = f"通过了 {done} 条；" if done else ""
        head += f"{again} 条此前已通过（可能是在另一台设备或另一个窗口里），这次没有再做任何操作；" if again else ""
        note = flash.keep(call, f"{head}以下 {len(refused)} 条没有通过：" + "；".join(refused))
        return RedirectResponse(f"/day/{day.isoformat()}?note={note}", status_code=303)
    said = flash.keep(call, passed_message(passed, again, console.campaign.review), "said")  # kept here, not in the address
    return redirect_done(with_param(f"/day/{day.isoformat()}", "said", said), "passed")


def _listed(value: str) -> tuple[str, str | None, str | None]:
    """A `post` field of the day's form: "id version stage" (what the page showed); a crafted one may lack them."""
    post_id, version, stage = [*value.strip().split(" ", 2), "", ""][:3]
    return post_id, version or None, stage or None
