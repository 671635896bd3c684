"""Where webhook deliveries may go: the rules that keep an admin's subscription from reaching
inside the Academy's own network (server-side request forgery).

A target URL is https (plain http only when the operator allows it), carries no credentials,
and names a valid host: labels of 1 to 63 letters, digits and hyphens, 253 characters in all,
or an IP literal; a host made of numbers in another spelling (``2130706433``, ``0x7f000001``,
which resolvers read as 127.0.0.1) is refused. The addresses a host resolves to are checked at
delivery time (a name may point elsewhere by then): loopback, private, link-local (the cloud
metadata endpoint 169.254.169.254 among them), unspecified, multicast and reserved ranges, and
``fd00:ec2::254``, are refused unless the operator's allow-list names the host or a network
holding the address, for an internal receiver they mean to reach.

Pure: the adapter resolves and connects; this module only decides.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from urllib.parse import urlsplit

IpAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IpNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

METADATA = (ipaddress.ip_address("169.254.169.254"), ipaddress.ip_address("fd00:ec2::254"))
_LABEL = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")
_NUMERIC = re.compile(r"^(0x[0-9a-f]*|[0-9]+)(\.(0x[0-9a-f]*|[0-9]+))*\.?$")
MAX_HOST = 253


@dataclass(frozen=True)
class TargetPolicy:
    allow_http: bool = False
    allowed_hosts: frozenset[str] = frozenset()
    allowed_networks: tuple[IpNetwork, ...] = field(default_factory=tuple)

    @classmethod
    def of(cls, allow_http: bool, allowed: Iterable[str]) -> TargetPolicy:
        """The policy from settings: ``allowed`` holds host names and networks (CIDR or one
        address)."""
        hosts: set[str] = set()
        networks: list[IpNetwork] = []
        for entry in allowed:
            try:
                networks.append(ipaddress.ip_network(entry.strip("[]"), strict=False))
            except ValueError:
                hosts.add(entry.lower().rstrip("."))
        return cls(allow_http, frozenset(hosts), tuple(networks))

    def url_problem(self, url: str) -> str | None:
        """Why ``url`` cannot be a webhook target, or None when it can (its resolved addresses
        are checked again at each delivery)."""
        try:
            parts = urlsplit(url)
            parts.port  # noqa: B018 - raises on a port out of range
        except ValueError as exc:
            return f"not a URL: {exc}"
        if parts.scheme not in ("https", "http"):
            return "the URL must be https"
        if parts.scheme == "http" and not self.allow_http:
            return "the URL must be https (plain http is not allowed by the operator)"
        if parts.username is not None or parts.password is not None or "@" in parts.netloc:
            return "the URL must not carry credentials"
        host = parts.hostname
        if not host:
            return "the URL names no host"
        problem = host_problem(host)
        if problem is not None:
            return problem
        literal = ip_literal(host)
        if literal is not None:
            return self.address_problem(host, literal)
        if (host == "localhost" or host.endswith(".localhost")) and not self._allowed_host(host):
            return f"{host} is this machine"
        return None

    def address_problem(self, host: str, address: IpAddress) -> str | None:
        """Why a delivery to ``host`` must not connect to ``address``, or None."""
        if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
            address = address.ipv4_mapped
        if self._allowed_host(host) or any(address in n for n in self.allowed_networks):
            return None
        kinds = (
            ("metadata", address in METADATA),
            ("loopback", address.is_loopback),
            ("link-local", address.is_link_local),
            ("unspecified", address.is_unspecified),
            ("multicast", address.is_multicast),
            ("private", address.is_private),
            ("reserved", address.is_reserved),
        )
        for kind, matches in kinds:
            if matches:
                return f"{host} resolves to {address}, a {kind} address"
        return None

    def _allowed_host(self, host: str) -> bool:
        return host.lower().rstrip(".") in self.allowed_hosts


def host_problem(host: str) -> str | None:
    """Why ``host`` (as :func:`urllib.parse.urlsplit` gives it: lower case, no brackets) is not
    a valid host, or None."""
    if ip_literal(host) is not None:
        return None
    if _NUMERIC.match(host):
        return f"{host[:60]} is a number, not a dotted IPv4 address nor a host name"
    try:
        ascii_host = host.encode("idna").decode("ascii")
    except UnicodeError:
        return f"{host[:60]}… is not a valid host name (a label is empty or over 63 characters)"
    name = ascii_host.rstrip(".")
    if len(name) > MAX_HOST:
        return f"the host name is over {MAX_HOST} characters"
    bad = next((label for label in name.split(".") if not _LABEL.match(label)), None)
    if bad is not None:
        return f"{bad[:60]!r} is not a valid host label (1 to 63 letters, digits, hyphens)"
    return None


def ip_literal(host: str) -> IpAddress | None:
    """The address ``host`` spells in standard form (dotted IPv4, or IPv6), or None."""
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        return None
