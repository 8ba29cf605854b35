"""Config and command line for the api publishers: keys checked with file:line, secrets only from the
environment, clear Chinese messages for a missing secret, and staff warned of an expiring token."""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable
from pathlib import Path

import pytest
import sqlalchemy as sa

from scheduler.inputs.campaign import Campaign
from scheduler.inputs.config import load_campaign
from scheduler.planning.planner import Plan
from scheduler.publishing.channel_warnings import notices
from scheduler.rendering.payloads import Renderer
from scheduler.support.errors import ConfigError
from scheduler.support.notify import Notice

from .conftest import ROOT, run_qm
from .daemon_helpers import local_campaign

API = ROOT / "examples" / "api-fakes" / "config.yaml"


def _problems(path: Path) -> list[str]:
    try:
        load_campaign(path)
    except ConfigError as exc:
        return [str(p) for p in exc.problems]
    return []


def test_the_api_example_names_secret_variables_and_never_secrets() -> None:
    c = load_campaign(API)
    assert c.wechat is not None and c.weibo is not None
    assert (c.wechat.publisher, c.wechat.app_secret_env, c.wechat.api_base) == ("api", "QM_WECHAT_APPSECRET", "https://api.weixin.qq.com")
    assert (c.weibo.access_token_env, c.weibo.token_expires, c.weibo.rip) == ("QM_WEIBO_TOKEN", dt.date(2027, 12, 31), "203.0.113.7")


def test_bad_channel_keys_are_reported_with_file_and_line(project: Callable[..., Path]) -> None:
    def edit(text: str) -> str:
        text = text.replace("api_base: https://api.weixin.qq.com", "api_base: api.weixin.qq.com\n    app_secret: abcdef123456")
        text = text.replace("access_token_env: QM_WEIBO_TOKEN", "access_token_env: 2.00abc-real-token")
        return text.replace("rip: 203.0.113.7", "rip: my-server").replace("timeout: 15", "timeout: 0")

    path = project(edit, config=API)
    problems = _problems(path)
    lines = path.read_text(encoding="utf-8").splitlines()
    secret_line = next(i for i, line in enumerate(lines, 1) if "app_secret:" in line)
    assert any(f"config.yaml:{secret_line}" in p and "密钥不能写在配置文件里" in p for p in problems)
    assert not any("未知的配置项 channels.wechat.app_secret" in p for p in problems)  # said once, the useful way
    assert any("api_base 不是网址" in p for p in problems) and any("rip 不是 IP 地址" in p for p in problems)
    assert any("access_token_env 应当是环境变量的名字" in p for p in problems) and any("timeout 超出范围" in p for p in problems)
    assert not any("abcdef123456" in p or "2.00abc-real-token" in p for p in problems)


def test_api_publishers_need_app_id_and_rip(project: Callable[..., Path]) -> None:
    path = project(
        lambda t: t.replace("    app_id: wx0000000000000000     # 公众号后台“设置与开发—基本配置”中的 AppID\n", "").replace(
            "    rip: 203.0.113.7               # 发布服务器的公网 IP\n", ""
        ),
        config=API,
    )
    problems = _problems(path)
    assert any("必须写 app_id" in p for p in problems) and any("必须写 rip" in p for p in problems)


def test_a_missing_secret_is_named_and_nothing_starts(project: Callable[..., Path]) -> None:
    path = project(config=API)
    env = {k: v for k, v in os.environ.items() if not k.startswith("QM_")}
    for command in ("check", "daemon"):
        result = run_qm(command, "-c", path, env=env)
        assert result.returncode == 2, result.stderr
        assert "环境变量 QM_WECHAT_APPSECRET 未设置" in result.stderr and "QM_WECHAT_APPSECRET_FILE" in result.stderr
        assert "环境变量 QM_WEIBO_TOKEN 未设置" in result.stderr  # every missing secret at once, not the first only
        assert "Traceback" not in result.stderr
    env["QM_WECHAT_APPSECRET"] = "appsecret-value-123456"
    env["QM_WEIBO_TOKEN_FILE"] = str(path.parent / "missing-token.txt")
    result = run_qm("check", "-c", path, env=env)
    assert result.returncode == 2 and "missing-token.txt 不存在（检查文件路径）" in result.stderr
    assert "appsecret-value-123456" not in result.stderr + result.stdout


