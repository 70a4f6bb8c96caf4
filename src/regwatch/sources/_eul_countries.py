"""The countries and regions of METI's End User List, as the list names them, to ISO codes.

The 2025-09-29 edition names 15 (Iran, North Korea, China, Pakistan, Russia, UAE, Hong Kong,
Syria, Lebanon, Taiwan, Egypt, Afghanistan, India, Yemen, Israel); earlier editions and the
neighbouring lists add a few more.  A name that is not here is kept as written and its rows get
no country code (and a warning), because a new country must not stop an import.
"""

from __future__ import annotations

from ..japanese import fold

__all__ = ["country_code"]

_NAMES: dict[str, tuple[str, ...]] = {
    "AF": ("アフガニスタン", "Islamic Republic of Afghanistan", "Afghanistan"),
    "AE": ("アラブ首長国連邦", "United Arab Emirates", "UAE"),
    "IL": ("イスラエル", "State of Israel", "Israel"),
    "IR": ("イラン", "Islamic Republic of Iran", "Iran"),
    "IQ": ("イラク", "Republic of Iraq", "Iraq"),
    "IN": ("インド", "India", "Republic of India"),
    "EG": ("エジプト", "Arab Republic of Egypt", "Egypt"),
    "KP": (
        "北朝鮮",
        "朝鮮民主主義人民共和国",
        "North Korea",
        "Democratic People's Republic of Korea",
        "DPRK",
    ),
    "SY": ("シリア", "Syrian Arab Republic", "Syria"),
    "TW": ("台湾", "Taiwan"),
    "CN": ("中国", "中華人民共和国", "People's Republic of China", "China"),
    "PK": ("パキスタン", "Islamic Republic of Pakistan", "Pakistan"),
    "HK": ("香港", "Hong Kong", "Hong Kong, China"),
    "YE": ("イエメン", "Republic of Yemen", "Yemen"),
    "LB": ("レバノン", "Republic of Lebanon", "Lebanon"),
    "RU": ("ロシア", "ロシア連邦", "Russian Federation", "Russia"),
    "BY": ("ベラルーシ", "Republic of Belarus", "Belarus"),
    "SD": ("スーダン", "Republic of the Sudan", "Sudan"),
    "LY": ("リビア", "Libya", "State of Libya"),
    "MY": ("マレーシア", "Malaysia"),
    "SG": ("シンガポール", "Republic of Singapore", "Singapore"),
    "TR": ("トルコ", "トルコ共和国", "Republic of Türkiye", "Republic of Turkey", "Turkey"),
    "KZ": ("カザフスタン", "Republic of Kazakhstan", "Kazakhstan"),
    "UZ": ("ウズベキスタン", "Republic of Uzbekistan", "Uzbekistan"),
    "AM": ("アルメニア", "Republic of Armenia", "Armenia"),
    "KG": ("キルギス", "Kyrgyz Republic", "Kyrgyzstan"),
    "TH": ("タイ", "Kingdom of Thailand", "Thailand"),
}

_BY_NAME = {fold(name): code for code, names in _NAMES.items() for name in names}


def country_code(*names: str) -> str | None:
    """The ISO 3166 code for the first of ``names`` (Japanese or English) that is known."""
    for name in names:
        code = _BY_NAME.get(fold(name))
        if code:
            return code
    return None
