"""Turning a name into typed tokens: the normalization half of the name matcher.

The steps, in order:

1. NFKC and case folding, so full-width ``Ｃｏ．，Ｌｔｄ．`` is ``co., ltd.``;
2. apostrophes dropped (``Qa'ida`` = ``Qaida``), ``&`` read as ``and``, dotted initialisms
   joined (``J.P.``, ``S.A.R.L.``, ``o.o.``), other punctuation splits words;
3. diacritics removed from Latin, Greek and Cyrillic letters; alphabetic scripts other than
   Latin transliterated (anyascii), CJK runs kept as they are, with their legal forms and
   leading place names cut out;
4. every token typed: a legal form (a low-weight *class* token, never deleted), a number
   (``13th``, ``thirteenth``, ``XIII`` are all 13), a place, a generic word, a stopword or
   name particle, an honorific, an initial, or a plain name word.

Nothing here scores; :mod:`._names` compares the tokens.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from enum import StrEnum
from functools import cache, lru_cache
from itertools import pairwise

from anyascii import anyascii

from ._countries import place_words
from ._lexicon import (
    ABBREVIATIONS,
    CJK_LEGAL_FORMS,
    CJK_PLACES,
    GENERIC_WORDS,
    HONORIFICS,
    LEGAL_FORMS,
    NUMBER_WORDS,
    PARTICLE_CANON,
    PARTICLES,
    PLACES,
    ROMAN,
    STOPWORDS,
)

__all__ = ["SCHEMAS", "Analyzed", "Kind", "Token", "analyze", "fold", "normalize", "skeleton"]

#: the entity schemas ``name_score`` knows (FollowTheMoney names)
SCHEMAS = ("Person", "Company", "Organization", "LegalEntity", "Vessel")


class Kind(StrEnum):
    NAME = "name"
    GENERIC = "generic"
    PLACE = "place"
    FORM = "legal_form"
    NUMBER = "number"
    STOP = "stopword"
    PARTICLE = "particle"
    PATRONYMIC = "patronymic"
    HONORIFIC = "honorific"
    INITIAL = "initial"


#: how much a token of each kind counts in a name (plain name words count 1)
WEIGHTS: dict[Kind, float] = {
    Kind.NAME: 1.0,
    Kind.GENERIC: 0.55,
    Kind.PLACE: 0.55,
    Kind.FORM: 0.3,
    Kind.NUMBER: 0.8,
    Kind.STOP: 0.15,
    Kind.PARTICLE: 0.3,
    Kind.PATRONYMIC: 0.45,
    Kind.HONORIFIC: 0.1,
    Kind.INITIAL: 0.35,
}


@dataclass(frozen=True, slots=True)
class Token:
    """One token of a name.

    :param text: the normalized surface form (Latin for alphabetic scripts, native for CJK)
    :param canon: what equality means for this kind: the legal-form class, the number's
        value, the particle's canonical spelling, else ``text``
    :param family: for legal forms, the family of classes (``llc``, ``jsc``, ``corp``, …)
    :param latin: a Latin transliteration, for CJK tokens compared across scripts
    :param original: the words of the input this token stands for
    """

    text: str
    kind: Kind
    canon: str
    #: position and original text do not change what a token matches (nor its cache key)
    pos: int = field(compare=False)
    family: str = ""
    latin: str = ""
    original: str = field(default="", compare=False)
    cjk: bool = False
    #: transliterated from Arabic or Hebrew script (consonants only)
    abjad: bool = False
    #: the same number for equal tokens in every name: the matcher's cache key
    tid: int = field(default=0, compare=False)

    @property
    def weight(self) -> float:
        return WEIGHTS[self.kind]


@dataclass(frozen=True, slots=True)
class Analyzed:
    """A name, analyzed once and compared many times."""

    original: str
    schema: str
    tokens: tuple[Token, ...]
    #: the dominant script: ``latin``, ``cjk`` (Han, kana), ``hangul`` or ``other``
    script: str
    #: in ``X bin Y`` (one genealogical particle), the index of the father's name ``Y``
    father: int | None = None
    #: ``(i, text)``: tokens ``i`` and ``i + 1`` run together (``Good Will`` -> ``goodwill``)
    joins: tuple[tuple[int, str], ...] = ()
    #: the first letters of the words an acronym may stand for
    initials: str = ""

    @property
    def core(self) -> tuple[Token, ...]:
        """Tokens that identify (not legal forms, stopwords, honorifics)."""
        return tuple(t for t in self.tokens if t.kind not in _NOT_CORE)

    @property
    def compact(self) -> str:
        """The identifying tokens run together: ``Good Will`` and ``Goodwill`` meet here."""
        return "".join(t.latin or t.text for t in self.core if t.kind is not Kind.INITIAL)


_NOT_CORE = frozenset({Kind.FORM, Kind.STOP, Kind.HONORIFIC})

_APOSTROPHES = re.compile(r"[\u0027\u2018\u2019\u201b\u0060\u00b4\u02bb\u02bc\u02b9\u2032]")
_INITIALISM = re.compile(r"(?<![^\W_])(?:[^\W\d_]\.){1,}[^\W\d_](?![^\W_])\.?")
_TOKEN = re.compile(r"[^\W_]+")
_CJK_CHAR = re.compile(
    "[\u3005\u3006\u3040-\u30ff\u31f0-\u31ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
    "\U00020000-\U0003134f]"
)
_HANGUL_CHAR = re.compile("[\uac00-\ud7af\u1100-\u11ff\u3130-\u318f]")
_SCRIPT_RUN = re.compile(
    "([\u3005\u3006\u3040-\u30fa\u30fc-\u30ff\u31f0-\u31ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
    "\U00020000-\U0003134f]+|[\uac00-\ud7af\u1100-\u11ff\u3130-\u318f]+)"
)
#: Russian-style patronymics (Viktorovich, Ivanovna): part of the name, weaker than the rest
_PATRONYMIC = re.compile(r"^[a-z]{3,}(?:ovich|evich|ovitch|evitch|ovna|evna|ichna)$")
_ORDINAL = re.compile(r"^(\d+)(?:st|nd|rd|th|e|er|eme|ая|ый|й)$")
_CAMEL_SYLLABLE = re.compile(r"[A-Z][a-z]*|[a-z]+|\d+")
_STRIP_MARKS_UNDER = ("LATIN", "GREEK", "CYRILLIC")


def normalize(text: str) -> str:
    """NFKC, case folding, apostrophes dropped, ``&`` as ``and``, initialisms joined."""
    text = unicodedata.normalize("NFKC", text).casefold()
    text = _APOSTROPHES.sub("", text)
    text = text.replace("&", " and ").replace("+", " ")
    return _INITIALISM.sub(lambda m: m.group(0).replace(".", ""), text)


def _strip_marks(text: str) -> str:
    """Drop diacritics on Latin, Greek and Cyrillic letters only: in Devanagari, Thai or
    Khmer the combining marks are the vowels."""
    if text.isascii():
        return text
    decomposed = unicodedata.normalize("NFD", text)
    if not any(unicodedata.combining(c) for c in decomposed):
        return text
    out: list[str] = []
    base_ok = False
    for char in decomposed:
        if unicodedata.combining(char):
            if not base_ok:
                out.append(char)
            continue
        name = unicodedata.name(char, "")
        base_ok = name.startswith(_STRIP_MARKS_UNDER)
        out.append(char)
    return unicodedata.normalize("NFC", "".join(out))


def _words(chunk: str) -> list[str]:
    out = []
    for word in chunk.split():
        current = ""
        for char in word:
            if unicodedata.category(char)[0] in "PSZC":
                if current:
                    out.append(current)
                current = ""
            else:
                current += char
        if current:
            out.append(current)
    return out


def _latinize(word: str) -> list[str]:
    """A word in an alphabetic script other than Latin, transliterated to Latin words."""
    if word.isascii():
        return [word]
    latin = anyascii(word).lower()
    latin = latin.replace("'", "").replace("`", "")
    return _TOKEN.findall(latin) or [word]


def _is_abjad(word: str) -> bool:
    """Arabic and Hebrew script write consonants only: their transliteration has no vowels."""
    return any(unicodedata.name(c, "").startswith(("ARABIC", "HEBREW")) for c in word[:3])


def _pinyin_of(run: str) -> str:
    return "".join(_CAMEL_SYLLABLE.findall(anyascii(run))).lower()


def _script_of(text: str) -> str:
    if text.isascii():
        return "latin"
    cjk = len(_CJK_CHAR.findall(text))
    hangul = len(_HANGUL_CHAR.findall(text))
    letters = sum(1 for c in text if c.isalpha())
    if letters == 0:
        return "latin"
    if cjk * 2 >= letters:
        return "cjk"
    if hangul * 2 >= letters:
        return "hangul"
    latin = sum(1 for c in text if c.isascii() and c.isalpha())
    return "latin" if latin * 2 >= letters else "other"


@dataclass(slots=True)
class _Raw:
    text: str
    cjk: bool = False
    kind: Kind | None = None
    canon: str = ""
    family: str = ""
    abjad: bool = False


def _split_cjk(run: str) -> list[_Raw]:
    """Cut a CJK run into leading places, legal forms and the remaining cores."""
    parts: list[_Raw] = []
    rest = run
    # A leading place name, optionally with its 市 / 省 / 区 suffix (深圳市大疆 -> 深圳 + 大疆).
    for place in sorted(CJK_PLACES, key=len, reverse=True):
        if rest.startswith(place) and len(rest) > len(place):
            tail = rest[len(place) :]
            if tail[:1] in ("市", "省", "区", "區", "県", "府", "都"):
                tail = tail[1:]
            parts.append(_Raw(place, cjk=True, kind=Kind.PLACE))
            rest = tail
            break
    pieces: list[_Raw] = [_Raw(rest, cjk=True)] if rest else []
    for form in sorted(CJK_LEGAL_FORMS, key=len, reverse=True):
        klass, family = CJK_LEGAL_FORMS[form]
        split: list[_Raw] = []
        for piece in pieces:
            if piece.kind is not None or form not in piece.text:
                split.append(piece)
                continue
            before, _, after = piece.text.partition(form)
            if before:
                split.append(_Raw(before, cjk=True))
            split.append(_Raw(form, cjk=True, kind=Kind.FORM, canon=klass, family=family))
            if after:
                split.append(_Raw(after, cjk=True))
        pieces = split
    return parts + pieces


def _raw_tokens(text: str) -> list[_Raw]:
    out: list[_Raw] = []
    for chunk in _SCRIPT_RUN.split(text):
        if not chunk:
            continue
        if _SCRIPT_RUN.fullmatch(chunk):
            if _HANGUL_CHAR.match(chunk):
                out.append(_Raw(chunk, cjk=True))
            else:
                out.extend(_split_cjk(chunk))
            continue
        for word in _words(chunk):
            abjad = _is_abjad(word)
            out.extend(_Raw(w, abjad=abjad) for w in _latinize(word))
    return out


def _number(word: str, schema: str) -> str | None:
    if word.isdigit():
        return str(int(word))
    match = _ORDINAL.match(word)
    if match:
        return str(int(match[1]))
    if word in NUMBER_WORDS and schema != "Person":
        return str(NUMBER_WORDS[word])
    roman = ROMAN.get(word)
    # In people's names only generational suffixes are numerals (Xi, Li, Vi are names).
    if roman is not None and (schema != "Person" or word in ("ii", "iii", "iv")):
        return str(roman)
    if any(c.isdigit() for c in word):
        return word
    return None


#: the first word of every legal form, and the most words a form starting with it has
_FORM_STARTS: dict[str, int] = {}
for _phrase in LEGAL_FORMS:
    _first, *_rest = _phrase.split()
    _FORM_STARTS[_first] = max(_FORM_STARTS.get(_first, 0), len(_rest) + 1)


@cache
def _places() -> frozenset[str]:
    return PLACES | place_words()


def _classify(raws: list[_Raw], schema: str) -> list[_Raw]:
    """Type every raw token; legal forms may span several words (``co ltd``)."""
    person = schema == "Person"
    places = _places()
    out: list[_Raw] = []
    i = 0
    n = len(raws)
    while i < n:
        raw = raws[i]
        if raw.kind is not None or raw.cjk:
            out.append(raw)
            i += 1
            continue
        matched = 0
        longest = _FORM_STARTS.get(raw.text, 0)
        for size in range(min(longest, n - i), 0, -1):
            window = raws[i : i + size]
            if any(r.cjk or r.kind is not None for r in window):
                continue
            phrase = " ".join(r.text for r in window)
            form = LEGAL_FORMS.get(phrase)
            # In a person's name only a form at either end is a legal form ("Maduro SA").
            if form and (not person or i == 0 or i + size == n) and (size > 1 or n > 1):
                out.append(_Raw(phrase, kind=Kind.FORM, canon=form[0], family=form[1]))
                matched = size
                break
        if matched:
            i += matched
            continue
        word = raw.text
        number = _number(word, schema)
        if number is not None:
            raw.kind, raw.canon = Kind.NUMBER, number
        elif person and word in HONORIFICS and n > 1:
            raw.kind = Kind.HONORIFIC
        elif person and _PATRONYMIC.match(word) and n > 2:
            raw.kind = Kind.PATRONYMIC
        elif person and word in PARTICLES:
            raw.kind, raw.canon = Kind.PARTICLE, PARTICLE_CANON.get(word, word)
        elif len(word) == 1 and word.isalpha():
            raw.kind = Kind.INITIAL
        elif not person and word in STOPWORDS:
            raw.kind = Kind.STOP
        elif not person and word in places:
            raw.kind = Kind.PLACE
        elif not person and (
            word in GENERIC_WORDS or any(e in GENERIC_WORDS for e in ABBREVIATIONS.get(word, ()))
        ):
            raw.kind = Kind.GENERIC
        else:
            raw.kind = Kind.NAME
        out.append(raw)
        i += 1
    return out


#: every distinct token seen, numbered (a few hundred thousand at most: words, not names)
_TOKEN_IDS: dict[tuple[object, ...], int] = {}


@lru_cache(maxsize=65536)
def analyze(name: str, schema: str = "Company") -> Analyzed:
    """Tokens of ``name`` for ``schema`` (``Person`` names have particles, not legal forms)."""
    text = _strip_marks(normalize(name))
    raws = _classify(_raw_tokens(text), schema)
    # Dotted initialisms were joined; a lone initial followed by a period stays an initial.
    if not raws:
        return Analyzed(name, schema, (), _script_of(text))
    tokens: list[Token] = []
    seen: set[tuple[Kind, str]] = set()
    father_raw = _father(raws)
    father: int | None = None
    for index, raw in enumerate(raws):
        if index == father_raw:
            father = len(tokens)
        kind = raw.kind or Kind.NAME
        canon = raw.canon or raw.text
        if (kind, canon) in seen:
            # Repeated words count once ("Shoigu Shoigu Sergey").
            continue
        seen.add((kind, canon))
        latin = _pinyin_of(raw.text) if raw.cjk else ""
        identity = (raw.text, kind, canon, raw.family, latin, raw.cjk, raw.abjad)
        tid = _TOKEN_IDS.setdefault(identity, len(_TOKEN_IDS) + 1)
        tokens.append(
            Token(
                text=raw.text,
                kind=kind,
                canon=canon,
                pos=len(tokens),
                family=raw.family,
                latin=latin,
                original=raw.text,
                cjk=raw.cjk,
                abjad=raw.abjad,
                tid=tid,
            )
        )
    # A name made of nothing but legal forms and stopwords keeps them as its words
    # (rigour's rule; a company called "Limited Co" is still that company).
    if not any(t.kind not in _NOT_CORE for t in tokens):
        tokens = [
            Token(
                t.text,
                Kind.NAME,
                t.text,
                t.pos,
                latin=t.latin,
                original=t.original,
                cjk=t.cjk,
                abjad=t.abjad,
                tid=_TOKEN_IDS.setdefault(
                    (t.text, Kind.NAME, t.text, "", t.latin, t.cjk, t.abjad), len(_TOKEN_IDS) + 1
                ),
            )
            for t in tokens
        ]
    joins = tuple(
        (i, left.text + right.text)
        for i, (left, right) in enumerate(pairwise(tokens))
        if not left.cjk and not right.cjk and Kind.NUMBER not in (left.kind, right.kind)
    )
    initials = "".join(
        t.text[0] for t in tokens if t.kind in (Kind.NAME, Kind.GENERIC, Kind.PLACE) and not t.cjk
    )
    return Analyzed(name, schema, tuple(tokens), _script_of(text), father, joins, initials)


_LINEAGE = frozenset({"bin", "ibn", "ben", "bint", "ould"})


def _father(raws: list[_Raw]) -> int | None:
    """The position of the name after the one "bin" of an Arabic name (``X bin Y``: X, son
    of Y); with several, the chain is too long to read one father from it."""
    positions = [i for i, r in enumerate(raws) if r.kind is Kind.PARTICLE and r.text in _LINEAGE]
    if len(positions) != 1:
        return None
    for i in range(positions[0] + 1, len(raws)):
        if raws[i].kind is Kind.NAME:
            return i
    return None


_FOLDS = (
    ("sch", "s"),
    ("tch", "ch"),
    ("ph", "f"),
    ("ck", "k"),
    ("kh", "h"),
    ("gh", "g"),
    ("dh", "d"),
    ("th", "t"),
    ("zh", "j"),
    ("sh", "s"),
    ("ch", "s"),
    ("dj", "j"),
    ("ou", "u"),
    ("oo", "u"),
    ("ee", "i"),
    ("ie", "i"),
    ("ey", "i"),
    ("ay", "ai"),
    ("q", "k"),
    ("c", "k"),
    ("w", "v"),
    ("b", "v"),
    ("y", "i"),
    ("j", "i"),
    ("z", "s"),
    ("x", "ks"),
)


@lru_cache(maxsize=65536)
def skeleton(word: str) -> str:
    """The consonants of a word: how a Latin name compares with a transliteration from
    Arabic or Hebrew script, which writes no short vowels (``mohamed`` and ``mhmd`` are
    ``mhmd``, ``ali`` and ``ly`` are ``l``)."""
    folded = fold(word)
    out = "".join(c for c in folded if c not in "aeiou") or folded
    return "".join(c for i, c in enumerate(out) if i == 0 or out[i - 1] != c)


@lru_cache(maxsize=65536)
def fold(word: str) -> str:
    """A rough phonetic key for Latin name words: spelling variants of one sound meet
    (``Husayn``/``Hussein``, ``Bachar``/``Bashar``, ``Qaddafi``/``Gaddafi`` come closer)."""
    for old, new in _FOLDS:
        word = word.replace(old, new)
    out: list[str] = []
    for char in word:
        if not out or out[-1] != char:
            out.append(char)
    return "".join(out)
