"""What the API channels' sections share in config.yaml: where the API is, how long to wait, and
secrets named by environment variable (never written in the file)."""

from __future__ import annotations

import re

from ..inputs.config_identity import URL_RE
from ..inputs.located_yaml import Mapping
from ..inputs.readers import Reader
from ..support.redact import has_userinfo, shown_url

API_KEYS = ("api_base", "timeout")
SECRET_KEYS = ("app_secret", "secret", "access_token", "token")
USERINFO = "里写了用户名或密码：密码不能写进配置文件（配置会被复制、发给别人、放进版本库），也不能出现在错误信息和日志里"
IP_RE = re.compile(r"^(\d{1,3})(\.\d{1,3}){3}$|^[0-9a-fA-F:]+:[0-9a-fA-F:]*$")


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
    timeout = r.number(m, "timeout", path, default_timeout, lo=1, hi=120)
    return {"api_base": base, "timeout": timeout}