def test_a_secret_file_that_is_not_utf8_text_is_named_without_its_bytes_and_nothing_starts(
    project: Callable[..., Path], tmp_path: Path
) -> None:
    """Saved from Notepad as ANSI or UTF-16 (or not text at all): before, a traceback quoting a byte of it."""
    path = project(config=API)
    env = {k: v for k, v in os.environ.items() if not k.startswith("QM_")} | {"QM_WEIBO_TOKEN": "2.00weibo-token-value"}
    secret = tmp_path / "appsecret.txt"
    secret.write_bytes("密钥abcdef0123456789\n".encode("utf-16"))
    env["QM_WECHAT_APPSECRET_FILE"] = str(secret)
    for command in ("check", "daemon"):
        result = run_qm(command, "-c", path, env=env)
        assert result.returncode == 2 and "Traceback" not in result.stderr, result.stderr
        assert f"QM_WECHAT_APPSECRET_FILE 指向的文件 {secret} 不是 UTF-8 编码的文本" in result.stderr, result.stderr
        assert "0x" not in result.stderr and "abcdef" not in result.stderr + result.stdout
    secret.write_bytes("\ufeffabcdef0123456789\n".encode())  # UTF-8 with the byte-order mark Notepad writes: read
    result = run_qm("check", "-c", path, env=env)
    assert "QM_WECHAT_APPSECRET" not in result.stderr and "Traceback" not in result.stderr, result.stderr


def token_notice(campaign: Campaign, today: dt.date) -> Notice | None:
    """The token warning among the channels' warnings (what `qm check` shows), under the key the daemon sends it once by."""
    found = notices(campaign, today)
    assert set(found) <= {f"token:weibo:{today}"}, found
    return found.get(f"token:weibo:{today}")


def test_staff_are_warned_days_before_the_weibo_token_expires(tmp_path: Path) -> None:
    campaign = local_campaign(load_campaign(API), tmp_path)
    assert token_notice(campaign, dt.date(2027, 12, 23)) is None
    soon = token_notice(campaign, dt.date(2027, 12, 24))
    assert soon is not None and "还有 7 天" in "".join(soon.lines) and "QM_WEIBO_TOKEN" in "".join(soon.lines)
    gone = token_notice(campaign, dt.date(2028, 1, 1))
    assert gone is not None and gone.title == "【微博授权已过期】"


def test_the_expiry_date_may_sit_next_to_the_token_in_the_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    campaign = local_campaign(load_campaign(API), tmp_path, weibo={"token_expires": None})
    assert token_notice(campaign, dt.date(2027, 9, 1)) is None
    monkeypatch.setenv("QM_WEIBO_TOKEN_EXPIRES", "2027-09-03")
    notice = token_notice(campaign, dt.date(2027, 9, 1))
    assert notice is not None and "2027-09-03 到期（还有 2 天）" in "".join(notice.lines)


def test_outbox_and_assisted_weibo_need_no_token(heihe: Campaign, tmp_path: Path) -> None:
    assert token_notice(local_campaign(heihe, tmp_path, weibo={"token_expires": dt.date(2016, 9, 1)}), dt.date(2016, 9, 2)) is None


def test_the_daemon_warns_of_token_expiry_once_a_day(heihe: Campaign, heihe_plan: Plan, tmp_path: Path) -> None:
    from .daemon_helpers import Harness, one_day
    from .test_daemon import Recorder

    weibo = {"publisher": "api", "mode": "api", "token_expires": dt.date(2016, 9, 5), "token_warn_days": 7}
    campaign = local_campaign(heihe, tmp_path, weibo=weibo)
    start = dt.datetime(2016, 9, 2, 8, 0, tzinfo=dt.timezone(dt.timedelta(hours=8)))
    h = Harness(campaign, one_day(heihe_plan), Renderer(campaign), start, Recorder())
    try:
        h.start()
        h.step_at(start + dt.timedelta(hours=1))
        h.step_at(start + dt.timedelta(hours=2))
        titles = [n.title for n in h.notifications.sent]  # type: ignore[union-attr]
        assert titles.count("【微博授权即将到期】") == 1
        h.step_at(start + dt.timedelta(days=1))
        assert [n.title for n in h.notifications.sent].count("【微博授权即将到期】") == 2  # type: ignore[union-attr]
    finally:
        h.close()


