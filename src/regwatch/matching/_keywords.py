"""Finding many phrases in a text at once: one Aho-Corasick automaton over normalized text.

Both the phrases and the text are normalized the same way (NFKC, case folding, dashes and
wave dashes unified between ASCII characters), so ``ＳＥＣ`` finds ``sec`` and ``半導体`` finds
``半導体製造装置``.  A Latin phrase must start and end at word boundaries (``sec`` never hits
inside ``secondary``), allowing a plural ``s``/``es``; a Japanese or Chinese phrase has no word
boundaries to respect.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Generic, TypeVar

import ahocorasick

__all__ = ["KeywordHit", "KeywordMatcher", "normalize_text"]

T = TypeVar("T")

_DASHES = re.compile(r"(?<=[\x21-\x7e])[\u2010-\u2015\u2212\u30fc\uff0d](?=[\x21-\x7e])")
_SPACES = re.compile(r"\s+")


def normalize_text(text: str) -> str:
    """NFKC, case folding, one space for any run of whitespace, ASCII dashes between ASCII
    characters (``ー`` between kana is a long vowel, not a dash, and stays)."""
    text = unicodedata.normalize("NFKC", text).casefold()
    text = _DASHES.sub("-", text)
    return _SPACES.sub(" ", text)


def _is_word_char(char: str) -> bool:
    return char.isalnum() and not _is_cjk(char)


def _is_cjk(char: str) -> bool:
    code = ord(char)
    return (
        0x3040 <= code <= 0x30FF
        or 0x3400 <= code <= 0x4DBF
        or 0x4E00 <= code <= 0x9FFF
        or 0xF900 <= code <= 0xFAFF
        or 0xAC00 <= code <= 0xD7AF
        or code >= 0x20000
    )


@dataclass(frozen=True, slots=True)
class KeywordHit(Generic[T]):
    """One occurrence of a phrase: its payload, where, and the text around it."""

    payload: T
    phrase: str
    start: int
    end: int
    context: str


class KeywordMatcher(Generic[T]):
    """``KeywordMatcher([(phrase, payload), ...]).find(text)`` -> the hits, each phrase once."""

    def __init__(self, phrases: Iterable[tuple[str, T]]) -> None:
        self._automaton = ahocorasick.Automaton()
        entries: dict[str, list[T]] = {}
        for phrase, payload in phrases:
            norm = normalize_text(phrase).strip()
            if norm:
                entries.setdefault(norm, []).append(payload)
        for norm, payloads in entries.items():
            self._automaton.add_word(norm, (norm, payloads))
        self.size = len(entries)
        if entries:
            self._automaton.make_automaton()

    def find(self, text: str) -> list[KeywordHit[T]]:
        """The first occurrence of every phrase found in ``text`` (one hit per payload)."""
        if not self.size or not text:
            return []
        norm = normalize_text(text)
        hits: list[KeywordHit[T]] = []
        seen: set[int] = set()
        for end, (phrase, payloads) in self._iter(norm):
            start = end - len(phrase) + 1
            if not self._bounded(norm, phrase, start, end):
                continue
            context = norm[max(0, start - 40) : end + 41].strip()
            for payload in payloads:
                if id(payload) in seen:
                    continue
                seen.add(id(payload))
                hits.append(KeywordHit(payload, phrase, start, end + 1, context))
        return hits

    def _iter(self, norm: str) -> Iterator[tuple[int, tuple[str, list[T]]]]:
        yield from self._automaton.iter(norm)

    @staticmethod
    def _bounded(text: str, phrase: str, start: int, end: int) -> bool:
        if _is_word_char(phrase[0]) and start > 0 and _is_word_char(text[start - 1]):
            return False
        if _is_word_char(phrase[-1]) and end + 1 < len(text):
            after = text[end + 1 :]
            if _is_word_char(after[0]):
                # A plural is the same word: "semiconductor" finds "semiconductors".
                for suffix in ("s", "es"):
                    if after.startswith(suffix) and (
                        len(after) == len(suffix) or not _is_word_char(after[len(suffix)])
                    ):
                        return True
                return False
        return True
