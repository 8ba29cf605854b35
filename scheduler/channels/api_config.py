"""What the API channels' sections share in config.yaml: where the API is, how long to wait, and
secrets named by environment variable (never written in the file)."""

from __future__ import annotations

import re

from ..inputs.config_identity import URL_RE
from ..inputs.located_yaml import Mapping
from ..inputs.readers import Reader
from ..support.redact import has_userinfo, register_host, shown_url

API_KEYS = ("api_base", "timeout")
SECRET_KEYS = ("app_secret", "secret", "access_token", "token")
USERINFO = "里写了用户名或密码：密码不能写进配置文件（配置会被复制、发给别人、放进版本库），也不能出现在错误信息和日志里"
IP_RE = re.compile(r"^(\d{1,3})(\.\d{1,3}){3}$|^[0-9a-fA-F:]+:[0-9a-fA-F:]*$")


def sealed(base: str) -> bool:
    """Whether secrets sent to `base` are encrypted on the way: https, or http to this machine itself (a test server
    on 127.0.0.1, localhost or ::1), where they never cross a network. `qm check` and the daemon read the config alike."""
    scheme, _, rest = base.partition("://")
    if scheme.lower() != "http":
        return True
    host = re.split(r"[/?#]", rest, maxsplit=1)[0].lower()
    host = host[1:].partition("]")[0] if host.startswith("[") else host.partition(":")[0]
    if host == "localhost":  # only the name itself: another under .localhost is asked of DNS by some resolvers
        return True
    import ipaddress

    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def api_settings(r: Reader, m: Mapping, path: str, default_base: str, default_timeout: float) -> dict[str, object]:
    """Where a platform's API is reached (a proxy, or a local fake server in tests) and how long to wait."""
    for key in SECRET_KEYS:
        if key in m:
            r.problem(m.where(key), f"{path}.{key}：密钥不能写在配置文件里", f"删去这一行，把密钥放进环境变量，并用 {key}_env 写出变量名")
    base = r.text(m, "api_base", path, default_base).rstrip("/")
    if not URL_RE.match(base):
        r.problem(
            m.where("api_base"),
            f"{path}.api_base 不是网址：{shown_url(base)!r}",
            f"写完整的网址，如 {default_base} 或代理的地址",
        )
    elif has_userinfo(base):
        r.problem(
            m.where("api_base"),
            f"{path}.api_base {USERINFO}",
            f"删去地址里的“用户名:密码@”，写作 {shown_url(base)}；接口的密钥用 *_env 写出的环境变量给出",
        )
    elif not sealed(base):
        r.problem(
            m.where("api_base"),
            f"{path}.api_base 是 http:// 地址 {shown_url(base)}：接口的密钥（AppSecret、access token）会不加密地经过网络，途中谁都能读到",
            f"改成 https:// 地址，如 {default_base} 或代理的 https:// 地址；http:// 只能用于本机上的测试服务器（127.0.0.1、localhost、[::1]）",
        )
    register_host(base)
    timeout = r.number(m, "timeout", path, default_timeout, lo=1, hi=120)
    return {"api_base": base, "timeout": timeout}
