"""The HTTP client qm talks to platforms, webhooks and screens with.

Every client trusts the certificates httpx trusts by default, loaded once per process: loading them
takes about 70 ms, and a simulation or a daemon that restarts its channels makes many clients.
`trust_env=False`: a proxy is configured where the address is (api_base, a webhook's url), never
picked up silently from the environment.
"""

from __future__ import annotations

import functools
import ssl
from typing import Any

import httpx


def client(**options: Any) -> httpx.Client:
    return httpx.Client(verify=tls(), trust_env=False, **options)


@functools.cache
def tls() -> ssl.SSLContext:
    """The certificate checks of httpx's default client (hostname and chain against certifi's roots)."""
    return httpx.create_ssl_context()
