"""A reviewer locked out by someone else's wrong passwords is let in again by an administrator
(`qm user unlock`, or a new password with `qm user passwd`), and so is everyone behind an address locked
by wrong passwords sent from it (`qm user unlock --address`)."""

from __future__ import annotations

import logging
import re
from pathlib import Path

import httpx
import pytest

from scheduler.inputs.campaign import Campaign
from scheduler.inputs.config import load_campaign
from scheduler.publishing.db import open_db
from scheduler.support import http_client
from scheduler.web.accounts import Accounts
from scheduler.web.login import locked_out
from scheduler.web.sessions import FAILURES_ALLOWED, Lock, Throttle, log_in
from tests.conftest import HEIHE, ROOT, run_qm
from tests.web_helpers import console_server, csrf_of, http_login, local


def config_in(tmp_path: Path) -> Path:
    """The example's config.yaml with its state folder where `local` puts the console's."""
    config = tmp_path / "config.yaml"
    text = HEIHE.read_text(encoding="utf-8").replace("../../", f"{ROOT}/").replace("  state: .qm", f"  state: {tmp_path / 'state'}")
    config.write_text(text, encoding="utf-8")
    return config


def test_an_administrator_releases_a_locked_account(tmp_path: Path) -> None:
    config = config_in(tmp_path)
    campaign: Campaign = local(load_campaign(config), tmp_path)
    with console_server(campaign) as r, http_client.client(base_url=r.url, follow_redirects=False, timeout=10) as c:
        r.add_user("王编辑", "editor")

        def lock_out() -> None:
            codes = [http_login(c, "王编辑", f"guess-{n}").status_code for n in range(5)]
            assert codes[-1] == 429 and http_login(c, "王编辑").status_code == 429

        lock_out()
        said = http_login(c, "王编辑").text
        assert "请管理员在审核台的“账号”页面解除，或运行 qm user unlock 王编辑 立即解除" in said  # who can release it, and how
        unlocked = run_qm("user", "unlock", "王编辑", "-c", config)
        assert unlocked.returncode == 0 and "已解除 王编辑 的登录锁定" in unlocked.stdout, unlocked.stderr
        assert http_login(c, "王编辑").status_code == 303

        lock_out()
        renewed = run_qm("user", "passwd", "王编辑", "-c", config, input_text="a-new-long-password\n")
        assert renewed.returncode == 0 and "登录锁定已解除" in renewed.stdout, renewed.stderr
        assert http_login(c, "王编辑", "a-new-long-password").status_code == 303

    unknown = run_qm("user", "unlock", "没有这人", "-c", config)
    assert unknown.returncode == 2 and "没有用户 没有这人" in unknown.stderr and "Traceback" not in unknown.stderr


def test_an_administrator_sees_and_lifts_an_address_lock(tmp_path: Path) -> None:
    """Twenty wrong passwords for made-up names from the office's one address keep everyone behind it out,
    the administrator too: the page says it is the address and the command that lifts it, and so does
    unlocking the account, which alone does not let them in."""
    config = config_in(tmp_path)
    campaign: Campaign = local(load_campaign(config), tmp_path)
    with console_server(campaign) as r, http_client.client(base_url=r.url, follow_redirects=False, timeout=10) as c:
        r.add_user("admin", "admin")
        codes = [http_login(c, f"nobody{n}", "wrong").status_code for n in range(20)]
        assert codes[:19] == [401] * 19 and codes[19] == 429
        refused = http_login(c, "admin")
        assert refused.status_code == 429
        said = refused.text
        assert "这个地址已暂停登录" in said and "qm user unlock --address 127.0.0.1" in said, said
        assert "qm user unlock 用户名" not in said  # the account itself is not locked: unlocking it would not help

        listed = run_qm("user", "unlock", "-c", config)
        # minutes to wait: at least the lock's 15. On the rehearsal clock each process starts from the pinned moment,
        # so the console, started earlier, is ahead of the command by the time it has been running
        waits = re.search(r"暂停登录的地址.*\n  127\.0\.0\.1  还要 (\d+) 分钟\n", listed.stdout)
        assert listed.returncode == 0 and waits is not None and int(waits[1]) >= 15, listed
        assert "nobody" not in listed.stdout  # one wrong password each: no name is locked
        account = run_qm("user", "unlock", "admin", "-c", config)
        assert account.returncode == 0 and "admin 没有输错密码的记录" in account.stdout, account
        told = re.search(r"127\.0\.0\.1（还要 (\d+) 分钟）", account.stdout)
        assert told is not None and int(told[1]) >= 15 and "qm user unlock --address" in account.stdout, account.stdout
        assert http_login(c, "admin").status_code == 429  # the account was never the lock

        mistyped = run_qm("user", "unlock", "--address", "127.0.0", "-c", config)
        assert mistyped.returncode == 2 and "不是 IP 地址" in mistyped.stderr and "127.0.0.1" in mistyped.stderr, mistyped
        lifted = run_qm("user", "unlock", "--address", "127.0.0.1", "-c", config)
        assert lifted.returncode == 0 and "已解除地址 127.0.0.1 的登录锁定" in lifted.stdout, lifted
        assert "注意" not in lifted.stdout  # no other address left locked
        assert http_login(c, "admin").status_code == 303
        assert "现在没有锁定的用户名或地址" in run_qm("user", "unlock", "-c", config).stdout