def test_qm_confirm_records_who_posted_it_and_where(project: Callable[..., Path], capsys: pytest.CaptureFixture[str]) -> None:
    from scheduler.cli.main import main
    from scheduler.publishing import states as st
    from scheduler.publishing.db import open_db
    from scheduler.publishing.queue import Queue
    from scheduler.publishing.tables import posts

    cfg = project()
    assert main(["-c", str(cfg), "queue", "--json"]) == 0
    capsys.readouterr()
    engine = open_db(load_campaign(cfg).db_url)
    post_id = Queue(engine).find()[0].id
    with engine.begin() as conn:
        conn.execute(posts.update().where(posts.c.id == post_id).values(state=st.ACCEPTED))
    assert main(["-c", str(cfg), "confirm", post_id, "--url", "weibo.com/1/Abc"]) == 2
    assert "--url weibo.com/1/Abc 不是网址" in capsys.readouterr().err  # and nothing was recorded
    assert Queue(engine).get(post_id).state == st.ACCEPTED  # type: ignore[union-attr]
    assert main(["-c", str(cfg), "confirm", post_id, "--url", "https://weibo.com/1/Abc", "--by", "李明"]) == 0
    assert f"已确认 {post_id} 已发布（确认人：李明，链接：https://weibo.com/1/Abc）" in capsys.readouterr().out
    post = Queue(engine).get(post_id)
    assert post is not None and post.state == st.PUBLISHED and post.receipt is not None and post.receipt.url == "https://weibo.com/1/Abc"
    assert main(["-c", str(cfg), "confirm", post_id]) == 2
    assert "只有“待平台确认”“失败”、审核通过后“已错过”或取消前可能已经发出的内容可以确认已发布" in capsys.readouterr().err
    # an approved post the daemon missed, sent by hand: confirmed; one nobody approved is not
    missed, unreviewed = (p.id for p in Queue(engine).find()[1:3])
    with engine.begin() as conn:
        conn.execute(posts.update().where(posts.c.id == unreviewed).values(state=st.MISSED))
        version = conn.execute(sa.select(posts.c.version).where(posts.c.id == missed)).scalar()
        conn.execute(posts.update().where(posts.c.id == missed).values(state=st.MISSED, approved_version=version))
    assert main(["-c", str(cfg), "confirm", unreviewed]) == 2
    assert f"先 qm retry {unreviewed} 再审核" in capsys.readouterr().err
    assert Queue(engine).get(unreviewed).state == st.MISSED  # type: ignore[union-attr]
    assert main(["-c", str(cfg), "confirm", missed, "--by", "李明"]) == 0
    assert Queue(engine).get(missed).state == st.PUBLISHED  # type: ignore[union-attr]
    assert Queue(engine).history(missed)[-1].why.startswith("人工确认已发布")
    # a failed post whose content was edited afterwards: that version was never approved
    edited = Queue(engine).find()[3].id
    with engine.begin() as conn:
        conn.execute(posts.update().where(posts.c.id == edited).values(state=st.FAILED, approved_version="an-older-version"))
    assert main(["-c", str(cfg), "confirm", edited, "--by", "李明"]) == 2
    assert (
        f"{edited} 发布失败后内容改过，当前版本没有审核通过，不能确认为已发布；要发出它，先 qm retry {edited} 再审核"
        in capsys.readouterr().err
    )
    assert Queue(engine).get(edited).state == st.FAILED  # type: ignore[union-attr]
    engine.dispose()


def test_credentials_written_into_an_api_or_anthias_address_are_refused_and_never_repeated(project: Callable[..., Path]) -> None:
    """`https://user:password@host` would be copied with the config and repeated in every error message and log."""

    def edit(text: str) -> str:
        text = text.replace("api_base: https://api.weixin.qq.com", "api_base: https://wx:pa55word@proxy.example.cn/wx")
        return text.replace("      items_per_day: 2\n", "      items_per_day: 2\n      anthias: http://admin:pa55word@192.168.1.50\n", 1)

    path = project(edit, config=API)
    result = run_qm("check", "-c", path)
    assert result.returncode == 2 and "Traceback" not in result.stderr, result.stderr
    lines = path.read_text(encoding="utf-8").splitlines()
    for key, shown in (("api_base", "https://proxy.example.cn/wx"), ("anthias", "http://192.168.1.50")):
        line = next(i for i, text in enumerate(lines, 1) if text.strip().startswith(f"{key}:") and "pa55word" in text)
        assert f"config.yaml:{line}" in result.stderr and f"{key} 里写了用户名或密码" in result.stderr, result.stderr
        assert f"写作 {shown}" in result.stderr, result.stderr
    assert "QM_ANTHIAS_AUTH" in result.stderr and "pa55word" not in result.stdout + result.stderr


