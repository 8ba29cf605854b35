"""The CSS inliner of WeChat articles (css_inline), imported when an article is first rendered.

css_inline's compiled module, when imported, describes its own build (`css_inline.__build__`, made by
pyo3-built) and reads the build's date with `email.utils.parsedate_to_datetime`: importing `email.utils`
brings `socket`, `calendar`, `base64`, `email.charset` and more, about 6 ms of CPU, two thirds of the
inliner's import and 5 % of a `qm check` after one edit, for a date qm never reads. So while css_inline is
imported, a stand-in `email.utils` answers that one call (the build's date is then None); it is removed
again at once, and a later `import email.utils` (an HTTP client's) gets the real module. The real module is
used as it is when it was imported already and when another thread runs (it might import `email.utils` in that
moment); a css_inline that asks the stand-in for anything else gets the real module's.
"""

from __future__ import annotations

import importlib
import sys
from functools import cache
from types import ModuleType
from typing import Any

_STAND_IN = "email.utils"


@cache
def inliner() -> Any:
    """css_inline's inliner as articles use it: the style tags' rules written into the elements, no remote sheets."""
    return _css_inline().CSSInliner(keep_style_tags=False, load_remote_stylesheets=False)


def _css_inline() -> Any:
    threading = sys.modules.get("threading")
    if _STAND_IN in sys.modules or (threading is not None and threading.active_count() > 1):
        import css_inline

        return css_inline
    stand_in = sys.modules[_STAND_IN] = _stand_in()
    try:
        import css_inline
    finally:
        if sys.modules.get(_STAND_IN) is stand_in:
            del sys.modules[_STAND_IN]
    return css_inline


def _stand_in() -> ModuleType:
    """`email.utils` for css_inline's import: the build's date is None; anything else asked of it is the real
    module's (imported then), so a css_inline that wants more of `email.utils` still gets it."""
    stand_in = ModuleType(_STAND_IN)

    def real(name: str) -> Any:
        if sys.modules.get(_STAND_IN) is stand_in:
            del sys.modules[_STAND_IN]
        return getattr(importlib.import_module(_STAND_IN), name)

    vars(stand_in).update(parsedate_to_datetime=lambda text: None, __getattr__=real)  # a module's __getattr__: PEP 562
    return stand_in