def test_behind_a_trusted_proxy_each_client_has_its_own_address(tmp_path: Path) -> None:
    """With web.trusted_proxies the address counted is the one the proxy names (X-Forwarded-For): one
    person's wrong passwords lock their own address, not everyone behind the proxy. The header is believed
    only from the proxy: a client prepending another address is still counted at its own."""
    config = config_in(tmp_path)
    config.write_text(config.read_text(encoding="utf-8") + "\nweb:\n  trusted_proxies: [127.0.0.1, 10.0.0.0/8]\n", encoding="utf-8")
    campaign: Campaign = local(load_campaign(config), tmp_path)
    assert campaign.web.trusted_proxies == ("127.0.0.1", "10.0.0.0/8")
    with console_server(campaign) as r, http_client.client(base_url=r.url, follow_redirects=False, timeout=10) as c:
        r.add_user("admin", "admin")
        c.headers["X-Forwarded-For"] = "203.0.113.5"
        codes = [http_login(c, f"nobody{n}", "wrong").status_code for n in range(20)]
        assert codes[19] == 429 and "qm user unlock --address 203.0.113.5" in http_login(c, "admin").text
        c.headers["X-Forwarded-For"] = "198.51.100.7, 203.0.113.5"  # the proxy appends the address it saw
        assert http_login(c, "admin").status_code == 429
        c.headers["X-Forwarded-For"] = "203.0.113.6"
        assert http_login(c, "admin").status_code == 303
    listed = run_qm("user", "unlock", "-c", config).stdout
    assert "203.0.113.5" in listed and "127.0.0.1" not in listed, listed


def test_behind_a_proxy_that_adds_its_own_header_line_the_address_it_wrote_is_counted(tmp_path: Path) -> None:
    """A proxy may add its own X-Forwarded-For line after the one the client sent (HAProxy's forwardfor): the lines
    are read together, from the right, so a client writing a new address each try is still counted at its own."""
    config = config_in(tmp_path)
    config.write_text(config.read_text(encoding="utf-8") + "\nweb:\n  trusted_proxies: [127.0.0.1]\n", encoding="utf-8")
    campaign: Campaign = local(load_campaign(config), tmp_path)
    with console_server(campaign) as r, http_client.client(base_url=r.url, follow_redirects=False, timeout=10) as c:
        r.add_user("admin", "admin")
        codes = []
        for n in range(FAILURES_ALLOWED["addr"]):
            request = c.build_request("POST", "/login", data={"name": f"x{n}", "password": "wrong", "csrf": csrf_of(c.get("/login").text)})
            lines = [
                (b"X-Forwarded-For", f"203.0.113.{n + 1}".encode()),
                (b"X-Forwarded-For", b"198.51.100.7"),
            ]  # the client's, the proxy's
            request.headers = httpx.Headers([*request.headers.raw, *lines])
            codes.append(c.send(request).status_code)
        assert codes[-1] == 429 and "qm user unlock --address 198.51.100.7" in c.send(request).text, codes


