"""The WeChat Official Account kind (微信公众号): everything that knows an article with a cover.

kind.py     the kind the registry hands out (`KIND`): payload, preview block, hooks
config.py   the `channels.wechat` section of config.yaml
rules.py    article and image limits, error codes: what `qm check` and every publisher apply
api.py      the publisher over the official HTTP API (`publisher: api`; imported only when made)
quota.py    mass-send quotas, decided in advance; warnings.py tells staff and moves a send
stats.py    the data APIs (datacube) for the articles published
"""

from .kind import KIND

__all__ = ["KIND"]
