"""Countries: ISO 3166 codes, their English names and the short and Japanese names people use.

pycountry supplies the ISO list; the aliases below add the names that regulations and news
releases actually write ("Russia", "Burma", "North Korea", 中国, 北朝鮮, …).
"""

from __future__ import annotations

import unicodedata
from functools import cache

import pycountry

__all__ = ["country_code", "country_name", "country_names", "place_words"]

#: names regulations and the press use that ISO 3166 does not list (normalized form)
_ALIASES: dict[str, str] = {
    "russia": "RU",
    "iran": "IR",
    "north korea": "KP",
    "dprk": "KP",
    "south korea": "KR",
    "republic of korea": "KR",
    "syria": "SY",
    "burma": "MM",
    "myanmar": "MM",
    "venezuela": "VE",
    "vietnam": "VN",
    "viet nam": "VN",
    "laos": "LA",
    "bolivia": "BO",
    "moldova": "MD",
    "tanzania": "TZ",
    "taiwan": "TW",
    "macau": "MO",
    "macao": "MO",
    "hong kong": "HK",
    "prc": "CN",
    "peoples republic of china": "CN",
    "mainland china": "CN",
    "uae": "AE",
    "united arab emirates": "AE",
    "turkey": "TR",
    "turkiye": "TR",
    "czech republic": "CZ",
    "united states": "US",
    "united states of america": "US",
    "usa": "US",
    "united kingdom": "GB",
    "great britain": "GB",
    "britain": "GB",
    "ivory coast": "CI",
    "cote divoire": "CI",
    "crimea": "UA",
    # Japanese, as METI and the press write them
    "中国": "CN",
    "中華人民共和国": "CN",
    "香港": "HK",
    "マカオ": "MO",
    "台湾": "TW",
    "ロシア": "RU",
    "ロシア連邦": "RU",
    "ベラルーシ": "BY",
    "イラン": "IR",
    "北朝鮮": "KP",
    "朝鮮民主主義人民共和国": "KP",
    "韓国": "KR",
    "大韓民国": "KR",
    "シリア": "SY",
    "イラク": "IQ",
    "アフガニスタン": "AF",
    "パキスタン": "PK",
    "インド": "IN",
    "イスラエル": "IL",
    "アラブ首長国連邦": "AE",
    "トルコ": "TR",
    "ミャンマー": "MM",
    "キューバ": "CU",
    "ベネズエラ": "VE",
    "米国": "US",
    "アメリカ": "US",
    "アメリカ合衆国": "US",
    "英国": "GB",
    "イギリス": "GB",
    "ドイツ": "DE",
    "フランス": "FR",
    "日本": "JP",
    "ウクライナ": "UA",
    "カザフスタン": "KZ",
    "アルメニア": "AM",
    "ジョージア": "GE",
    "ウズベキスタン": "UZ",
    "キルギス": "KG",
    "タイ": "TH",
    "マレーシア": "MY",
    "シンガポール": "SG",
    "ベトナム": "VN",
    "リビア": "LY",
    "スーダン": "SD",
    "レバノン": "LB",
    "イエメン": "YE",
    "ソマリア": "SO",
    "エリトリア": "ER",
    "コンゴ民主共和国": "CD",
    "中央アフリカ": "CF",
    "南スーダン": "SS",
    # Chinese
    "俄罗斯": "RU",
    "伊朗": "IR",
    "朝鲜": "KP",
    "美国": "US",
    "日本国": "JP",
}

#: words of country names that are not places by themselves
_NOT_PLACES = frozenset(
    str.split(
        "republic of the united islamic democratic peoples people state states plurinational "
        "bolivarian federal federation kingdom and islands island saint great new north south east "
        "west central territory province sar special administrative region union commonwealth "
        "principality grand duchy sultanate emirates arab outlying minor holy see british french "
        "us virgin sint da el de la former guinea trinidad heard mcdonald lucia vincent kitts "
        "nevis pierre miquelon helena ascension tristan cunha barthelemy martin marino tome "
        "principe cook christmas cocos keeling norfolk marshall solomon faroe falkland"
    )
)


def _norm(text: str) -> str:
    text = unicodedata.normalize("NFKD", text.casefold())
    text = "".join(c for c in text if not unicodedata.combining(c))
    out = "".join(c if c.isalnum() else " " for c in text.replace("'", "").replace("’", ""))
    return " ".join(out.split())


@cache
def country_names() -> dict[str, str]:
    """Every known country name (normalized: casefolded, no punctuation) -> ISO alpha-2."""
    names: dict[str, str] = {}
    for country in pycountry.countries:
        code = country.alpha_2
        for attr in ("name", "common_name", "official_name"):
            value = getattr(country, attr, None)
            if value:
                names.setdefault(_norm(value), code)
                # "Korea, Republic of" -> also "Republic of Korea"
                if ", " in value:
                    head, tail = value.split(", ", 1)
                    names.setdefault(_norm(f"{tail} {head}"), code)
    for alias, code in _ALIASES.items():
        names[_norm(alias)] = code
    return names


def country_code(text: str) -> str | None:
    """An ISO alpha-2 code for ``text``: a code (``cn``, ``CHN``) or a name (China, 中国)."""
    value = text.strip()
    if len(value) in (2, 3) and value.isascii() and value.isalpha():
        found = (
            pycountry.countries.get(alpha_2=value.upper())
            if len(value) == 2
            else pycountry.countries.get(alpha_3=value.upper())
        )
        if found is not None:
            return str(found.alpha_2)
    return country_names().get(_norm(value))


def country_name(code: str) -> str:
    found = pycountry.countries.get(alpha_2=code.upper())
    if found is None:
        return code
    return str(getattr(found, "common_name", None) or found.name)


@cache
def place_words() -> frozenset[str]:
    """Single words that name a country: ``china``, ``russia``, ``korea`` (not ``republic``)."""
    words: set[str] = set()
    for name in country_names():
        if not name.isascii():
            continue
        words.update(w for w in name.split() if w not in _NOT_PLACES and len(w) > 2)
    return frozenset(words)
