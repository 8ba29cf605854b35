"""Pre-publication checks on rendered posts: channel limits, sensitive words, Advertising-Law terms.

A channel's limits are its kind's platform rules (`channels/kinds/`), the same functions publishing calls:
what `qm check` passes, publishing accepts. The rest is editorial advice that only the check gives."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol, TypeVar

from ..channels.kinds import kind_named, kinds, label_of
from ..inputs.campaign import Campaign
from ..inputs.content import ContentItem
from ..inputs.vocabulary import FIELD_LABELS
from ..support.errors import Problem
from ..support.values import poster_path
from .lint_view import View, read_as, view, written_in

if TYPE_CHECKING:  # a check whose posts were all checked before renders none: it starts without Jinja2
    from .payloads import RenderedPost

# Absolute terms the Advertising Law (《中华人民共和国广告法》第九条) forbids; brand content must avoid them.
ABSOLUTE_TERMS = (
    "最佳",
    "最好",
    "最优",
    "最高级",
    "最先进",
    "最低价",
    "第一",
    "唯一",
    "顶级",
    "极品",
    "国家级",
    "世界级",
    "首选",
    "独家",
    "万能",
    "100%",
)
# "第一" as a rank is forbidden; as an ordinal (第一步, 第一条, 第一时间) it is ordinary Chinese.
_ORDINAL_FIRST = re.compile(r"第一(?=[步次条款章节天个批期届轮年位项线课]|时间|阶段|责任人)")
# The complaint hotlines of the market-supervision family (12315, 12365 quality, 12331 food and drugs,
# 12358 prices, 12330 IP): a post quotes the campaign's own, via {{ hotline }}.
NATIONAL_HOTLINE = "12315"  # the national complaints hotline and platform (www.12315.cn): never a stale local number
_HOTLINE = re.compile(r"(?<!\d)123(?:15|65|31|58|30)(?!\d)")
# Wording about the launch event that only fits one side of its start.
_INVITES = re.compile(r"欢迎[^。；！]{0,20}(?:参加|参与|到现场|来现场|走进)|邀您|邀请您|将于|将在[^。；！]{0,30}举行|等您|即将")
_REPORTS = re.compile(r"已经?举行|举行了|圆满|顺利举办|今天(?:上午|下午|晚上)[^。；！]{0,40}举行|拉开了")
# Words that name a city's own people and reach (全市, 本市, 市民, 质量强市; 各县区 are a city's counties), in a
# county's (district's, banner's) campaign: not 市场, 加强市场, 城市民生, nor the national 质量强市示范城市 programme.
_CITY_WORDS = re.compile(r"全市(?!场)|本市(?!场)|(?<!城)市民(?!生)|(?<!加)强市(?!场|示范)|各县区")
# A finding quotes the words it is about in “”: where to look for them in the content.
_QUOTED = re.compile(r"“([^”]+)”")


@dataclass(frozen=True)
class Finding:
    post_id: str
    channel: str
    reason: str

    def told(self, campaign: Campaign) -> str:
        """As a message to staff words it: the channel as they call it (`label_of`)."""
        return f"{self.post_id}（{label_of(campaign, self.channel)}）：{self.reason}"


def lint_post(campaign: Campaign, post: RenderedPost) -> list[Finding]:
    """The channel's platform rules (the very ones publishing applies), then editorial advice."""
    channel = campaign.channel(post.channel)
    kind = kind_named(channel.kind) if channel is not None else None
    if channel is None or kind is None:
        return [Finding(post.post_id, post.channel, f"渠道 {post.channel} 没有配置（检查 config.yaml 的 channels）")]
    p = post.payload
    files = {img.ref: path for img in post.images if (path := poster_path(campaign.paths.posters, img)).is_file()}
    reasons = kind.problems(channel, p, files) + kind.advice(channel, p)
    text = "\n".join(kind.texts(p))
    reasons += _forbidden(campaign, text)
    reasons += _launch_wording(campaign, dt.datetime.fromisoformat(post.at), text)
    return [Finding(post.post_id, post.channel, r) for r in reasons]


PRINTED = ("title", "headline", "line", "summary")  # what posters and print sheets show of an item


