"""Client addresses as the console counts, shows and looks them up.

A console listening on both IPv4 and IPv6 (`qm web --host ::`) sees an IPv4 client as an IPv4-mapped IPv6
address (::ffff:192.168.1.20). The login throttle records it, the login page names it and `qm user unlock
--address` finds it as the IPv4 address people know (192.168.1.20), and a reverse proxy trusted by its
IPv4 address (`web.trusted_proxies`) is trusted when it connects that way too.
"""

from __future__ import annotations

import ipaddress


def plain(address: str) -> str:
    """The address in one spelling: IPv4 for an IPv4-mapped one, IPv6 compressed; anything else as given."""
    try:
        ip = ipaddress.ip_address(address.strip())
    except ValueError:
        return address
    mapped = ip.ipv4_mapped if isinstance(ip, ipaddress.IPv6Address) else None
    return str(mapped) if mapped is not None else ip.compressed


def with_mapped(trusted: tuple[str, ...]) -> list[str]:
    """The trusted proxies' addresses and networks, each IPv4 one also as a dual-stack listener sees it."""
    out = list(trusted)
    for text in trusted:
        net = ipaddress.ip_network(text, strict=False)
        if net.version == 4:
            out.append(f"::ffff:{net.network_address}/{96 + net.prefixlen}")
    return out
