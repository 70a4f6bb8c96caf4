"""Listed parties: the names, keys and citations that the Federal Register and the CSL share.

Pure functions; the public face is :mod:`regwatch.entities`.

An entity on a restricted-party list is known to regwatch by a **key** such as
``el:cn:huawei technologies co ltd``: the list code, the ISO country and the normalized name.
Both sides of the record (the Federal Register rules that amend the Entity List, and the
Consolidated Screening List snapshots) compute the same key for the same party, so that a rule's
addition and the later CSL row land on one ``listed_entity`` row, and a rule's removal finds the
row the CSL baseline created.

Why not BIS's own ``id``: BIS and State ids in the CSL are content hashes (of name, FR citation
and date), so they change whenever the entry changes.  The name, list and country identify a
party as a compliance officer would ("Huawei, Entity List, China"); when two entries share
them (one person listed at several addresses, each its own entry), the Federal Register citation
breaks the tie, then the start date, then the addresses (see :func:`disambiguate`).
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from functools import lru_cache

__all__ = [
    "LIST_CODES",
    "LIST_TITLES",
    "Citation",
    "country_at",
    "country_from_heading",
    "disambiguate",
    "entity_key",
    "format_citation",
    "name_tokens",
    "normalize_name",
    "parse_citations",
    "repair_text",
    "same_party_name",
]

#: the thirteen lists of the Consolidated Screening List, by the codes its ``sources`` filter uses
LIST_CODES: dict[str, str] = {
    "EL": "Entity List (EL) - Bureau of Industry and Security",
    "MEU": "Military End User (MEU) List - Bureau of Industry and Security",
    "UVL": "Unverified List (UVL) - Bureau of Industry and Security",
    "DPL": "Denied Persons List (DPL) - Bureau of Industry and Security",
    "DTC": "ITAR Debarred (DTC) - State Department",
    "ISN": "Nonproliferation Sanctions (ISN) - State Department",
    "SDN": "Specially Designated Nationals (SDN) - Treasury Department",
    "SSI": "Sectoral Sanctions Identifications List (SSI) - Treasury Department",
    "FSE": "Foreign Sanctions Evaders (FSE) - Treasury Department",
    "PLC": "Palestinian Legislative Council List (PLC) - Treasury Department",
    "CAP": "Capta List (CAP) - Treasury Department",
    "CMIC": "Non-SDN Chinese Military-Industrial Complex Companies List (CMIC) - "
    "Treasury Department",
    "MBS": "Non-SDN Menu-Based Sanctions List (NS-MBS List) - Treasury Department",
}

#: how a digest line names each list
LIST_TITLES: dict[str, str] = {
    "EL": "Entity List",
    "MEU": "Military End-User List",
    "UVL": "Unverified List",
    "DPL": "Denied Persons List",
    "DTC": "ITAR Debarred List",
    "ISN": "Nonproliferation Sanctions list",
    "SDN": "SDN List",
    "SSI": "Sectoral Sanctions Identifications List",
    "FSE": "Foreign Sanctions Evaders List",
    "PLC": "Palestinian Legislative Council List",
    "CAP": "CAPTA List",
    "CMIC": "Non-SDN Chinese Military-Industrial Complex Companies List",
    "MBS": "Non-SDN Menu-Based Sanctions List",
    "JP-EUL": "End User List (METI)",
    "JP-MOF": "MOF economic sanctions list (Japan)",
    "JP-METI-RU": "METI Russia/Belarus/third-country export-ban list",
    "CN-UEL": "Unreliable Entity List (China)",
    "CN-ECL": "Export Control Control List (China)",
    "UN": "UN Security Council Consolidated List",
}

# -- text repair and names --------------------------------------------------------------------

#: C1 control characters are Windows-1252 punctuation decoded as Latin-1 somewhere upstream
#: (the CSL has ``Gui\x92an`` for ``Gui’an``)
_C1 = re.compile("[\u0080-\u009f]")
_SPACES = re.compile(r"\s+")
#: already tidy: no leading, trailing, doubled or non-space whitespace
_CLEAN = re.compile(r"\S+(?: \S+)*")


def _c1_to_cp1252(match: re.Match[str]) -> str:
    try:
        return bytes([ord(match[0])]).decode("cp1252")
    except UnicodeDecodeError:
        return " "


@lru_cache(maxsize=1 << 16)  # list texts repeat a lot: license requirements, cities, URLs
def repair_text(text: str) -> str:
    """Undo the encoding damage seen in BIS data and collapse whitespace.

    ``\\x92`` and the other C1 characters become the Windows-1252 punctuation they were, and
    ``?s`` (a lost apostrophe before a possessive s) becomes ``'s``.  Other ``?`` are kept: the
    character they replaced cannot be known, and :func:`normalize_name` ignores them.
    """
    if not text:
        return ""
    if text.isascii() and "?" not in text and _CLEAN.fullmatch(text):
        return text
    text = _C1.sub(_c1_to_cp1252, text)
    text = re.sub(r"(?<=\w)\?s\b", "'s", text)
    return _SPACES.sub(" ", text).strip()


_APOSTROPHES = re.compile("['’‘`´?]")
_PARENTHETICAL = re.compile(r"\([^()]*\)")
_NON_WORD = re.compile(r"[^\w]+")


@lru_cache(maxsize=1 << 16)
def normalize_name(name: str) -> str:
    """A name as a key compares it: case, accents, punctuation and parentheticals removed.

    ``China Electronics Technology Group Corporation 13th Research Institute (CETC 13)`` →
    ``china electronics technology group corporation 13th research institute``.  Parenthetical
    acronyms are left out because BIS adds and drops them between revisions of one entry;
    apostrophes (and the ``?`` that replaced them) vanish so that ``Gui’an``, ``Gui'an`` and
    ``Gui?an`` agree.
    """
    text = unicodedata.normalize("NFKC", repair_text(name)).casefold()
    text = _PARENTHETICAL.sub(" ", text).replace("&", " and ")
    text = _APOSTROPHES.sub("", text)
    if not text.isascii():
        text = "".join(
            c for c in unicodedata.normalize("NFD", text) if unicodedata.category(c) != "Mn"
        )
    return " ".join(_NON_WORD.sub(" ", text).replace("_", " ").split())


def name_tokens(name: str) -> tuple[str, ...]:
    return tuple(normalize_name(name).split())


def same_party_name(a: str, b: str) -> bool:
    """Two names of one listed party: equal once normalized, or one is the other's token prefix.

    The prefix rule covers BIS's habit of folding a city into the name in one place and not
    the other (``… Investment Co., Ltd.`` vs ``… Investment Co., Ltd., Guiyang, Guizhou``); a
    prefix must keep at least two tokens so that "Huawei" never stands for every Huawei entity.
    """
    ta, tb = name_tokens(a), name_tokens(b)
    if not ta or not tb:
        return False
    if ta == tb:
        return True
    short, long_ = (ta, tb) if len(ta) < len(tb) else (tb, ta)
    return len(short) >= 2 and long_[: len(short)] == short


def entity_key(list_code: str, country: str | None, name: str) -> str:
    """The natural key of a listed party: ``el:cn:huawei technologies co ltd``."""
    return f"{list_code.lower()}:{(country or '-').lower()}:{normalize_name(name)}"


def disambiguate(
    base: str,
    taken: Collection[str],
    *,
    citations: Iterable[Citation] = (),
    start_date: str | None = None,
    addresses: Iterable[str] = (),
) -> str:
    """``base``, or ``base`` with tie-breakers when another entry already holds it.

    The tie-breakers are, in order, what tells two same-named entries apart in the real lists:
    the first Federal Register citation (``#83fr37423``), the start date (``~2011-11-22``), a
    short hash of the addresses, and finally a counter.
    """
    if base not in taken:
        return base
    key = base
    first = next(iter(citations), None)
    if first is not None:
        key = f"{key}#{first.volume}fr{first.page or ''}"
        if key not in taken:
            return key
    if start_date:
        key = f"{key}~{start_date}"
        if key not in taken:
            return key
    digest = hashlib.sha1("|".join(sorted(addresses)).encode()).hexdigest()[:8]
    key = f"{key}~{digest}"
    candidate, n = key, 2
    while candidate in taken:
        candidate, n = f"{key}~{n}", n + 1
    return candidate


# -- Federal Register citations ---------------------------------------------------------------


@dataclass(frozen=True, order=True, slots=True)
class Citation:
    """A Federal Register citation as ``(volume, page)``; ``page`` is ``None`` when the list
    gives only the issue (State's ``Vol. 88, No. 151, 08/08/2023``)."""

    volume: int
    page: int | None
    #: the issue number, for the ``Vol. N, No. M`` form
    issue: int | None = None

    def __str__(self) -> str:
        return format_citation(self)


def format_citation(citation: Citation) -> str:
    if citation.page is None:
        issue = f", No. {citation.issue}" if citation.issue is not None else ""
        return f"Vol. {citation.volume}{issue}"
    return f"{citation.volume} FR {citation.page}"


_FR_CITATION = re.compile(r"\b(\d{1,3})\s*F\.?\s?R\.?\s*(\d{1,6})\b")
_FR_ISSUE = re.compile(r"\bVol\.?\s*(\d{1,3}),?\s*No\.?\s*(\d{1,4})", re.IGNORECASE)


def parse_citations(text: str | None) -> tuple[Citation, ...]:
    """Every Federal Register citation in ``text``, in order, without repeats.

    Reads the forms seen in the CSL and in the Entity List's citation column: ``85 FR 83799``,
    ``83 FR 37423; 87 FR 77505``, ``67 F.R. 56530 9/4/02 67 F.R. 10890 3/11/02``,
    ``83F.R. 28801``, ``77 FR 58006 (no. 182)``, and State's ``Vol. 88, No. 151, 08/08/2023``.
    ``[INSERT FR PAGE NUMBER]`` placeholders are not citations and are skipped.
    """
    if not text:
        return ()
    found: list[Citation] = []
    for match in _FR_CITATION.finditer(text):
        found.append(Citation(int(match[1]), int(match[2])))
    for match in _FR_ISSUE.finditer(text):
        found.append(Citation(int(match[1]), None, int(match[2])))
    return tuple(dict.fromkeys(found))


# -- country headings -------------------------------------------------------------------------

#: the country headings of Supplements No. 4 and No. 7 to part 744, and the other country names
#: BIS writes in rule text, as ISO 3166 codes (the CSL uses the codes)
_COUNTRY_NAMES: dict[str, str] = {
    "AFGHANISTAN": "AF", "ALBANIA": "AL", "ALGERIA": "DZ", "ARGENTINA": "AR", "ARMENIA": "AM",
    "AUSTRALIA": "AU", "AUSTRIA": "AT", "AZERBAIJAN": "AZ", "BAHRAIN": "BH", "BANGLADESH": "BD",
    "BELARUS": "BY", "BELGIUM": "BE", "BELIZE": "BZ", "BOLIVIA": "BO", "BRAZIL": "BR",
    "BOSNIA AND HERZEGOVINA": "BA", "BRITISH VIRGIN ISLANDS": "VG", "BULGARIA": "BG",
    "BURMA": "MM", "MYANMAR": "MM",
    "CAMBODIA": "KH", "CANADA": "CA", "CHILE": "CL", "CHINA, PEOPLE'S REPUBLIC OF": "CN",
    "PEOPLE'S REPUBLIC OF CHINA": "CN", "CHINA": "CN", "COLOMBIA": "CO", "COSTA RICA": "CR",
    "CRIMEA REGION OF UKRAINE": "UA", "CROATIA": "HR", "CUBA": "CU", "CYPRUS": "CY",
    "CZECH REPUBLIC": "CZ", "CZECHIA": "CZ", "DENMARK": "DK", "DOMINICAN REPUBLIC": "DO",
    "ECUADOR": "EC", "EGYPT": "EG", "EL SALVADOR": "SV", "ESTONIA": "EE", "ETHIOPIA": "ET",
    "FINLAND": "FI", "FRANCE": "FR", "GEORGIA": "GE", "GERMANY": "DE", "GREECE": "GR",
    "GUATEMALA": "GT", "HONG KONG": "HK", "HUNGARY": "HU", "ICELAND": "IS", "INDIA": "IN",
    "INDONESIA": "ID", "IRAN": "IR", "IRAQ": "IQ", "IRELAND": "IE", "ISRAEL": "IL", "ITALY": "IT",
    "JAMAICA": "JM", "JAPAN": "JP", "JORDAN": "JO", "KAZAKHSTAN": "KZ", "KENYA": "KE",
    "KOREA, NORTH": "KP", "NORTH KOREA": "KP", "KOREA, DEMOCRATIC PEOPLE'S REPUBLIC OF": "KP",
    "KOREA, SOUTH": "KR", "SOUTH KOREA": "KR", "KOREA, REPUBLIC OF": "KR", "KUWAIT": "KW",
    "KYRGYZSTAN": "KG", "KYRGYZ REPUBLIC": "KG", "LAOS": "LA", "LATVIA": "LV", "LEBANON": "LB",
    "LIBYA": "LY", "LIECHTENSTEIN": "LI", "LITHUANIA": "LT", "LUXEMBOURG": "LU", "MACAU": "MO",
    "MACAO": "MO", "MADAGASCAR": "MG", "MALAYSIA": "MY", "MALTA": "MT", "MARSHALL ISLANDS": "MH",
    "MAURITIUS": "MU", "MEXICO": "MX", "MOLDOVA": "MD", "MONGOLIA": "MN", "MOROCCO": "MA",
    "NEPAL": "NP", "NETHERLANDS": "NL", "NEW ZEALAND": "NZ", "NICARAGUA": "NI", "NIGERIA": "NG",
    "NORWAY": "NO", "OMAN": "OM", "PAKISTAN": "PK", "PANAMA": "PA", "PARAGUAY": "PY", "PERU": "PE",
    "PHILIPPINES": "PH", "POLAND": "PL", "PORTUGAL": "PT", "QATAR": "QA", "ROMANIA": "RO",
    "RUSSIA": "RU", "RUSSIAN FEDERATION": "RU", "SAUDI ARABIA": "SA", "SENEGAL": "SN",
    "SERBIA": "RS", "SEYCHELLES": "SC", "SINGAPORE": "SG", "SLOVAKIA": "SK", "SLOVENIA": "SI",
    "SOUTH AFRICA": "ZA", "SOUTH SUDAN": "SS", "SPAIN": "ES", "SRI LANKA": "LK", "SUDAN": "SD",
    "SWEDEN": "SE", "SWITZERLAND": "CH", "SYRIA": "SY", "TAIWAN": "TW", "TAJIKISTAN": "TJ",
    "THAILAND": "TH", "TURKEY": "TR", "TÜRKIYE": "TR", "TURKIYE": "TR", "TURKMENISTAN": "TM",
    "UKRAINE": "UA", "UNITED ARAB EMIRATES": "AE", "UNITED KINGDOM": "GB", "UNITED STATES": "US",
    "UZBEKISTAN": "UZ", "VENEZUELA": "VE", "VIETNAM": "VN", "YEMEN": "YE", "ZIMBABWE": "ZW",
}  # fmt: skip


def _heading_form(text: str) -> str:
    text = repair_text(text).upper().replace("’", "'")
    return " ".join(text.replace("(", " ").replace(")", " ").split()).strip(" ,.:;")


_HEADINGS = {_heading_form(name): code for name, code in _COUNTRY_NAMES.items()}
#: longest first, so that "CHINA, PEOPLE'S REPUBLIC OF" wins over "CHINA"
_HEADINGS_BY_LENGTH = sorted(_HEADINGS, key=len, reverse=True)


def country_from_heading(heading: str | None) -> str | None:
    """The ISO code of an Entity List country heading (``CHINA, PEOPLE'S REPUBLIC OF`` → ``CN``),
    or ``None`` when the heading is not a country regwatch knows."""
    if not heading:
        return None
    return _HEADINGS.get(_heading_form(heading))


def country_at(text: str) -> tuple[str, str] | None:
    """The country heading that ``text`` starts with, as ``(heading as written, ISO code)``."""
    upper = _heading_form(text[:80])
    for heading in _HEADINGS_BY_LENGTH:
        if upper.startswith(heading) and (
            len(upper) == len(heading) or not upper[len(heading)].isalnum()
        ):
            return text[: _written_length(text, heading)].strip(" ,"), _HEADINGS[heading]
    return None


def _written_length(text: str, heading: str) -> int:
    """How many characters of ``text`` spell ``heading`` (whitespace may differ)."""
    wanted = len(heading.replace(" ", ""))
    seen = 0
    for index, char in enumerate(text):
        if not char.isspace():
            seen += 1
        if seen == wanted:
            return index + 1
    return len(text)
