"""Passwords out of URLs before they are shown anywhere (messages, logs, the terminal).

The userinfo is found by its structure, not by a pattern over the whole URL: everything
between ``scheme://`` and the last ``@`` is userinfo, and what follows its first ``:`` is the
password.  That holds even for the malformed URLs people paste, whose password carries an
unencoded ``/``, ``@``, ``?`` or ``#`` (a standard parse would take part of such a password
for the path and show it).
"""

from __future__ import annotations

__all__ = ["MASK", "mask_url", "unencoded_password"]

MASK = "***"


def _password(url: str) -> str | None:
    _scheme, sep, rest = url.partition("://")
    userinfo, at, _ = rest.rpartition("@")
    if not sep or not at or ":" not in userinfo:
        return None
    return userinfo.partition(":")[2]


def unencoded_password(url: str, parsed_password: str | None) -> bool:
    """Whether a URL parser read ``url``'s password as something other than what its userinfo
    holds: an unencoded ``/``, ``@``, ``?`` or ``#`` cut it, and part of it went elsewhere."""
    from urllib.parse import unquote

    password = _password(url)
    return password is not None and unquote(password) != (parsed_password or "")


def mask_url(url: str) -> str:
    """``url`` with the password of its userinfo, if any, replaced by ``***``."""
    scheme, sep, rest = url.partition("://")
    if not sep:
        return url
    userinfo, at, host = rest.rpartition("@")
    if not at:
        return url
    user, colon, _password = userinfo.partition(":")
    if not colon:
        return url
    return f"{scheme}://{user}:{MASK}@{host}"
