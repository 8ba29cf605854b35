"""Client addresses as the console counts, shows and looks them up.

A console listening on both IPv4 and IPv6 (`qm web --host ::`) sees an IPv4 client as an IPv4-mapped IPv6
address (::ffff:192.168.1.20). The login throttle records it, the login page names it and `qm user unlock
--address` finds it as the IPv4 address people know (192.168.1.20), and a reverse proxy trusted by its
IPv4 address (`web.trusted_proxies`) is trusted when it connects that way too.

Behind a trusted proxy the client is the one its X-Forwarded-For names (`client_of`): read from the right (the
hop the proxy appended), past the trusted proxies' own addresses. A hop that is not an IP address is not
believed (a client wrote it): the connection's own address counts instead.
"""

from __future__ import annotations

import ipaddress
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from starlette.requests import Request


def plain(address: str) -> str:
    """The address in one spelling: IPv4 for an IPv4-mapped one, IPv6 compressed; anything else as given."""
    try:
        ip = ipaddress.ip_address(address.strip())
    except ValueError:
        return address
    mapped = ip.ipv4_mapped if isinstance(ip, ipaddress.IPv6Address) else None
    return str(mapped) if mapped is not None else ip.compressed


def client_of(peer: str, forwarded: str, trusted: tuple[str, ...]) -> tuple[str, str]:
    """(the client's address, the trusted proxy it came through or ""), for a connection from `peer` that sent
    X-Forwarded-For `forwarded`; the header is read only from a proxy listed in `trusted` (addresses, networks)."""
    peer = plain(peer)
    nets = [ipaddress.ip_network(text, strict=False) for text in trusted]
    if not _within(peer, nets):
        return peer, ""
    client = peer
    for hop in reversed([h.strip() for h in forwarded.split(",")] if forwarded.strip() else []):
        try:
            ipaddress.ip_address(hop.replace("%", "/"))  # an IPv6 scope (fe80::1%eth0) is no client's address
        except ValueError:
            return peer, peer  # written by a client, not by a proxy: not believed
        client = plain(hop)
        if not _within(client, nets):
            break
    return client, peer


def client_of_request(request: Request, trusted: tuple[str, ...]) -> tuple[str, str]:
    """`client_of` for a request: (the client's address, the trusted proxy it came through or "")."""
    peer = request.client.host if request.client else ""
    forwarded = ",".join(request.headers.getlist("x-forwarded-for"))  # a proxy may add its own line after the client's
    return client_of(peer, forwarded, trusted)


def _within(address: str, nets: list[ipaddress.IPv4Network | ipaddress.IPv6Network]) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip.version == net.version and ip in net for net in nets)
