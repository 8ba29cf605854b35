"""Secrets (AppSecret, access tokens, webhook URLs) come from the environment, never from config.yaml.

`read_secret(env, NAME)` gives the value of `NAME`, or the contents of the file named by `NAME_FILE`
(for Docker/systemd secrets). `require_secret` raises a ConfigError naming the variable, never the
value. Every secret read here is registered with `redact`, so it is scrubbed from any log line or
message it might reach later.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path

from ..support import redact
from ..support.errors import ConfigError
from .located_yaml import Mapping as YamlMapping
from .readers import Reader, join_path

ENV_RE = re.compile(r"^[A-Z_][A-Z0-9_]*$")


def read_secret(env: Mapping[str, str], name: str) -> str:
    """The value of env var `name`, or the contents of the file named by `name_FILE`; "" if neither."""
    return secret_read(env, name)[0]


def secret_problem(env: Mapping[str, str], name: str) -> str:
    """Why `name` gives no secret, in Chinese, never the value ("" when it gives one): not set, or what is
    wrong with the file `name_FILE` names."""
    return secret_read(env, name)[1]


def secret_read(env: Mapping[str, str], name: str) -> tuple[str, str]:
    """The secret `name` gives (`read_secret`) and why it gives none (`secret_problem`), its file read once."""
    value = env.get(name, "").strip()
    file = env.get(f"{name}_FILE", "")
    why = "" if value else f"环境变量 {name} 未设置"
    if not value and file:
        value, problem = _read_file(file)
        why = f"{name}_FILE 指向的文件 {file} {problem}" if problem else ""
    redact.register(value)
    return value, why


def _read_file(file: str) -> tuple[str, str]:
    """A secret file's text (UTF-8, with or without the byte-order mark Notepad writes), and why there is
    none ("" when there is): never the file's bytes, which are the secret."""
    try:
        data = Path(file).read_bytes()
    except FileNotFoundError:
        return "", "不存在（检查文件路径）"
    except IsADirectoryError:
        return "", "是一个文件夹，不是文件"
    except OSError:
        return "", "无法读取（检查文件权限）"
    try:
        text = data.decode("utf-8-sig").strip()
    except UnicodeDecodeError:
        return "", "不是 UTF-8 编码的文本（可能在记事本里存成了 ANSI 或 Unicode 编码）：请另存为 UTF-8 编码，文件里只写密钥本身"
    return text, "" if text else "是空的"


def require_secret(env: Mapping[str, str], name: str, what: str, channel: str) -> str:
    """A secret the channel cannot work without; a clear error naming the variable when it is missing."""
    if not name:
        raise ConfigError(f"渠道 {channel} 没有指定存放{what}的环境变量（在 config.yaml 的 channels.{channel} 中写上对应的 *_env 项）")
    value, why = secret_read(env, name)
    if value:
        return value
    if env.get(f"{name}_FILE"):
        raise ConfigError(f"渠道 {channel} 的{what} 读取失败：{why}")
    raise ConfigError(
        f"渠道 {channel} 缺少{what}：环境变量 {name} 未设置（设置 {name}，或把它写进一个文件并用 {name}_FILE 指向该文件；不要写在 config.yaml 里）"
    )


def env_name(r: Reader, m: YamlMapping, key: str, path: str, default: str | None = None, example: str = "") -> str:
    """The config's name of the environment variable holding a secret (`*_env`), never the secret itself:
    a webhook address or token pasted there is refused at its line without being repeated."""
    name = r.text(m, key, path) if default is None else r.text(m, key, path, default)
    if name and not ENV_RE.match(name):
        where = join_path(path, key)
        r.problem(
            m.where(key),
            f"{where} 应当是环境变量的名字（大写字母、数字和下划线），不是密钥或 Webhook 地址本身（它们不能写在配置文件里）",
            f"例如 {example or default}，把密钥或地址放进这个环境变量",
        )
    return name
