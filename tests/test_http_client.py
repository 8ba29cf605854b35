"""The HTTP client of channels, notices and screens: certificates checked, loaded once, no proxy from the environment."""

from __future__ import annotations

import ssl
from typing import Any

import pytest

from scheduler.channels.wechat.api import WeChatChannel
from scheduler.inputs.campaign import Campaign
from scheduler.runtime.clock import FakeClock
from scheduler.screens.anthias import AnthiasClient
from scheduler.support import http_client
from scheduler.support.notify import Notifications

from .channel_helpers import SECRET, configured, posters

PLATFORM = "wechat"  # the conftest fixtures clock, server, campaign


def test_every_client_checks_certificates_with_one_context_loaded_once(campaign: Campaign, clock: FakeClock) -> None:
    first = http_client.client()
    loaded = http_client.tls.cache_info().misses
    channel = WeChatChannel(configured(campaign, "wechat"), SECRET, posters(campaign), clock)
    notices = Notifications(()).client
    screen = AnthiasClient("https://192.0.2.1")
    contexts = {c._transport._pool._ssl_context for c in (first, channel.client, notices, screen.http)}  # type: ignore[attr-defined]
    assert http_client.tls.cache_info().misses == loaded <= 1  # certificates were loaded at most once in this process
    (context,) = contexts
    assert context.verify_mode == ssl.CERT_REQUIRED and context.check_hostname
    assert context.cert_store_stats()["x509_ca"] > 100  # the usual public roots, as httpx's default client has
    for c in (first, channel.client, notices, screen.http):
        c.close()


def test_a_proxy_in_the_environment_is_not_used(server: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HTTP_PROXY", "http://127.0.0.1:9")  # nothing listens there: a request through it would fail
    monkeypatch.setenv("ALL_PROXY", "http://127.0.0.1:9")
    with http_client.client(base_url=server.url) as c:
        assert c.post("/cgi-bin/stable_token", json={"grant_type": "client_credential"}).status_code == 200
