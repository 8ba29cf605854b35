"""A fake WeChat Official Account API following the documented contract (see the channel facts).

`account.py` is the server: the account's credentials and access tokens, and which part answers
which call. The parts, each with its own state: `library.py` images and drafts, `sending.py`
publishing and mass sends (and so the deliveries), `statistics.py` the `datacube` figures of what
went out. `answers.py` is how every part answers (errors as HTTP 200 with `errcode`).
"""

from .account import FakeWeChat

__all__ = ["FakeWeChat"]
