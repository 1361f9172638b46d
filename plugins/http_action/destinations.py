"""SSRF guard: action requests never reach private, loopback or link-local addresses
unless the operator allows them (TICKETFLOWER_ACTIONS_ALLOW_PRIVATE, or a list of networks).

The host name is resolved and every address it resolves to is checked, so a public
name pointing at 127.0.0.1 is refused too; the request then goes to the address that was
checked (`pinned`), with the original Host header and TLS server name, so a resolver
answering differently a moment later (DNS rebinding) cannot send it elsewhere.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Iterable
from urllib.parse import urlsplit, urlunsplit


class DestinationRefused(Exception):
    """The action URL points somewhere actions may not go."""


class DestinationUnresolved(Exception):
    """The host name could not be resolved now (worth trying again later)."""


# Special-purpose ranges that `ipaddress` does not call private but that reach internal
# systems (carrier-grade NAT, where some clouds put their metadata service; benchmarking;
# IETF protocol assignments; 6to4 and NAT64 embeddings of IPv4 addresses).
_ALSO_FORBIDDEN = [
    ipaddress.ip_network(n)
    for n in ("100.64.0.0/10", "192.0.0.0/24", "198.18.0.0/15", "2002::/16", "64:ff9b::/96")
]


Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def parse_networks(spec: str) -> list[Network]:
    """Networks from a comma-separated list such as "127.0.0.0/8,::1/128"."""
    return [
        ipaddress.ip_network(part.strip(), strict=False) for part in spec.split(",") if part.strip()
    ]


def _forbidden(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        address = address.ipv4_mapped
    return (
        any(address in net for net in _ALSO_FORBIDDEN)
        or address.is_private
        or address.is_loopback
        or address.is_link_local
        or address.is_multicast
        or address.is_reserved
        or address.is_unspecified
    )


def check_destination(
    url: str, *, allowed: Iterable[Network] = (), allow_all: bool = False
) -> list[str]:
    """Raise DestinationRefused unless `url` is http(s) and resolves only to permitted
    addresses; return them, in the resolver's order, to connect to ([] with `allow_all`:
    not resolved here)."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise DestinationRefused(f"{url!r} is not an http or https URL")
    if allow_all:
        return []
    port = parts.port or (443 if parts.scheme == "https" else 80)
    try:
        infos = socket.getaddrinfo(parts.hostname, port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise DestinationUnresolved(f"cannot resolve {parts.hostname!r}: {exc}") from None
    allowed = list(allowed)
    for info in infos:
        address = ipaddress.ip_address(str(info[4][0]).split("%", 1)[0])
        if _forbidden(address) and not any(address in net for net in allowed):
            raise DestinationRefused(
                f"{parts.hostname} resolves to {address}, a private, loopback or link-local "
                "address; actions may not call it"
            )
    return list(dict.fromkeys(str(info[4][0]).split("%", 1)[0] for info in infos))


def pinned(url: str, address: str | None) -> tuple[str, dict[str, str], dict[str, str]]:
    """The URL that connects to the checked `address`, and the headers and httpx request
    extensions that keep the original host for the server: its Host header and, for
    https, the TLS server name (SNI and certificate check). Unchanged without an address."""
    parts = urlsplit(url)
    if address is None or parts.hostname is None:
        return url, {}, {}
    literal = f"[{address}]" if ":" in address else address
    host = f"[{parts.hostname}]" if ":" in parts.hostname else parts.hostname
    port = f":{parts.port}" if parts.port else ""
    userinfo = parts.netloc.rpartition("@")[0]
    netloc = f"{userinfo}@{literal}{port}" if userinfo else f"{literal}{port}"
    extensions = {"sni_hostname": parts.hostname} if parts.scheme == "https" else {}
    return urlunsplit(parts._replace(netloc=netloc)), {"Host": host + port}, extensions
