"""Articles' CSS inliner is imported without `email.utils` (`channels/wechat/inliner.py`), inlines as css_inline
does, and leaves `email.utils` to be imported for real afterwards."""

from __future__ import annotations

import json
import subprocess
import sys

from .conftest import ROOT

HTML = '<html><head><style>p { color: #c00; } .lead { font-weight: bold }</style></head><body><p class="lead">质量月</p></body></html>'

PROBE = f"""
import json, sys
from scheduler.channels.wechat.inliner import inliner
inlined = inliner().inline({HTML!r})
before = "email.utils" in sys.modules
from email import utils
import email.utils
print(json.dumps([inlined, before, email.utils is utils is sys.modules["email.utils"], utils.formatdate(0, usegmt=True)]))
"""

PLAIN = f"""
import css_inline
print(css_inline.CSSInliner(keep_style_tags=False, load_remote_stylesheets=False).inline({HTML!r}))
"""


def _run(code: str) -> str:
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT).stdout


def test_the_inliner_is_imported_without_email_utils_and_inlines_as_css_inline_does() -> None:
    """And an email.utils imported before is used as it is."""
    inlined, before, real, date = json.loads(_run(PROBE))
    assert not before  # css_inline imported without email.utils (socket, calendar, ...)
    assert real and date == "Thu, 01 Jan 1970 00:00:00 GMT"  # imported for real afterwards
    assert inlined == _run(PLAIN).rstrip("\n")
    assert 'style="color: #c00;font-weight: bold;"' in inlined
    # an email.utils imported already is left as it is
    code = "import email.utils, sys\nreal = sys.modules['email.utils']\n" + PROBE.replace("print(", "assert real is utils\nprint(")
    inlined, before, real, _ = json.loads(_run(code))
    assert before and real and inlined == _run(PLAIN).rstrip("\n")


def test_the_stand_in_gives_the_real_module_for_anything_else_css_inline_may_ask() -> None:
    import email.utils

    from scheduler.channels.wechat.inliner import _stand_in

    stand_in = _stand_in()
    assert stand_in.parsedate_to_datetime("Mon, 30 Nov 2026 00:00:00 GMT") is None
    assert stand_in.formatdate is email.utils.formatdate
