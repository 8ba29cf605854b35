"""The Weibo kind (新浪微博): everything that knows one text with a picture.

kind.py      the kind the registry hands out (`KIND`): payload, preview block, hooks
config.py    the `channels.weibo` section of config.yaml
rules.py     what statuses/share accepts, error codes, the token's expiry: what `qm check` and every publisher apply
api.py       the publisher over statuses/share (`publisher: api`, `mode: api`; imported only when made)
assisted.py  the publisher for `mode: assisted`: staff get the ready post and confirm it
warnings.py  the token-expiry warning staff get ahead of time
stats.py     reposts, comments and likes of the posts published
"""

from .kind import KIND

__all__ = ["KIND"]
