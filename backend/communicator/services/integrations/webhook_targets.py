"""Where a webhook may post: public addresses only, unless COMMUNICATOR_WEBHOOK_ALLOW_PRIVATE (docs/webhooks.md).

The host is checked when the URL is saved and again before every attempt, and the attempt connects to the very
address that was checked (Host header and TLS SNI keep the name), so a DNS answer that changes in between
(DNS rebinding) cannot turn a hook into a request to an internal service.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from urllib.parse import urlsplit, urlunsplit

import msgspec

from communicator.services.core.errors import InvalidInput

RESOLVE_TIMEOUT_SECONDS = 5.0


class TargetRefused(ValueError):
    """The URL's host does not resolve, or resolves to an address a webhook may not reach."""


class Target(msgspec.Struct, frozen=True, kw_only=True):
    """What an attempt connects to: the URL with the checked address as its host, and the name to present."""

    url: str
    host_header: str | None = None  # None: the URL is used as it is
    sni_hostname: str | None = None


def is_public(address: str) -> bool:
    """Whether an address is globally routable (not private, loopback, link-local, CGNAT, reserved, multicast)."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


async def _resolve(host: str, port: int) -> list[str]:
    """Every address the host resolves to; TargetRefused when it does not resolve in time."""
    loop = asyncio.get_running_loop()
    try:
        infos = await asyncio.wait_for(loop.getaddrinfo(host, port, type=socket.SOCK_STREAM), RESOLVE_TIMEOUT_SECONDS)
    except (OSError, TimeoutError, UnicodeError):
        raise TargetRefused(f"the host {host[:100]} does not resolve") from None
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


async def resolve_webhook_target(url: str, allow_private: bool) -> Target:
    """The address to post to; TargetRefused if any address of the host is not public (and that is not allowed)."""
    if allow_private:
        return Target(url=url)
    parts = urlsplit(url)
    host = parts.hostname or ""
    port = parts.port or (443 if parts.scheme == "https" else 80)
    addresses = await _resolve(host, port)
    refused = [address for address in addresses if not is_public(address)]
    if refused or not addresses:
        raise TargetRefused(f"{host[:100]} resolves to a private, loopback or link-local address ({refused[0]})")
    address = addresses[0]
    netloc = f"[{address}]" if ":" in address else address
    if parts.port:
        netloc += f":{parts.port}"
    return Target(
        url=urlunsplit(parts._replace(netloc=netloc)),
        host_header=parts.netloc.rsplit("@", 1)[-1],
        sni_hostname=host if parts.scheme == "https" else None,
    )


async def check_webhook_url(field: str, url: str, allow_private: bool) -> None:
    """InvalidInput naming the field when a webhook URL may not be used."""
    if not url or allow_private:
        return
    try:
        await resolve_webhook_target(url, allow_private)
    except TargetRefused as error:
        raise InvalidInput(f"{field}: {error}.", {"field": field}, code="webhook_url_private") from None
