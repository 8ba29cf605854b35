"""`qm user unlock`: what the console's login throttle has locked, and lifting it.

Without arguments it lists the locked account names and addresses; with a name it releases that name;
with `--address` an address (twenty wrong passwords from one address lock everyone behind it, which
is a whole office behind one NAT or proxy). Releasing a name also says which addresses are locked,
since a name released may still be kept out by the address its owner logs in from. What it lifts is written to
`account_log` as the terminal's change (终端（zhang）), shown on the console's 账号 page.

The names listed are whatever anyone typed on the login page: each is printed with its control characters
escaped (`logs.escaped`), so a name cannot clear the terminal, write its clipboard or forge a line.
"""

from __future__ import annotations

import argparse
import ipaddress
from typing import TYPE_CHECKING

from ..support.errors import InputError
from ..support.logs import escaped
from ..views.account_rows import UNLOCK_ADDRESS
from .context import Context

if TYPE_CHECKING:  # the database layer: imported by the command only
    from ..web.sessions import Throttle

HOW = "解除：qm user unlock 用户名；qm user unlock --address 地址"


def run_user_unlock(ctx: Context, args: argparse.Namespace) -> int:
    from ..web.accounts import Accounts
    from ..web.sessions import Throttle

    throttle, accounts = Throttle(ctx.engine), Accounts.of_terminal(ctx.engine)
    if args.name is None and args.address is None:
        return _list(throttle, ctx.clock())
    if args.name is not None:
        if accounts.get(args.name) is None:
            raise InputError(f"没有用户 {args.name}（用 qm user list 查看）")
        if throttle.release(args.name):
            accounts.record(accounts.terminal, args.name, "unlock", ctx.clock())
            print(f"已解除 {args.name} 的登录锁定，现在可以登录。")
        else:
            print(f"{args.name} 没有输错密码的记录，这个用户名没有锁定。")
    if args.address is not None:
        address = _address(args.address, throttle, ctx.clock())
        if throttle.release_address(address):
            accounts.record(accounts.terminal, address, UNLOCK_ADDRESS, ctx.clock())
            print(f"已解除地址 {address} 的登录锁定，从这个地址可以登录了。")
        else:
            print(f"地址 {address} 没有输错密码的记录，不需要解除。")
    still = throttle.locked(ctx.clock())
    if others := [*still["addr"], *still["proxy"]]:
        print(
            f"注意：还有 {len(others)} 个地址暂停登录（同一地址输错 20 次密码，或经过反向代理输错 100 次），从这些地址登录的人密码对了也要等："
            + "；".join(f"{escaped(a)}（{_minutes(s)}）" for a, s in others)
            + "。立即解除：qm user unlock --address 地址"
        )
    return 0


def _list(throttle: Throttle, now: float) -> int:
    locked = throttle.locked(now)
    if not any(locked.values()):
        print("现在没有锁定的用户名或地址。")
        return 0
    for kind, heading in (
        ("name", "暂停登录的用户名（15 分钟内输错 5 次密码；也可能是别人在猜的、并不存在的用户名）："),
        ("addr", "暂停登录的地址（15 分钟内输错 20 次密码；从这个地址登录的所有人密码对了也要等）："),
        ("proxy", "暂停登录的反向代理（15 分钟内经过它输错 100 次密码；经过它登录的所有人密码对了也要等）："),
    ):
        if locked[kind]:
            print(heading)
            for value, seconds in locked[kind]:
                print(f"  {escaped(value)}  {_minutes(seconds)}")
    print(HOW)
    return 0


def _address(written: str, throttle: Throttle, now: float) -> str:
    """The address as the console records it (192.168.1.20, ::1; ::ffff:192.168.1.20 as 192.168.1.20); a
    mistyped one is refused with those locked."""
    from ..web.client_address import plain

    try:
        ipaddress.ip_address(written.strip())  # an address at all: `plain` gives its recorded spelling
    except ValueError:
        locked = [a for kind in ("addr", "proxy") for a, _ in throttle.locked(now)[kind]]
        if written.strip() in locked:
            return written.strip()
        listed = "现在暂停登录的地址：" + "、".join(map(escaped, locked)) if locked else "现在没有暂停登录的地址"
        raise InputError(f"--address {escaped(written)} 不是 IP 地址（写作 192.168.1.20，登录页面的提示里写着）；{listed}") from None
    return plain(written)


def _minutes(seconds: int) -> str:
    from ..web.sessions import minutes

    return f"还要 {minutes(seconds)} 分钟"
