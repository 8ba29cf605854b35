"""The CSS inliner of WeChat articles (css_inline), imported when an article is first rendered.

css_inline's compiled module, when imported, describes its own build (`css_inline.__build__`, made by
pyo3-built) and reads the build's date with `email.utils.parsedate_to_datetime`: importing `email.utils`
brings `socket`, `calendar`, `base64`, `email.charset` and more, about 6 ms of CPU, two thirds of the
inliner's import and 5 % of a `qm check` after one edit, for a date qm never reads. So while css_inline is
imported, a stand-in `email.utils` answers that one call (the build's date is then None); it is removed
again at once, and a later `import email.utils` (an HTTP client's) gets the real module. The real module is
used as it is when it was imported already, when another thread runs (it might import `email.utils` in that
moment) and when the import with the stand-in fails (a css_inline that wants more of `email.utils`).
"""

from __future__ import annotations

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
    if _STAND_IN not in sys.modules and (threading is None or threading.active_count() == 1):
        stand_in = ModuleType(_STAND_IN)
        stand_in.parsedate_to_datetime = lambda text: None  # type: ignore[attr-defined]
        sys.modules[_STAND_IN] = stand_in
        try:
            import css_inline
        except Exception:  # imported again below with the real module, which reports a real failure
            for name in [n for n in sys.modules if n == "css_inline" or n.startswith("css_inline.")]:
                del sys.modules[name]
        else:
            return css_inline
        finally:
            if sys.modules.get(_STAND_IN) is stand_in:
                del sys.modules[_STAND_IN]
    import css_inline

    return css_inline
