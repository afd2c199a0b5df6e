"""The addresses a ban covers, as strings the database can match exactly on any backend.

A ban names a network in canonical CIDR form. An IPv4 address bans itself (/32); an IPv6
address bans its /64, the block one customer's devices take new addresses from at will
(the unit rate limits count too). A moderator may name a wider prefix: IPv4 /16 to /32,
IPv6 /32 to /64 (a longer IPv6 prefix is widened to its /64). To match, a poster's address
is turned into the few networks of those lengths that contain it, and the ban's network
must be one of them: an exact, indexed lookup, the same on SQLite and PostgreSQL.
"""

import ipaddress

IPV4_PREFIXES = range(16, 33)
IPV6_PREFIXES = range(32, 65)
IPV6_BLOCK = 64
NEIGHBOURHOOD_IPV4 = 24

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


class BadNetwork(ValueError):
    """Not something a ban can name; the message says why, for the moderator."""


def _address(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address:
    address = ipaddress.ip_address(text.strip())
    if address.version == 6 and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def ban_network(text: str) -> Network:
    """The network a ban on `text` (an address or a CIDR prefix) covers."""
    text = text.strip()
    try:
        if "/" not in text:
            address = _address(text)
            length = 32 if address.version == 4 else IPV6_BLOCK
            return ipaddress.ip_network(f"{address}/{length}", strict=False)
        network = ipaddress.ip_network(text, strict=False)
    except ValueError:
        raise BadNetwork(
            "Enter an IP address (192.0.2.7, 2001:db8::7) or a prefix (192.0.2.0/24, "
            "2001:db8::/48)."
        ) from None
    lengths = IPV4_PREFIXES if network.version == 4 else IPV6_PREFIXES
    if network.version == 6 and network.prefixlen > IPV6_BLOCK:
        return network.supernet(new_prefix=IPV6_BLOCK)
    if network.prefixlen < lengths.start:
        raise BadNetwork(
            f"A /{network.prefixlen} is too wide to ban: at most /{lengths.start} "
            f"for IPv{network.version}."
        )
    return network


def networks_containing(ip: str | None) -> list[str]:
    """Every network a ban could name that holds `ip`, in the form bans store."""
    if not ip:
        return []
    try:
        address = _address(ip)
    except ValueError:
        return []
    lengths = IPV4_PREFIXES if address.version == 4 else IPV6_PREFIXES
    return [str(ipaddress.ip_network(f"{address}/{n}", strict=False)) for n in lengths]


def in_network(ip: str | None, network: str) -> bool:
    """`ip` lies in `network` (a ban's stored network)."""
    return network in networks_containing(ip)


def neighbourhood(ip: str | None) -> str:
    """The network a moderator means by "the same network" as `ip`, in the form comments
    store (`Comment.ip_block`): its /24 for IPv4, its /64 for IPv6; empty for none."""
    if not ip:
        return ""
    try:
        address = _address(ip)
    except ValueError:
        return ""
    length = NEIGHBOURHOOD_IPV4 if address.version == 4 else IPV6_BLOCK
    return str(ipaddress.ip_network(f"{address}/{length}", strict=False))
