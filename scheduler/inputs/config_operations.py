"""How the campaign is run, read from config.yaml: who is notified (`notifications`), which units
report in (`units`), who reviews posts (`review`), which extra words `qm check` flags (`lint`), where
the queue is kept (`database`), and how a standby daemon takes over (`daemon`)."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from ..support.redact import masked_query, secret_parameter, userinfo
from .campaign import ROLE_LABELS, ROLES, DaemonConfig, LintConfig, Notifier, ReviewConfig, Stage, Unit
from .located_yaml import Mapping
from .names import checked_name
from .readers import Reader, under
from .secrets import env_name


def notifiers(r: Reader, data: Mapping) -> tuple[Notifier, ...]:
    out = []
    for path, m in r.entries(data, "notifications", ""):
        r.keys(m, path, ("name", "kind", "webhook_env", "secret_env", "events"))
        for key in ("webhook", "secret", "token"):
            if key in m:
                r.problem(m.where(key), "密钥和 Webhook 地址不能写在配置文件里", f"改用 {key}_env 指定环境变量名")
        events = r.texts(m, "events", path) or Notifier.events
        for e in events:
            if e not in Notifier.events:
                r.problem(m.where("events"), f"{path}.events 中的 {e!r} 不可用", f"只能是 {' | '.join(Notifier.events)}")
        out.append(
            Notifier(
                name=r.text(m, "name", path),
                kind=r.choice(m, "kind", path, ("wecom", "dingtalk")),
                webhook_env=env_name(r, m, "webhook_env", path, example="QM_WECOM_WEBHOOK"),
                secret_env=env_name(r, m, "secret_env", path, "", example="QM_DINGTALK_SECRET"),
                events=events,
                where=m.where("webhook_env"),
            )
        )
    return tuple(out)


def units(r: Reader, data: Mapping) -> tuple[Unit, ...]:
    out: list[Unit] = []
    for listed, m in r.entries(data, "units", "", item_key="name"):  # a unit can be its name alone
        path = f"第 {int(listed[len('units[') : -1]) + 1} 个单位"  # units[3]: counted as staff count, from 1
        r.keys(m, path, ("name", "contact", "phone", "webhook_env", "kind"))
        for key in ("webhook", "secret", "token"):
            if key in m:
                r.problem(m.where(key), "密钥和 Webhook 地址不能写在配置文件里", "改用 webhook_env 指定存放地址的环境变量名")
        name = checked_name(r, m, "name", path)
        if name and any(u.name == name for u in out):
            r.problem(m.where("name"), f"单位 {name} 重复", "每个单位只写一次")
        if name and ("/" in name or "\\" in name or name.startswith(".")):
            r.problem(m.where("name"), f"单位名称“{name}”不能含 / 或 \\，也不能以 . 开头（它也是文件夹名）", "写单位的中文名称，如 爱辉区")
        out.append(
            Unit(
                name=name,
                contact=r.text(m, "contact", path, ""),
                phone=r.phone(m, "phone", path),
                webhook_env=env_name(r, m, "webhook_env", path, "", example="QM_UNIT_AIHUI_WEBHOOK"),
                kind=r.choice(m, "kind", path, ("wecom", "dingtalk"), "wecom"),
            )
        )
    return tuple(out)


def lint(r: Reader, data: Mapping, base: Path) -> LintConfig:
    m = r.section(data, "lint", "", required=False)
    if m is None:
        return LintConfig()
    r.keys(m, "lint", ("sensitive_words", "sensitive_words_file", "absolute_terms_extra"))
    words = list(r.texts(m, "sensitive_words", "lint"))
    file: Path | None = None
    if "sensitive_words_file" in m:
        file = under(base, r.text(m, "sensitive_words_file", "lint"))
        try:
            lines = file.read_text(encoding="utf-8").splitlines()
            words += [w.strip() for w in lines if w.strip() and not w.startswith("#")]
        except OSError:
            r.problem(m.where("sensitive_words_file"), f"敏感词文件不存在或无法读取：{file}")
    extra = r.texts(m, "absolute_terms_extra", "lint")
    return LintConfig(sensitive_words=tuple(words), absolute_terms_extra=extra, words_file=file)


def review(r: Reader, data: Mapping) -> ReviewConfig:
    m = r.section(data, "review", "", required=False)
    if m is None:
        return ReviewConfig()
    r.keys(m, "review", ("stages", "same_person"))
    stages: list[Stage] = []
    for path, entry in r.entries(m, "stages", "review"):
        r.keys(entry, path, ("name", "role"))
        name = checked_name(r, entry, "name", path, max_len=20)
        role = r.choice(entry, "role", path, ROLES)
        if name in {x.name for x in stages}:
            r.problem(entry.where("name"), f"{path}.name：审核阶段 {name} 重复", "每个阶段的名称不同，如 初审、复审、终审")
        elif name and role in ROLES:
            stages.append(Stage(name, role))
    if "stages" in m and not stages:
        roles = "、".join(f"{k}（{v}）" for k, v in ROLE_LABELS.items())
        r.problem(
            m.where("stages"),
            "review.stages 至少要有一个阶段",
            f"如 [{{name: 初审, role: editor}}, {{name: 终审, role: reviewer}}]；角色：{roles}",
        )
    return ReviewConfig(
        stages=tuple(stages) or ReviewConfig.stages,
        same_person=r.flag(m, "same_person", "review", False),
    )


LEASE_TIMEOUT_RANGE = (10.0, 600.0)  # seconds: keepalives need a few; beyond ten minutes a launch-day post would wait too long


def daemon(r: Reader, data: Mapping) -> DaemonConfig:
    m = r.section(data, "daemon", "", required=False)
    if m is None:
        return DaemonConfig()
    r.keys(m, "daemon", ("lease_timeout",))
    lo, hi = LEASE_TIMEOUT_RANGE
    hint = (
        f"写 {lo:g}–{hi:g} 之间的秒数，例如 lease_timeout: {DaemonConfig.lease_timeout:g}（默认）："
        "主服务死掉或断网后，备用服务在这么多秒内接管；太短会在网络短暂抖动时误切换"
    )
    return DaemonConfig(lease_timeout=r.number(m, "lease_timeout", "daemon", DaemonConfig.lease_timeout, lo, hi, hint=hint))


POSTGRESQL_SCHEMES = ("postgresql", "postgres", "postgresql+psycopg")  # psycopg 3, the `.[postgres]` extra
DATABASE_HINT = (
    '一台机器用 SQLite：删去 database 这一行即可（用状态目录下的 qm.sqlite3），或写 database: "sqlite:///文件路径"；'
    '两台机器共用 PostgreSQL：写 database: "postgresql://qm@192.168.1.20/qm"，密码用环境变量 PGPASSWORD，不写进配置'
)


def database(r: Reader, data: Mapping, base: Path) -> str:
    """The queue's database URL ("" for the default SQLite file): only a SQLite file or a PostgreSQL
    server is accepted here, so that no command meets another kind (or no file) when it opens it.
    A SQLite file's relative path is taken from the config's folder (`base`), as every path in the
    config is: run from another folder, a command must still find the same queue."""
    url = written = r.text(data, "database", "", "")
    scheme, _, rest = url.partition("://")
    if scheme == "sqlite" and rest.startswith("/") and rest[1:2] not in ("", "/", ":"):  # sqlite:///relative (not :memory:)
        url = f"sqlite:///{under(base, rest[1:])}"
    why = database_problem(url) if url else None
    if why is None:
        return url
    r.problem(data.where("database"), f"database 的值 {_hide_password(written)!r} {why}", DATABASE_HINT)
    return ""


def database_problem(url: str) -> str | None:
    """What is wrong with a `database` URL, or None; read without SQLAlchemy (`qm check` starts without it)."""
    scheme, sep, rest = url.partition("://")
    if not sep:
        return "不是数据库地址：地址以 sqlite:/// 或 postgresql:// 开头"
    if scheme == "sqlite":
        file = rest.removeprefix("/").split("?", 1)[0] if rest.startswith("/") else ""
        if not file:
            return "没有写数据库文件名：sqlite:/// 后面要写 SQLite 文件的路径"
        if file == ":memory:":
            return "是内存数据库：qm 每个命令结束时它就没有了，发布队列和审核记录都保存不下来"
        if file.endswith("/") or Path(file).is_dir():
            return f"指向目录 {file}，不是数据库文件：sqlite:/// 后面要写文件的路径"
        return None
    if scheme in POSTGRESQL_SCHEMES:
        user, server = userinfo(url)
        parts = urlsplit(server)
        if user.partition(":")[2] or any(map(secret_parameter, parse_qs(parts.query))):
            return "里写了密码：密码不能写进配置文件（配置会被复制、发给别人、放进版本库），地址里只写用户名"
        try:
            parts.port  # noqa: B018 - a port that is not a number is found here
        except ValueError:
            return "不是有效的 PostgreSQL 地址：冒号后面的端口号应当是数字，如 192.168.1.20:5432"
        return None
    if scheme.startswith(("postgresql+", "postgres+")):
        return f"指定了驱动 {scheme.partition('+')[2]}：qm 用 PostgreSQL 驱动 psycopg 3，地址以 postgresql:// 开头，不写驱动名"
    return f"是 {scheme} 数据库的地址：qm 只支持 SQLite 和 PostgreSQL"


def _hide_password(url: str) -> str:
    user, server = userinfo(url)
    if ":" in user:  # user:password@ → user:***@
        scheme, sep, rest = server.partition("://")
        url = f"{scheme}{sep}{user.partition(':')[0]}:***@{rest}"
    return masked_query(url)
