"""WeChat Official Account rules, without I/O: article limits, image limits, and what codes mean.

Every limit is checked before any call, so a post the platform would refuse fails at once with a
message a person can act on, and nothing is half-uploaded. Limits come from the config (the
documented ones by default: practice accepts longer titles than the documentation says).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ...rendering.text_measures import utf8_size
from ...support.values import IMAGE_SCHEME, image_refs
from ..base import ChannelError, PermanentError, coded_error
from ..images import MB, image_kind
from .config import WeChatConfig

COVER_MAX = 10 * MB
INLINE_MAX = MB - 1  # "< 1 MB"
CONTENT_BYTES_MAX = MB - 1
SOURCE_URL_MAX = 1024

TOKEN_CODES = frozenset({40001, 40014, 42001})  # invalid, invalid, expired: refresh once and retry
TRANSIENT_CODES = frozenset({-1, 45009, 45011, 45066, 53501})
ALREADY_SENT = 45065  # mass send: this clientmsgid was sent within 24 h
INVALID_MEDIA_ID = 40007  # a media_id the platform does not hold (never uploaded, or deleted since)

MEANINGS: dict[int, str] = {
    -1: "微信系统繁忙",
    40001: "access_token 无效",
    40005: "图片格式不支持",
    40007: "素材编号（media_id）无效",
    40009: "图片太大",
    40013: "AppID 无效",
    40014: "access_token 不合法",
    40125: "AppSecret 无效",
    40164: "调用接口的服务器 IP 不在公众号的 IP 白名单中",
    41004: "缺少 AppSecret",
    42001: "access_token 已过期",
    45001: "文件太大",
    45003: "标题太长",
    45004: "摘要太长",
    45009: "接口今天的调用次数已用完",
    45011: "接口调用太频繁（每分钟限额）",
    45028: "群发次数已用完",
    45065: "相同 clientmsgid 的群发已发出",
    45066: "群发重试太快",
    45110: "作者名太长",
    48001: "公众号没有这个接口的权限",
    48003: "公众号尚未同意群发协议",
    53500: "发布功能被封禁",
    53501: "发布太频繁",
    53503: "草稿未通过发布检查",
}
RETRY = "，然后用 qm retry 重发"
EDITED = "，改好后用 qm retry 重发（改过的内容要重新审核）"
TOKEN = "qm 已重新获取一次 access_token，仍被拒绝：检查 channels.wechat.app_id 和存放 AppSecret 的环境变量是否与公众号后台一致" + RETRY
IMAGE = "封面不超过 10 MB，正文图片须为 jpg 或 png 且小于 1 MB：更换或压缩图片" + RETRY
HINTS: dict[int, str] = {  # what to do, for every code of MEANINGS but the transient ones (retried by themselves)
    40001: TOKEN,
    40005: IMAGE,
    40007: "qm 用到的封面或草稿已不在公众号素材库里（可能在后台被删除）：到公众号后台查看素材库和草稿箱" + RETRY,
    40009: IMAGE,
    40013: "检查 config.yaml 中 channels.wechat.app_id" + RETRY,
    40014: TOKEN,
    40125: "检查环境变量中的 AppSecret 是否与公众号后台一致（重置过 AppSecret 要同步更新）" + RETRY,
    40164: "在公众号后台“设置与开发—基本配置—IP 白名单”中加入发布服务器的公网 IP" + RETRY,
    41004: "设置存放 AppSecret 的环境变量" + RETRY,
    42001: TOKEN,
    45001: IMAGE,
    45003: "缩短标题（字数上限见 channels.wechat.limits.title，平台更严时把它调小，qm check 就会指出）" + EDITED,
    45004: "缩短摘要（字数上限见 channels.wechat.limits.digest，平台更严时把它调小，qm check 就会指出）" + EDITED,
    45028: "订阅号每天只能群发 1 次、服务号每月 4 次：改到下一个可发日期后用 qm retry 重发",
    45065: "这条群发已经发出过，不会再发：到公众号后台“发表记录”核实后用 qm confirm 补记",
    45110: "缩短 channels.wechat.author（作者名，上限见 limits.author，默认 16 字）" + EDITED,
    48001: "2025 年 7 月起未认证的公众号不能调用发布接口：认证公众号，或改用 mode: mass_send / publisher: outbox",
    48003: "由管理员在公众号后台“群发功能”中同意群发协议" + RETRY,
    53500: "公众号的发布功能被平台封禁：到公众号后台查看通知并处理；在此之前可改用 publisher: outbox 由工作人员手工发表",
    53503: "到公众号后台查看草稿的检查结果" + EDITED,
}
PUBLISH_STATUS: dict[int, str] = {
    0: "发布成功",
    1: "发布中",
    2: "原创声明失败",
    3: "常规失败",
    4: "平台审核不通过",
    5: "成功后用户删除了所有文章",
    6: "成功后被系统封禁",
}


MAYBE_OUT = (
    "之前一次{what}时连接中断，那一次可能已经发出：先到公众号后台“{where}”里核实，已发出的用 qm confirm {post} --url 链接 补记，"
    "不要改期重发（会再发一次给全部关注者）；确实没有的，{hint}"
)


REPEAT_WINDOW = 24 * 3600.0  # WeChat recognises a mass send repeated under the same clientmsgid this long (45065)
REPEAT_MARGIN = 3600.0  # no repeat this close to the window's end: its clock is not ours, a call takes a while
REPEAT_LATE = (
    "距可能已经发出的第一次群发已超过 {hours} 小时，微信只在 24 小时内认得出同一 clientmsgid 的重复群发，"
    "再群发会让全部关注者再收到一次：不再自动重试"
)


def too_late_to_repeat(post_id: str, since: float, now: float, channel: str) -> ChannelError | None:
    """Why a mass send whose first sendall (at `since`) may have gone out is not repeated at `now` (None while WeChat
    still recognises the repeat, safety margin kept): whatever the post's deadline, a person checks the sent list."""
    if now - since < REPEAT_WINDOW - REPEAT_MARGIN:
        return None
    hours = round((REPEAT_WINDOW - REPEAT_MARGIN) / 3600)
    return maybe_out(PermanentError(REPEAT_LATE.format(hours=hours), channel), post_id, "sending")


