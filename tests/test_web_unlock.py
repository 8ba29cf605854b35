"""A reviewer locked out by someone else's wrong passwords is let in again by an administrator
(`qm user unlock`, or a new password with `qm user passwd`); a locked address stays locked."""

from __future__ import annotations

from pathlib import Path

from scheduler.inputs.campaign import Campaign
from scheduler.inputs.config import load_campaign
from scheduler.support import http_client
from tests.conftest import HEIHE, ROOT, run_qm
from tests.web_helpers import PASSWORD, console_server, http_login, local


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
        assert "qm user unlock" in http_login(c, "王编辑").text  # the page says who can release it, and how
        unlocked = run_qm("user", "unlock", "王编辑", "-c", config)
        assert unlocked.returncode == 0 and "已解除 王编辑 的登录锁定" in unlocked.stdout, unlocked.stderr
        assert http_login(c, "王编辑").status_code == 303

        lock_out()
        renewed = run_qm("user", "passwd", "王编辑", "-c", config, input_text="a-new-long-password\n")
        assert renewed.returncode == 0 and "登录锁定已解除" in renewed.stdout, renewed.stderr
        assert http_login(c, "王编辑", "a-new-long-password").status_code == 303

        # twenty wrong passwords from one address lock the address: unlocking an account does not lift that
        for n in range(20):
            http_login(c, f"猜测{n}", "wrong")
        assert run_qm("user", "unlock", "王编辑", "-c", config).returncode == 0
        assert http_login(c, "王编辑", "a-new-long-password").status_code == 429
        assert http_login(c, "王编辑", PASSWORD).status_code == 429

    unknown = run_qm("user", "unlock", "没有这人", "-c", config)
    assert unknown.returncode == 2 and "没有用户 没有这人" in unknown.stderr and "Traceback" not in unknown.stderr
