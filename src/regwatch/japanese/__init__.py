"""Japanese text as Japanese government sites publish it: encodings, era dates, normalization.

- :func:`decode` picks the encoding of a page or feed from its BOM, the HTTP header, the XML
  declaration or the HTML ``<meta>`` tag, and otherwise tries UTF-8, then CP932 (the Windows
  superset of Shift_JIS), then EUC-JP;
- :func:`parse_date` and :func:`find_dates` read ``令和7年11月14日``, ``令和元年``, full-width and
  kanji numerals and Gregorian ``2025年9月29日``; an impossible date is an error, never a guess;
- :func:`normalize`, :func:`fold` and :func:`name_key` give NFKC copies for display, keyword
  matching and identities; :func:`resolve_link` turns relative links into absolute ones.
"""

from __future__ import annotations

from ._dates import ERAS, find_dates, kanji_number, parse_date
from ._encoding import Decoded, decode
from ._text import fold, has_cjk, join_wrapped, name_key, normalize, resolve_link

__all__ = [
    "ERAS",
    "Decoded",
    "decode",
    "find_dates",
    "fold",
    "has_cjk",
    "join_wrapped",
    "kanji_number",
    "name_key",
    "normalize",
    "parse_date",
    "resolve_link",
]
