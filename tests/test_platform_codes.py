"""Every WeChat and Weibo error code qm knows ends its message with what to do (in Chinese)."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from scheduler.channels.base import ChannelError, PermanentError, TransientError
from scheduler.channels.wechat import rules as wechat
from scheduler.channels.weibo import rules as weibo

Error = Callable[[int], ChannelError]
PLATFORMS: dict[str, tuple[Error, dict[int, str], frozenset[int]]] = {
    "wechat": (lambda code: wechat.error(code, "x", "draft/add", "wechat"), wechat.MEANINGS, wechat.TRANSIENT_CODES),
    "weibo": (lambda code: weibo.error(code, "x", "weibo"), weibo.MEANINGS, weibo.TRANSIENT_CODES),
}
CODES = [(name, code) for name, (_, meanings, _) in PLATFORMS.items() for code in meanings]


@pytest.mark.parametrize(("platform", "code"), CODES, ids=[f"{n}-{c}" for n, c in CODES])
def test_every_known_code_says_what_it_means_and_what_to_do(platform: str, code: int) -> None:
    error, meanings, transient = PLATFORMS[platform]
    caught = error(code)
    said, _, todo = str(caught).partition("。处理：")
    assert f"{code}（{meanings[code]}）" in said and todo  # never a code without a way out
    if code in transient:
        assert isinstance(caught, TransientError) and "自动重试" in todo
    else:  # a person must act: told how, for this code
        assert isinstance(caught, PermanentError) and "自动重试" not in todo and "qm 不认识" not in todo


@pytest.mark.parametrize("platform", list(PLATFORMS))
def test_a_code_qm_does_not_know_says_so_and_how_to_go_on(platform: str) -> None:
    caught = PLATFORMS[platform][0](99999)
    assert isinstance(caught, PermanentError) and str(caught).endswith(
        "。处理：qm 不认识这个错误码：按平台开放文档中错误码的说明处理，然后用 qm retry 重发"
    )