def maybe_out(exc: ChannelError, post_id: str, stage: str) -> ChannelError:
    """`exc` refusing a retry of a call an earlier attempt made without an answer (`stage`: `sending`, a mass send;
    `submitting`, a publish): permanent, its advice (move the post: 45028) comes after checking that one went out."""
    if not exc.permanent:
        return exc  # tried again by itself, the mark kept
    text, _, hint = str(exc).partition("。处理：")
    what, where = ("群发", "群发功能—已群发") if stage == "sending" else ("提交发布", "发表记录")
    advice = MAYBE_OUT.format(what=what, where=where, post=post_id, hint=hint or "再用 qm retry 重发")
    return PermanentError(f"{text}。处理：{advice}", exc.channel, exc.code)


def error(code: int, errmsg: str, call: str, channel: str) -> ChannelError:
    """A platform error as a channel error: transient ones are retried, the rest go to a person."""
    meaning = MEANINGS.get(code, "未知错误")
    detail = errmsg.split(" rid:")[0].strip()
    text = f"微信接口 {call} 返回错误 {code}（{meaning}）" + (f"：{detail}" if detail and detail != "ok" else "")
    return coded_error(text, code, HINTS, TRANSIENT_CODES, channel)


NOT_PUBLISHED = frozenset({2, 3, 4})  # final states in which no article appeared (5 and 6: it did, then went)


def publish_failure(status: int, publish_id: str, channel: str, progress: dict[str, Any] | None = None) -> PermanentError:
    """The publish job ended without a live article. For 2–4 nothing went out: `progress` (the receipt
    without the publish_id) lets a retry submit the draft again; after 5 or 6 it had been published."""
    meaning = PUBLISH_STATUS.get(status, f"未知状态 {status}")
    if status in NOT_PUBLISHED:
        kept = {k: v for k, v in (progress or {}).items() if k != "publish_id"}
        kept |= {"stage": "draft", "failed_publish_id": publish_id, "publish_status": status}
        return PermanentError(
            f"微信发布任务 {publish_id} 结束，状态 {status}：{meaning}，文章没有发出。请到公众号后台“发表记录”查看原因，修改后用 qm retry 重发",
            channel,
            status,
            progress=kept,
        )
    return PermanentError(
        f"微信发布任务 {publish_id} 结束，状态 {status}：{meaning}（文章曾经发出）。请到公众号后台“发表记录”核实，不要重发",
        channel,
        status,
    )


def problems(config: WeChatConfig, payload: Mapping[str, Any], files: Mapping[str, Path]) -> list[str]:
    """Every reason draft/add or the image uploads would refuse this article; empty when it fits.

    The one set of rules `qm check` and publishing both apply. `files` maps image placeholders to
    their files; an image without a file (no poster drawn yet) is checked when it is drawn."""
    found = []
    for key, label, limit in (
        ("title", "标题", config.title_max),
        ("author", "作者", config.author_max),
        ("digest", "摘要", config.digest_max),
    ):
        value = str(payload.get(key, ""))
        if len(value) > limit:
            found.append(f"{label}超过 {limit} 字（现为 {len(value)} 字）")
    if not str(payload.get("title", "")).strip():
        found.append("标题为空")
    content = str(payload.get("content", ""))
    if len(content) >= config.content_max:  # "< 20,000 characters"
        found.append(f"正文须少于 {config.content_max} 字符（现为 {len(content)}）")
    if utf8_size(content) > CONTENT_BYTES_MAX:
        found.append(f"正文 {utf8_size(content) / MB:.2f} MB，须小于 1 MB")
    if utf8_size(str(payload.get("content_source_url", ""))) > SOURCE_URL_MAX:
        found.append("原文链接（content_source_url）超过 1 KB")
    cover = str(payload.get("cover", ""))
    if not cover.startswith(IMAGE_SCHEME):
        found.append("没有封面图（thumb_media_id 必填）")
    for ref in dict.fromkeys([cover, *placeholders(content)]):
        if ref in files and (problem := image_problem(files[ref], cover=ref == cover)):
            found.append(problem)
    return found


def image_problem(path: Path, *, cover: bool) -> str:
    """Why this file cannot be a cover (≤10 MB, bmp/png/jpeg/gif) or an in-article image (<1 MB, jpg/png)."""
    kinds, limit, label = (("png", "jpeg", "gif", "bmp"), COVER_MAX, "封面") if cover else (("png", "jpeg"), INLINE_MAX, "正文图片")
    kind, size = image_kind(path), path.stat().st_size
    if kind not in kinds:
        return f"{label} {path.name} 的格式不被接受（只能是 {'/'.join(kinds)}）"
    if size > limit:
        return f"{label} {path.name} 有 {size / MB:.2f} MB，超过{'10 MB' if cover else '1 MB'}"
    return ""


def placeholders(content: str) -> list[str]:
    return list(dict.fromkeys(image_refs(content)))