class Printed(Protocol):
    """An item as posters and print sheets show it (a content item, a poster's text)."""

    @property
    def id(self) -> str: ...
    @property
    def title(self) -> str: ...
    @property
    def headline(self) -> str: ...
    @property
    def line(self) -> str: ...
    @property
    def summary(self) -> str: ...
    def where(self, name: str) -> str: ...


P = TypeVar("P", bound=Printed)


def printed_problems(
    campaign: Campaign,
    items: Iterable[P],
    reported: AbstractSet[tuple[str, str]] = frozenset(),
    words: Callable[[P], list[tuple[str, str]]] | None = None,
) -> list[Problem]:
    """The words posters and print sheets of `items` would show that the check forbids (the Advertising
    Law's terms, sensitive words, another hotline): any item can be printed, planned or not. Words an
    item's posts were already found to have ((item id, the words `read_as` reads them) in `reported`) are
    not told twice, however the post's text writes them (its full-width space collapsed). `words`: each
    item's `printed_words` (`qm check` keeps them per item)."""
    out = []
    for item in items:
        for field, reason in words(item) if words else printed_words(campaign, item):
            if (item.id, read_as(quoted(reason))) not in reported:
                out.append(Problem(f"内容 {item.id} 的{FIELD_LABELS[field]}{reason}", item.where(field), PRINTED_HINT))
    return out


PRINTED_HINT = "海报、传单和挂图都会印出这段文字：请修改这条内容"
PRINTED_PLACES = ("海报", "传单", "挂图")  # where `printed_words` appear besides the posts


def printed_words(campaign: Campaign, item: Printed) -> list[tuple[str, str]]:
    """(field, what is wrong) for each of the item's printed words the check forbids (`printed_problems`).
    A headline that is the title (the item has none of its own) is the title's finding, told once."""
    texts = ((field, getattr(item, field)) for field in PRINTED if field != "headline" or item.headline != item.title)
    return [(field, reason) for field, text in texts for reason in _forbidden(campaign, text)]


BODY_HINT = "这条内容可以发公众号，排上公众号时会发出正文：请修改"


def body_problems(
    campaign: Campaign,
    items: Iterable[ContentItem],
    reported: AbstractSet[tuple[str, str]] = frozenset(),
    words: Callable[[ContentItem], list[str]] | None = None,
) -> list[Problem]:
    """The words the check forbids in the body of each item that may go to a channel publishing it (WeChat), planned
    there now or not: the plan may put it there later. Words its posts were found to have (`reported`, as in
    `printed_problems`) are not told twice. `words`: each item's `body_words` (`qm check` keeps them per item)."""
    out = []
    for item in items:
        for reason in words(item) if words else body_words(campaign, item):
            if (item.id, read_as(quoted(reason))) not in reported:
                out.append(Problem(f"内容 {item.id} 的正文{reason}", item.where_text(quoted(reason)), BODY_HINT))
    return out


def body_channels(item: ContentItem) -> tuple[str, ...]:
    """The channel kinds the item may go to that publish its body (wechat); none: its body is never shown."""
    return tuple(k.name for k in kinds() if k.needs_body and item.allows(k.name))


def body_words(campaign: Campaign, item: ContentItem) -> list[str]:
    """What is wrong with the words of the item's body (`body_problems`), when a channel it may go to publishes it."""
    return _forbidden(campaign, item.body) if body_channels(item) else []


def quoted(reason: str) -> str:
    """The words a finding's reason quotes (“最好”); "" when it quotes none."""
    match = _QUOTED.search(reason)
    return match.group(1) if match else ""


def as_written(reason: str, text: str) -> str:
    """`reason` quoting its words as `text` writes them (`written_in`: a post's text may write them otherwise);
    "" when `text` does not hold them."""
    words = quoted(reason)
    written = written_in(words, text) if words else ""
    return reason.replace(f"“{words}”", f"“{written}”", 1) if written else ""


def _forbidden(campaign: Campaign, text: str) -> list[str]:
    """The words of `text` the check forbids (the Advertising Law's terms, sensitive words, another hotline),
    read as readers take them (`lint_view`)."""
    seen = view(text)
    return _words(campaign, seen) + _hotlines(campaign, seen) + _other_level(campaign, seen)