@pytest.mark.parametrize("password", ["pa55?w0rd", "pa55/w0rd", "pa55#w0rd", "pa55@w0rd", "pa55:w0rd?x=1"])
def test_a_password_holding_a_slash_an_at_a_question_mark_or_a_hash_in_an_address_is_refused_and_never_shown(
    project: Callable[..., Path], password: str
) -> None:
    """People type such passwords unencoded: the user part runs to the host's "@", not to the first "/", "?" or "#"."""

    def edit(text: str) -> str:
        text = text.replace("api_base: https://api.weixin.qq.com", f"api_base: https://wx:{password}@proxy.example.cn/wx?mail=a@b.cn")
        return text.replace("      items_per_day: 2\n", f"      items_per_day: 2\n      anthias: http://admin:{password}@192.168.1.50\n", 1)

    path = project(edit, config=API)
    for command in ("check", "status"):
        result = run_qm(command, "-c", path)
        assert result.returncode == 2 and "Traceback" not in result.stderr, result.stderr
        for key, shown in (("api_base", "https://proxy.example.cn/wx?mail=a@b.cn"), ("anthias", "http://192.168.1.50")):
            assert f"{key} 里写了用户名或密码" in result.stderr and f"写作 {shown}；" in result.stderr, result.stderr
        assert "pa55" not in result.stdout + result.stderr and "w0rd" not in result.stdout + result.stderr, result.stderr


def test_an_address_in_a_message_or_log_line_shows_no_credentials() -> None:
    from scheduler.support.redact import scrub, shown_url

    assert shown_url("https://wx:pa55word@proxy.example.cn/wx?key=abc123") == "https://proxy.example.cn/wx?key=***"
    line = "无法连接微信接口 http://wx:pa55word@proxy.example.cn/wx（ConnectError） url=https://h.cn/a?x=1&key=abc123 key=reminder-1"
    assert scrub(line) == "无法连接微信接口 http://***@proxy.example.cn/wx（ConnectError） url=https://h.cn/a?x=1&key=*** key=reminder-1"
    for password in ("pa?ss", "pa/ss", "pa#ss", "pa@ss"):
        assert shown_url(f"https://wx:{password}@proxy.example.cn/wx?mail=a@b") == "https://proxy.example.cn/wx?mail=a@b"
        said = scrub(f"数据库 postgresql://qm:{password}@db.example.cn/qm 无法连接；接口 https://wx:{password}@h.cn/wx（超时）")
        assert said == "数据库 postgresql://***@db.example.cn/qm 无法连接；接口 https://***@h.cn/wx（超时）", said
    for address in ("https://h.cn/path?email=a@b", "https://h.cn:8443/p?email=a@b", "https://h.cn/@team"):  # no user part
        assert shown_url(address) == address and scrub(f"地址 {address} 打不开") == f"地址 {address} 打不开"


def test_scrubbing_a_long_hostile_address_reads_it_once() -> None:
    """A platform's reply or a log line can carry a long address full of "@" and "?": the user part is found
    with one pass over the query's candidates, not one per "@" (which took seconds for 16 KB). Counted, not timed."""
    import re

    from scheduler.support import redact

    calls = 0
    real = redact._QUERY

    class Counting:
        def fullmatch(self, text: str, pos: int = 0) -> re.Match[str] | None:
            nonlocal calls
            calls += 1
            return real.fullmatch(text, pos)

    redact._QUERY = Counting()  # type: ignore[assignment]
    try:
        said = redact.scrub("http://wx:pa55@h.cn/x" + "@?k=" * 4000)
    finally:
        redact._QUERY = real
    assert "pa55" not in said
    assert calls <= 2048 // 4 + 1, calls


def test_a_question_mark_before_a_secret_parameter_neither_hides_it_nor_slows_scrubbing() -> None:
    """`?a?password=…` is read at its second "?"; a name is at most 100 characters and holds no "?", so a line of
    "?" is read once per position, not once per pair of positions (16 KB of "?" took seconds)."""
    from scheduler.support import redact

    assert redact.scrub("https://h/p?a?password=secret123") == "https://h/p?a?password=***"
    assert redact._PARAMETER.search("?" + "a" * 101 + "=x") is None and redact._PARAMETER.search("??=x") is None
    assert redact.scrub("?" * 16000) == "?" * 16000


