"""The campaign's terms: names a poster title never splits across two lines ("地理标 / 志").

The one list: the title breaker (`titlebreak.py`) never breaks inside a term, and the word splitter
(`words.py`) adds every term to its dictionary and never ends a word inside one.

A reviewed list, read from the campaign's own vocabulary: every term occurs in the bundled content
library (content/) or the templates, and a test keeps it so. The general dictionary splits many of
them ("质量 / 月", "地理 / 标志"), and a title that breaks one reads as two other words. Add a term
here when a new content item names a campaign, a mark, a law or a hotline that must stay whole;
keep it short (a long term leaves fewer ways to break a title).
"""

from __future__ import annotations

import functools

TERMS = (
    # the campaign and its goals
    "质量月",
    "质量强国",
    "质量强市",
    "质量奖",
    "市场监管",
    # marks, certificates and codes a buyer looks for
    "地理标志",
    "专用标志",
    "绿色食品",
    "有机产品",
    "有机码",
    "合格证",
    "能效标识",
    "CCC认证",
    "检测报告",
    "检验报告",
    "食品标签",
    "食品接触用",
    # brands and trademarks
    "品牌",
    "商标",
    "注册商标",
    "驰名商标",
    "老字号",
    # consumers' rights and the hotline
    "消费者权益",
    "消费维权",
    "无理由退货",
    "三包",
    "明码标价",
    "假冒伪劣",
    "12315",
    "12365",
    # laws, duties and the workplace
    "产品质量法",
    "主体责任",
    "食品安全",
    "计量",
    "信得过班组",
    "QC小组",
    "五小",
    "人机料法环",
    "首问负责",
    "工匠精神",
    "质量故事",
    "质量信用",
)


@functools.lru_cache(maxsize=1024)
def inside(text: str) -> frozenset[int]:
    """Offsets in `text` that fall inside a term (between its first and last character): no line breaks there."""
    out: set[int] = set()
    for term in TERMS:
        at = text.find(term)
        while at >= 0:
            out.update(range(at + 1, at + len(term)))
            at = text.find(term, at + 1)
    return frozenset(out)