def test_without_trusted_proxies_a_forwarded_address_is_ignored(tmp_path: Path) -> None:
    config = config_in(tmp_path)
    campaign: Campaign = local(load_campaign(config), tmp_path)
    with console_server(campaign) as r, http_client.client(base_url=r.url, follow_redirects=False, timeout=10) as c:
        r.add_user("admin", "admin")
        codes = [http_login(c, f"nobody{n}", "wrong").status_code for n in range(19)]
        c.headers["X-Forwarded-For"] = "203.0.113.9"  # anyone can send it: a new address each try would bypass the limit
        codes.append(http_login(c, "nobody19", "wrong").status_code)
        assert codes[19] == 429 and "qm user unlock --address 127.0.0.1" in http_login(c, "admin").text


def test_on_a_dual_stack_listener_an_ipv4_client_is_counted_shown_and_unlocked_by_its_ipv4_address(tmp_path: Path) -> None:
    """`qm web --host ::` sees an IPv4 client as ::ffff:127.0.0.1: the page and the list name 127.0.0.1, and
    the address is unlocked however the administrator writes it."""
    config = config_in(tmp_path)
    campaign: Campaign = local(load_campaign(config), tmp_path)
    with console_server(campaign, host="::") as r:
        url = f"http://127.0.0.1:{r.server.address[1]}"
        assert r.server.url == f"http://[::]:{r.server.address[1]}"  # the address `qm web` prints: one a browser opens
        with http_client.client(base_url=url, follow_redirects=False, timeout=10) as c:
            r.add_user("admin", "admin")
            codes = [http_login(c, f"nobody{n}", "wrong").status_code for n in range(20)]
            assert codes[19] == 429
            said = http_login(c, "admin").text
            assert "qm user unlock --address 127.0.0.1 " in said and "::ffff" not in said, said
            listed = run_qm("user", "unlock", "-c", config).stdout
            assert "\n  127.0.0.1  还要" in listed and "::ffff" not in listed, listed
            lifted = run_qm("user", "unlock", "--address", "::ffff:127.0.0.1", "-c", config)
            assert lifted.returncode == 0 and "已解除地址 127.0.0.1 的登录锁定" in lifted.stdout, lifted
            assert http_login(c, "admin").status_code == 303


def test_the_throttle_counts_and_releases_an_ipv4_mapped_address_as_its_ipv4_one(tmp_path: Path) -> None:
    campaign: Campaign = local(load_campaign(config_in(tmp_path)), tmp_path)
    engine = open_db(campaign.db_url)
    throttle, accounts = Throttle(engine), Accounts(engine)
    for n in range(20):
        log_in(accounts, throttle, f"nobody{n}", "wrong", "::ffff:192.168.1.20", 1000.0 + n)
    assert throttle.locked(1030.0)["addr"] == [("192.168.1.20", 870)]
    assert throttle.lock("admin", "192.168.1.20", 1030.0) is not None
    assert throttle.release_address("::ffff:192.168.1.20") == 20
    assert throttle.lock("admin", "::ffff:192.168.1.20", 1030.0) is None
    engine.dispose()


def test_a_proxy_trusted_by_its_ipv4_address_is_trusted_on_a_dual_stack_listener(tmp_path: Path) -> None:
    config = config_in(tmp_path)
    config.write_text(config.read_text(encoding="utf-8") + "\nweb:\n  trusted_proxies: [127.0.0.0/8]\n", encoding="utf-8")
    campaign: Campaign = local(load_campaign(config), tmp_path)
    with console_server(campaign, host="::") as r:
        url = f"http://127.0.0.1:{r.server.address[1]}"
        with http_client.client(base_url=url, follow_redirects=False, timeout=10, headers={"X-Forwarded-For": "203.0.113.5"}) as c:
            r.add_user("admin", "admin")
            codes = [http_login(c, f"nobody{n}", "wrong").status_code for n in range(20)]
            assert codes[19] == 429 and "qm user unlock --address 203.0.113.5 " in http_login(c, "admin").text
            c.headers["X-Forwarded-For"] = "203.0.113.6"  # another client behind the proxy: its own address
            assert http_login(c, "admin").status_code == 303


