from __future__ import annotations

import pytest

from scheduler.rendering.text_measures import has_weibo_topic, weibo_length


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", 0),
        ("质量", 2),  # two Han characters: 4 half-units
        ("a", 1),  # one half-unit rounds up
        ("ab", 1),
        ("abc", 2),
        ("质量a", 3),  # 5 half-units -> 3
        ("12315", 3),
        ("https://www.example.gov.cn/a/very/long/path?with=query", 10),  # a URL counts as 10
        ("看这里 http://t.cn/abc", 14),  # 3 Han + space (7 halves) + URL (20) = 27 -> 14
        ("，。！", 3),  # full-width punctuation weighs like Han
        ("质" * 140, 140),
        ("质" * 141, 141),
    ],
)
def test_weibo_length_counts_like_weibo(text: str, expected: int) -> None:
    assert weibo_length(text) == expected


def test_two_urls_count_ten_each() -> None:
    assert weibo_length("https://a.cn/x https://b.cn/y") == 21  # 20 + 1 space half-unit + 20 -> 41 halves


def test_url_stops_at_chinese_punctuation() -> None:
    assert weibo_length("详见https://a.cn/x。") == 2 + 10 + 1


def test_topic_detection() -> None:
    assert has_weibo_topic("欢迎参与#质量月#活动")
    assert not has_weibo_topic("编号#1 和 #2")
