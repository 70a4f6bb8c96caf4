"""Which hosts a source may reach, as ``host:port`` strings.

A source reaches the hosts of the URLs it is configured with (its base URL, feed, pages), plus
any its settings list under ``allowed_hosts``.  Anything a server hands back (a ``next_page_url``,
a redirect, a link in a feed) is followed only when it stays among them: a hostile or broken
server cannot send regwatch to another service, on the internet or on the loopback.
"""

from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import urlsplit

__all__ = ["host_entry", "host_of", "hosts_of_urls", "is_allowed"]

_DEFAULT_PORTS = {"http": 80, "https": 443}


def host_of(url: str) -> str | None:
    """``host:port`` of an http(s) URL (the scheme's port when none is given), else ``None``."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return None
    if parts.scheme not in _DEFAULT_PORTS or not parts.hostname:
        return None
    return f"{parts.hostname.lower()}:{port or _DEFAULT_PORTS[parts.scheme]}"


def host_entry(text: str) -> str:
    """A configured ``allowed_hosts`` entry normalised: ``Example.org`` → ``example.org``,
    ``example.org:8080`` stays; a URL gives its ``host:port``; ``.example.org`` (leading dot)
    stands for every host under ``example.org``.

    :raises ValueError: for an entry that is not a host name.
    """
    value = text.strip().lower()
    if "://" in value:
        found = host_of(value)
        if found is None:
            raise ValueError(f"expected a host name or an http(s) URL, got {text!r}")
        return found
    host, _, port = value.partition(":")
    if not host or any(c in host for c in "/@?#[] ") or (port and not port.isdigit()):
        raise ValueError(
            f"expected a host name such as `example.org` or `example.org:8080`, got {text!r}"
        )
    return value


def hosts_of_urls(urls: Iterable[str]) -> set[str]:
    return {h for u in urls if (h := host_of(u)) is not None}


def is_allowed(url: str, allowed: Iterable[str]) -> bool:
    """Whether ``url`` is on one of ``allowed``: ``host:port``; a bare host, or ``.domain`` for
    any host under it, on the usual ports.  On the usual ports, http and https of one host are
    one site (a redirect from ``http://`` to ``https://`` stays on it)."""
    key = host_of(url)
    if key is None:
        return False
    hosts = set(allowed)
    if key in hosts:
        return True
    host, _, port = key.rpartition(":")
    if int(port) not in _DEFAULT_PORTS.values():
        return False
    same_site = {host, *(f"{host}:{p}" for p in _DEFAULT_PORTS.values())}
    under = any(h.startswith(".") and host.endswith(h) for h in hosts)
    return under or not same_site.isdisjoint(hosts)