def test_trusted_proxies_must_be_addresses(tmp_path: Path) -> None:
    config = config_in(tmp_path)
    config.write_text(config.read_text(encoding="utf-8") + '\nweb:\n  trusted_proxies: ["*", proxy.local]\n', encoding="utf-8")
    checked = run_qm("check", "-c", config)
    assert checked.returncode == 2 and "Traceback" not in checked.stderr
    assert "web.trusted_proxies 的第 1 项不是 IP 地址或网段：'*'" in checked.stderr and "第 2 项" in checked.stderr, checked.stderr


def test_the_name_lock_names_the_command_for_the_name_typed_quoted_and_escaped(tmp_path: Path) -> None:
    """A name with a space and markup: the command on the page is one a shell reads as that one name, and the
    page shows it as text."""
    campaign: Campaign = local(load_campaign(config_in(tmp_path)), tmp_path)
    typed = "赵 <b>初审</b>"
    with console_server(campaign) as r, http_client.client(base_url=r.url, follow_redirects=False, timeout=10) as c:
        codes = [http_login(c, typed, f"guess-{n}").status_code for n in range(6)]
        page = http_login(c, typed).text
    assert codes[-1] == 429 and "用户名 立即解除" not in page
    assert "qm user unlock &#39;赵 &lt;b&gt;初审&lt;/b&gt;&#39; 立即解除" in page, re.findall(r"qm user unlock[^。]*", page)


def test_behind_a_proxy_trusted_with_the_clients_network_forged_addresses_still_lock(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """A client that may send X-Forwarded-For as a trusted proxy would (its network is listed, or the proxy passes
    the header on) writes a new address each try: the proxy's own address is counted too, with a higher limit,
    and a forwarded word that is no IP address is not believed (the connection's address counts). The log says
    a refusal was the proxy's lock."""
    config = config_in(tmp_path)
    config.write_text(config.read_text(encoding="utf-8") + '\nweb:\n  trusted_proxies: ["10.0.0.0/8", "127.0.0.0/8"]\n', encoding="utf-8")
    campaign: Campaign = local(load_campaign(config), tmp_path)
    with console_server(campaign) as r, http_client.client(base_url=r.url, follow_redirects=False, timeout=10) as c:
        r.add_user("admin", "admin")
        c.headers["X-Forwarded-For"] = "$(touch pwned)"
        codes = [http_login(c, f"n{n}", "wrong").status_code for n in range(20)]
        said = http_login(c, "admin").text
        assert codes[19] == 429 and "qm user unlock --address 127.0.0.1 立即解除" in said and "touch" not in said, said
        assert run_qm("user", "unlock", "--address", "127.0.0.1", "-c", config).returncode == 0
        codes = []
        for n in range(FAILURES_ALLOWED["proxy"]):  # unlocking the address forgot what it counted as a proxy
            c.headers["X-Forwarded-For"] = f"203.0.{n // 250}.{n % 250 + 1}"  # a new address every try
            codes.append(http_login(c, f"user{n}", "wrong").status_code)
        assert codes[:-1] == [401] * (len(codes) - 1) and codes[-1] == 429
        c.headers["X-Forwarded-For"] = "198.51.100.7"
        with caplog.at_level(logging.WARNING, logger="qm.web"):
            said = http_login(c, "admin").text
        logged = [getattr(record, "qm_fields", {}) for record in caplog.records if record.getMessage() == "login_failed"]
        assert logged[-1]["address"] == "198.51.100.7" and logged[-1]["throttled"] == "proxy", logged
        assert "经反向代理（127.0.0.1）来的登录输错密码的次数太多" in said and "qm user unlock --address 127.0.0.1 立即解除" in said
        listed = run_qm("user", "unlock", "-c", config).stdout
        assert "暂停登录的反向代理" in listed and "\n  127.0.0.1  还要" in listed, listed
        assert run_qm("user", "unlock", "--address", "127.0.0.1", "-c", config).returncode == 0
        assert http_login(c, "admin").status_code == 303


def test_the_address_lock_names_the_command_with_the_address_quoted() -> None:
    said = locked_out(Lock(60, name=False, address=True), "fe80::1%$(id)")
    assert "qm user unlock --address 'fe80::1%$(id)' 立即解除" in said, said
