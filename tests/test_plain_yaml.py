"""The plainest front matter read without PyYAML (scheduler/inputs/plain_yaml.py): the same trees and line
marks as PyYAML's, and every text it is not sure of left to PyYAML."""

from __future__ import annotations

from typing import Any

import pytest

from scheduler.inputs import located_yaml as yamlsrc
from scheduler.inputs.plain_yaml import simple

from .test_parse_cache import _same, _shipped_texts


def by_pyyaml(text: str, source: str, offset: int) -> Any:
    loader = yamlsrc._loader_class()(text)
    loader.qm_source, loader.qm_offset = source, offset
    try:
        return loader.get_single_data()
    finally:
        loader.dispose()


def test_shipped_front_matter_is_read_as_pyyaml_reads_it() -> None:
    read = 0
    for text, source, offset in _shipped_texts():
        if (tree := simple(text, source, offset)) is not None:
            _same(tree, by_pyyaml(text, source, offset), source)
            read += 1
    assert read >= 50  # most of the content library's front matter


PLAIN = [
    "id: a\ntitle: 质量月：标题\n",
    "id: a\ntags: [人机料法环, 食品车间]\nline: 好糕点\n",
    "tags: []\n",
    "tags: [ ]\n",
    "tags: [a,b ,  c]\n",
    "a: http://example.com/x?y=1#z\n",
    "a: b:c\n",
    'a: it\'s "quoted" inside\n',
    "a:    spaced   out   \n",
    "a: Yes!\n",
    "a: NaN\n",
    "a: y\nb: n\nc: Y\n",
    "a: 《标题》\nb: （注）\n",
    "a: a - b\nb: x?\n",
    "key_with-dash_1: v\n_private: v\n",
    "a: b",  # no final newline
]

NOT_PLAIN = [
    "",
    "\n",
    "a: 1\n",
    "a: -1\n",
    "a: +1\n",
    "a: .5\n",
    "a: 0x1f\n",
    "a: 20:00\n",
    "a: 2027-09-01\n",
    "a: yes\n",
    "a: No\n",
    "a: ON\n",
    "a: off\n",
    "a: true\n",
    "a: False\n",
    "a: null\n",
    "a: ~\n",
    "a: =\n",
    "a: <<\n",
    "a:\n",
    "a: \n",
    "a:b\n",
    "a : b\n",
    "yes: b\n",
    "Null: b\n",
    "1: b\n",
    "键: b\n",
    "a: 'quoted'\n",
    'a: "quoted"\n',
    "a: b # comment\n",
    "# comment\na: b\n",
    "a: b\n\nc: d\n",
    "a: b\n  continued\n",
    "a: b: c\n",
    "a: ends with:\n",
    "a: b\na: c\n",
    "a: &x b\n",
    "a: *x\n",
    "a: !tag b\n",
    "a: |\n  b\n",
    "a: >\n  b\n",
    "a: {b: c}\n",
    "a: {{ hotline }}\n",
    "a: %x\n",
    "a: @x\n",
    "a: `x\n",
    "a: [1, b]\n",
    "a: [b, yes]\n",
    "a: [b, ]\n",
    "a: [b, , c]\n",
    "a: [b, [c]]\n",
    "a: [b: c]\n",
    "a: [b #c]\n",
    "a: ['b']\n",
    "a: [b] c\n",
    "a: [b\n",
    "a:\tb\n",
    "a: b\tc\n",
    "a: b\r\n",
    "a: b\u3000c\n",
    "a: \ufeffb\n",
    "a: b\u200bc\n",
    "a: b\x85c\n",
    "a: b\u2028c\n",
    "a: b\x07\n",
    "- a\n",
    "---\na: b\n",
    "a:\n  b: c\n",
]


@pytest.mark.parametrize("text", PLAIN)
def test_a_plain_text_is_read_as_pyyaml_reads_it(text: str) -> None:
    tree = simple(text, "x.md", 1)
    assert tree is not None
    _same(tree, by_pyyaml(text, "x.md", 1), text)


@pytest.mark.parametrize("text", NOT_PLAIN)
def test_anything_else_is_left_to_pyyaml(text: str) -> None:
    """Numbers, dates, booleans, null, quotes, comments, nesting, errors, unusual characters: PyYAML reads
    them (some differently from plain text, some not at all); whatever PyYAML makes of them, not this."""
    assert simple(text, "x.md", 1) is None
    try:
        parsed = yamlsrc.parse_text(text, "x.md", 1)
    except yamlsrc.YamlSyntaxError:
        return
    _same(parsed, by_pyyaml(text, "x.md", 1), text)
