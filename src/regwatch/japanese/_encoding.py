"""Which encoding a Japanese page or feed is in, and its text.

The order is the one browsers follow, with one exception learned the hard way: a byte-order
mark; then the HTTP ``charset`` (unless it is the ISO-8859-1 that servers send by default, which
turned a METI page's 最終更新日 into ``æ\\x9c\\x80çµ\\x82…`` for one crawler); then the XML
declaration or the HTML ``<meta>`` tag; then, with nothing declared, UTF-8, CP932 and EUC-JP,
each tried strictly.  Shift_JIS is always read as CP932, its Windows superset, so that ①, ㈱
and the NEC special characters survive.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass

from ..exceptions import ParseError

__all__ = ["Decoded", "decode"]

_BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
_XML_DECL = re.compile(rb"^\s*<\?xml[^>]*?encoding\s*=\s*[\"']([A-Za-z0-9._\-]+)[\"']", re.I)
_META_CHARSET = re.compile(rb"<meta[^>]+charset\s*=\s*[\"']?\s*([A-Za-z0-9._\-]+)", re.I)
#: what servers send when nobody configured a charset; never trusted over the document
_DEFAULTISH = frozenset({"latin-1", "iso8859-1", "ascii", "cp1252"})
_SHIFT_JIS = frozenset({"shift_jis", "cp932", "shift_jis_2004", "shift_jisx0213"})
_FALLBACKS = ("utf-8", "cp932", "euc_jp")


@dataclass(frozen=True)
class Decoded:
    """Text and where its encoding came from (``bom``, ``http``, ``xml``, ``meta``, ``sniffed``)."""

    text: str
    encoding: str
    declared_by: str


def _codec(name: str | None) -> str | None:
    """The Python codec for a declared charset name, or ``None`` when it is unknown."""
    if not name:
        return None
    try:
        codec = codecs.lookup(name.strip().strip("\"'")).name
    except LookupError:
        aliases = {"windows-31j": "cp932", "x-sjis": "cp932", "x-euc-jp": "euc_jp"}
        codec = aliases.get(name.strip().lower(), "")
        if not codec:
            return None
    return "cp932" if codec in _SHIFT_JIS else codec


def _header_charset(content_type: str | None) -> str | None:
    for part in (content_type or "").split(";")[1:]:
        key, _, value = part.strip().partition("=")
        if key.strip().lower() == "charset" and value.strip():
            return value.strip().strip("\"'")
    return None


def _declared(body: bytes) -> tuple[str, str] | None:
    head = body[:4096]
    for kind, pattern in (("xml", _XML_DECL), ("meta", _META_CHARSET)):
        match = pattern.search(head)
        if match:
            codec = _codec(match.group(1).decode("ascii"))
            if codec:
                return codec, kind
    return None


def decode(body: bytes, content_type: str | None = None, *, where: str = "document") -> Decoded:
    """Decode ``body`` (a page or feed) as described in the module docstring.

    :param content_type: the HTTP ``Content-Type`` header, if any.
    :raises ParseError: naming ``where`` when no candidate encoding reads the bytes.
    """
    for bom, codec in _BOMS:
        if body.startswith(bom):
            return Decoded(body.decode(codec), codec.removesuffix("-sig"), "bom")
    candidates: list[tuple[str, str]] = []
    header = _codec(_header_charset(content_type))
    declared = _declared(body)
    if header and header not in _DEFAULTISH:
        candidates.append((header, "http"))
    if declared:
        candidates.append(declared)
    if header in _DEFAULTISH and body.isascii():
        candidates.append((header, "http"))
    candidates += [(codec, "sniffed") for codec in _FALLBACKS]
    tried: list[str] = []
    for codec, declared_by in candidates:
        if codec in tried:
            continue
        tried.append(codec)
        try:
            return Decoded(body.decode(codec), codec, declared_by)
        except UnicodeDecodeError:
            continue
    raise ParseError(
        f"{where}: cannot decode {len(body)} bytes as any of {', '.join(tried)} "
        "(the declared charset is wrong or the file is damaged)"
    )