def test_a_port_and_a_path_holding_an_at_are_no_user_part() -> None:
    from scheduler.support.redact import has_userinfo, scrub, shown_url

    for address in ("https://host.example.cn:8080/p@x", "http://localhost:8080/api,user=bob@corp"):
        assert not has_userinfo(address) and shown_url(address) == address and scrub(f"日志 {address}") == f"日志 {address}"
    # a one-word name, digits and a "/" before an "@": a user and a numeric password, never shown
    for address in ("https://u:2024/x@host", "https://wx:123/456@proxy.example.cn/wx"):
        assert has_userinfo(address) and "/x@" not in shown_url(address) and "123" not in shown_url(address)
        assert scrub(f"日志 {address}") == f"日志 https://***@{address.rpartition('@')[2]}"
    assert scrub("连接 https://u:p@ss?a=b@host/x 失败") == "连接 https://***@host/x 失败"  # "?a=b" after an "@": the password's
    assert has_userinfo("https://wx:12?ss@host/p") and has_userinfo("https://wx:pa55/w0rd@host/p")
    assert scrub("地址https://u:secret1@host/x") == "地址https://***@host/x"  # no space after Chinese text


def test_an_api_address_over_plain_http_is_refused_by_check_and_daemon_unless_it_is_this_machine(
    project: Callable[..., Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The AppSecret and the access token travel in every call: over http:// anyone on the way reads them."""
    monkeypatch.setenv("QM_WECHAT_APPSECRET", "app-secret-123456")
    monkeypatch.setenv("QM_WEIBO_TOKEN", "2.00weibo-token-123456")

    def edit(text: str) -> str:
        text = text.replace("api_base: https://api.weixin.qq.com", "api_base: http://wx-proxy.example.cn/wx")
        return text.replace("api_base: https://api.weibo.com", "api_base: http://10.0.0.8:8080")

    path = project(edit, config=API)
    lines = path.read_text(encoding="utf-8").splitlines()
    for command in ("check", "daemon"):
        result = run_qm(command, "-c", path)
        assert result.returncode == 2 and "Traceback" not in result.stderr, result.stderr
        for channel, shown in (("wechat", "http://wx-proxy.example.cn/wx"), ("weibo", "http://10.0.0.8:8080")):
            line = next(i for i, text in enumerate(lines, 1) if text.strip() == f"api_base: {shown}")
            said = f"config.yaml:{line}：channels.{channel}.api_base 是 http:// 地址 {shown}：接口的密钥（AppSecret、access token）会不加密地经过网络"
            assert said in result.stderr and "改成 https:// 地址" in result.stderr, result.stderr
        assert "123456" not in result.stdout + result.stderr

    for local in ("http://127.0.0.1:8400", "http://localhost:8400/wx", "http://[::1]:8400"):  # a test server on this machine
        path = project(lambda text, local=local: text.replace("api_base: https://api.weixin.qq.com", f"api_base: {local}"), config=API)
        assert not any("api_base" in p for p in _problems(path)), local
    # a name under .localhost is not this machine for every resolver (some ask DNS for it): refused
    path = project(lambda text: text.replace("api_base: https://api.weixin.qq.com", "api_base: http://qm.localhost:8400"), config=API)
    assert any("api_base 是 http:// 地址" in p for p in _problems(path))


def test_a_one_word_host_with_a_port_the_config_names_keeps_its_path_whole(project: Callable[..., Path]) -> None:
    """`qm-web:8080` before a "/" is the console's host and port once the config names it (web.public_url, an
    api_base, an Anthias address), not a user and the numeric password `8080/p`; a name the config never gave is
    still read as a user, so a typed password is never shown."""
    from scheduler.support import redact
    from scheduler.support.redact import has_userinfo, scrub, shown_url

    address = "http://qm-web:8080/p@x"
    assert has_userinfo(address)  # unknown yet: a user `qm-web` and a numeric password, masked rather than shown
    path = project(lambda text: text + "web:\n  public_url: http://qm-web:8080\n", config=API)
    try:
        load_campaign(path)
        assert not has_userinfo(address) and shown_url(address) == address and scrub(f"日志 {address}") == f"日志 {address}"
        assert scrub("链接 http://QM-WEB:8080/day/2027-09-08，找 wang@qm.cn") == "链接 http://QM-WEB:8080/day/2027-09-08，找 wang@qm.cn"
        for typed in ("https://u:2024/x@host", "https://wx:123/456@proxy.example.cn/wx", "http://qm-api:8080/p@x"):
            assert has_userinfo(typed) and scrub(f"日志 {typed}") == f"日志 {typed.partition('://')[0]}://***@{typed.rpartition('@')[2]}"
        redact.register_host("https://u:2024/x@host")  # an address with a user part is never learnt as a host
        assert has_userinfo("https://u:2024/x@host")
    finally:
        redact._hosts.discard("qm-web:8080")
