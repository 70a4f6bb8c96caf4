"""Full-text search over events, in English and Japanese.

SQLite FTS5's ``unicode61`` tokenizer treats a run of kanji as one token, so ``銀行法`` is not
found inside ``銀行法施行規則``; the ``trigram`` tokenizer finds substrings but only of three or
more characters, and Japanese terms are often one or two (改正, 法).  So the index stores text in
three columns, all tokenized by ``unicode61``:

- ``words``: the normalized text itself (English words, numbers, identifiers);
- ``cjk2``: every CJK run as overlapping character bigrams (``銀行法`` → ``銀行 行法``);
- ``cjk1``: every CJK character on its own.

A query term of two or more CJK characters becomes a phrase of bigrams in ``cjk2``, which
matches exactly the text that contains the term; a one-character term searches ``cjk1``.
Runs are separated by a token that no query produces, so a phrase never spans two runs.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

__all__ = ["fts_columns", "fts_query", "normalize_text", "query_terms"]

_CJK = (
    "\u3005\u3006\u3007\u303b"  # 々 〆 〇 〻
    "\u3040-\u30ff"  # hiragana, katakana (with ー)
    "\u31f0-\u31ff"  # katakana phonetic extensions
    "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"  # CJK ideographs
    "\uac00-\ud7af"  # hangul
    "\U00020000-\U0003134f"
)
_CJK_RUN = re.compile(f"[{_CJK}]+")
_WORD = re.compile(rf"[^\W_{_CJK}]+")
_RUN_BREAK = "zzrunbreakzz"
_TERM = re.compile(r'"([^"]*)"|(\S+)')


def normalize_text(text: str) -> str:
    """NFKC and case folding: full-width letters and half-width kana become their usual forms."""
    return unicodedata.normalize("NFKC", text).casefold()


def _bigrams(run: str) -> list[str]:
    return [run[i : i + 2] for i in range(len(run) - 1)] if len(run) > 1 else [run]


def fts_columns(parts: Iterable[str | None]) -> tuple[str, str, str]:
    """The ``(words, cjk2, cjk1)`` values to index for an event's text parts."""
    text = normalize_text(" \n ".join(p for p in parts if p))
    runs = _CJK_RUN.findall(text)
    cjk2 = f" {_RUN_BREAK} ".join(" ".join(_bigrams(run)) for run in runs)
    cjk1 = " ".join(" ".join(run) for run in runs)
    return text, cjk2, cjk1


def query_terms(q: str) -> list[str]:
    """Split a ``--q`` string into terms: whitespace separates, double quotes group."""
    terms = []
    for match in _TERM.finditer(q):
        term = (match.group(1) if match.group(1) is not None else match.group(2)).strip()
        if term:
            terms.append(term)
    return terms


def _phrase(tokens: list[str]) -> str:
    return '"' + " ".join(t.replace('"', '""') for t in tokens) + '"'


def fts_query(q: str) -> str | None:
    """An FTS5 MATCH expression that finds events containing every term of ``q``.

    Terms are quoted, so user input never becomes FTS5 syntax (``S-P``, ``AND``, ``-``); a
    trailing ``*`` on a word asks for a prefix match.  Returns ``None`` when ``q`` has no
    searchable characters at all.
    """
    clauses = []
    for term in query_terms(q):
        prefix = term.endswith("*")
        norm = normalize_text(term.rstrip("*"))
        for run in _CJK_RUN.findall(norm):
            column = "cjk2" if len(run) > 1 else "cjk1"
            clauses.append(f"{column} : {_phrase(_bigrams(run))}")
        words = _WORD.findall(_CJK_RUN.sub(" ", norm))
        if words:
            clauses.append(f"words : {_phrase(words)}" + ("*" if prefix else ""))
    return " AND ".join(clauses) if clauses else None
