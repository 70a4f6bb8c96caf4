"""Normalizing Japanese text for matching and identities, and resolving links.

NFKC turns full-width ASCII (ＦＺＥ, （）, ＠) and half-width katakana into their usual forms and
``㈱`` into ``(株)``.  It leaves the dash family alone, so dashes between ASCII characters are
unified here; ``ー`` (the katakana long vowel) is never touched.  Originals are kept for display:
these functions make copies for comparison.
"""

from __future__ import annotations

import re
import unicodedata
from urllib.parse import urljoin, urlsplit

__all__ = ["fold", "has_cjk", "join_wrapped", "name_key", "normalize", "resolve_link"]

_DASHES = "\u2010\u2011\u2012\u2013\u2014\u2015\u2212\uff0d"
_ASCII_DASH = re.compile(rf"(?<=[\x21-\x7e])\s*[{_DASHES}]\s*(?=[\x21-\x7e])")
_SPACES = re.compile(r"\s+")
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\u3005\u3006\u30fc]")
_NOT_WORD = re.compile(r"[^0-9a-z\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\u3005]+")


def has_cjk(text: str) -> bool:
    """Whether ``text`` contains kana or kanji."""
    return bool(_CJK.search(text))


def normalize(text: str) -> str:
    """NFKC, dashes between ASCII characters as ``-``, runs of whitespace as one space."""
    text = unicodedata.normalize("NFKC", text)
    text = _ASCII_DASH.sub("-", text)
    return _SPACES.sub(" ", text).strip()


def fold(text: str) -> str:
    """:func:`normalize` and casefold: the form keyword rules are matched against."""
    return normalize(text).casefold()


def name_key(text: str) -> str:
    """A name as an identity: folded, with spaces and punctuation dropped, so that
    ``DES INTERNATIONAL CO., LTD.`` and ``Des International Co. Ltd`` are one name."""
    return _NOT_WORD.sub("", fold(text).replace("・", ""))


def join_wrapped(lines: list[str]) -> str:
    """Lines of one wrapped cell as one string: a space between Latin words, none between two
    Japanese characters (``第二十`` + ``三研究所`` → ``第二十三研究所``)."""
    out = ""
    for line in (ln.strip() for ln in lines):
        if not line:
            continue
        if out and not (has_cjk(out[-1]) and has_cjk(line[0])):
            out += " "
        out += line
    return out


def resolve_link(base: str, href: str, *, hosts: tuple[str, ...] = ()) -> str | None:
    """``href`` made absolute against ``base``; ``None`` for links that are not http(s) or that
    leave the page's own host and ``hosts`` (a page may only point into its own site)."""
    href = href.strip()
    if not href or href.startswith(("#", "javascript:", "mailto:")):
        return None
    url = urljoin(base, href)
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        return None
    host = (parts.hostname or "").lower()
    try:
        same_site = (host, parts.port) == (
            (urlsplit(base).hostname or "").lower(),
            urlsplit(base).port,
        )
    except ValueError:  # a port that is not a number
        return None
    # the page's own host and port (another port on the same host is another service), or
    # anywhere under ``hosts``
    if not same_site and host not in hosts and not any(host.endswith("." + h) for h in hosts):
        return None
    return url