def _hotlines(campaign: Campaign, seen: View) -> list[str]:
    """The older national lines (12365, 12331 …, merged into 12315 since 2019) other than the campaign's own:
    12315 itself is the national hotline and platform, right whatever the campaign's local number is.
    Full-width digits (１２３６５) read as the digits they are, and are quoted as written."""
    right = (read_as(campaign.hotline), NATIONAL_HOTLINE)
    wrong = {n: seen.find(n) for n in _HOTLINE.findall(seen.text) if n not in right}
    return [
        f"写了热线“{wrong[n]}”，但本活动的投诉举报热线是 {campaign.hotline}（把内容里的号码改成 {{{{ hotline }}}}，由配置统一填写）"
        for n in sorted(wrong)
    ]


def _other_level(campaign: Campaign, seen: View) -> list[str]:
    """Words of a city's campaign (全市, 市民 …) in a county's, district's or banner's (campaign.level)."""
    if campaign.level == "市" or not _CITY_WORDS.search(seen.text):  # most texts: no name to mask
        return []
    level = campaign.level
    found = dict.fromkeys(m.group(0) for m in _CITY_WORDS.finditer(_unconfigured(campaign, seen.text)))
    return [
        f"写了“{word}”，但本活动是{level}级的（campaign.level: {level}）：改成本{level}的说法（如 全{level}、质量强{level}），"
        "或写占位符 {{ level }}、{{ people }}，由配置统一填写"
        for word in found
    ]


def _unconfigured(campaign: Campaign, text: str) -> str:
    """`text` with the proper names config.yaml fills in (a venue 县市民广场, an organizer, a contact's office
    12345市民热线) masked, each by as many characters: a name is no wording to change in the content. The
    campaign's name and theme are wording (a county's copied 建设质量强市): still told."""
    contacts = (word for c in campaign.contacts for word in (c.office, c.name))
    named = (campaign.organizer, campaign.organizer_short, campaign.key_dates.launch_venue, *campaign.co_organizers, *contacts)
    names = {read_as(v) for v in named if v.strip()}
    for name in sorted(names, key=len, reverse=True):
        text = text.replace(name, "\0" * len(name))
    return text


LAUNCH_TIMING = "发布时启动活动"  # the opening of the findings that depend on when a post goes out, not on its words alone


def about_timing(reason: str) -> bool:
    """The finding is about the post's time against the launch: the same words are right on another day."""
    return reason.startswith(LAUNCH_TIMING)


def _launch_wording(campaign: Campaign, at: dt.datetime, text: str) -> list[str]:
    """Launch posts invite before the event starts and report after it: the wording must fit the time."""
    if "启动" not in text:
        return []
    start = campaign.launch_start
    when = f"{campaign.launch_label}"
    if at < start and (m := _REPORTS.search(text)):
        return [f"{LAUNCH_TIMING}（{when}）还没开始，文案却写成已经举行（“{m.group(0)}”）"]
    if at >= start and (m := _INVITES.search(text)):
        return [f"{LAUNCH_TIMING}（{when}）已经开始，文案还在预告或邀请（“{m.group(0)}”）"]
    return []


def _words(campaign: Campaign, seen: View) -> list[str]:
    """The Advertising Law's terms and the sensitive words: a term written with a lookalike, a full-width
    character, a hidden character or a space inside is found too, quoted as written, then as the term it reads."""
    ordinal = _ORDINAL_FIRST.sub("第①", seen.text)  # as long as the text: found words are still placed
    out = []
    for term in (*ABSOLUTE_TERMS, *campaign.lint.absolute_terms_extra):
        if written := seen.find(read_as(term), ordinal):
            out.append(f"含有广告法禁用的绝对化用语{_as_written(written, term)}")
    for word in campaign.lint.sensitive_words:
        if word and (written := seen.find(read_as(word))):
            out.append(f"含有敏感词{_as_written(written, word)}")
    return out


def _as_written(written: str, word: str) -> str:
    """“words” as the content has them; when they differ from the word looked for, which word they read."""
    if written == word:
        return f"“{word}”"
    return f"“{written}”（即“{word}”：字间夹着看不见的字符或空格，或用了形近字、全角字）"
