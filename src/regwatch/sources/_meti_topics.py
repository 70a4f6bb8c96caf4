"""Which METI releases are about export control, the End User List, economic security or
sanctions: keyword rules in Japanese and English, applied to NFKC-folded title and summary.

A *direct* term names the thing itself (外国ユーザーリスト, 輸出貿易管理令, 経済安全保障推進法) and
makes the relevance ``high``; a *context* term (大量破壊兵器, 輸出管理, ロシア) only counts together
with a word of change or measure (改正, 追加, 措置, 禁止, …) and makes it ``review``.  The rules
follow the set proven by sanctions-watch, with additions for the End User List and the
Foreign Exchange Order.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..japanese import fold

__all__ = ["Classification", "classify"]


@dataclass(frozen=True)
class _Rule:
    topic: str
    direct: tuple[str, ...]
    context: tuple[str, ...] = ()
    #: a context term counts only if one of these is present too
    with_any: tuple[str, ...] = ()


_CHANGE = ("改正", "更新", "見直し", "追加", "変更", "閣議決定", "公布", "施行", "公表",
           "amend", "revis", "update", "addition")  # fmt: skip
_MEASURE = ("措置", "禁止", "制裁", "承認", "輸出", "輸入", "資産凍結", "sanction", "ban")

_RULES = (
    _Rule(
        "end_user_list",
        direct=("外国ユーザーリスト", "外国ユーザー・リスト", "end user list", "end-user list"),
    ),
    _Rule(
        "export_control",
        direct=(
            "安全保障貿易管理",
            "輸出貿易管理令",
            "外国為替令",
            "外為令",
            "輸出令",
            "貨物等省令",
            "外国為替及び外国貿易法",
            "外為法",
            "キャッチオール",
            "補完的輸出規制",
            "輸出注意事項",
            "該非",
            "export trade control order",
            "foreign exchange order",
            "security export control",
            "catch-all control",
            "export control",
        ),
        context=(
            "大量破壊兵器",
            "通常兵器",
            "輸出管理",
            "役務取引",
            "技術管理",
            "weapons of mass destruction",
            "conventional weapons",
        ),
        with_any=_CHANGE,
    ),
    _Rule(
        "sanctions",
        direct=(
            "制裁",
            "資産凍結",
            "禁止措置",
            "輸出禁止",
            "輸入禁止",
            "sanction",
            "asset freeze",
            "export ban",
            "import ban",
        ),
        context=("対ロシア", "ロシア", "ベラルーシ", "北朝鮮", "イラン", "russia", "belarus"),
        with_any=_MEASURE,
    ),
    _Rule(
        "economic_security",
        direct=(
            "経済安全保障",
            "経済安保",
            "特定重要物資",
            "重要経済安保情報",
            "セキュリティ・クリアランス",
            "economic security",
            "critical products",
        ),
        context=("サプライチェーン", "重要物資", "半導体", "重要鉱物", "supply chain"),
        with_any=("強靱化", "強靭化", "安定供給", "確保", "支援", "resilien"),
    ),
)


@dataclass(frozen=True)
class Classification:
    """The topics a release touches, ``high`` or ``review`` relevance, and the terms that
    matched (what a reader needs to see why)."""

    topics: tuple[str, ...]
    relevance: str | None
    terms: tuple[str, ...]


def classify(*texts: str | None) -> Classification:
    text = fold(" ".join(t for t in texts if t))
    topics: list[str] = []
    terms: list[str] = []
    high = False
    for rule in _RULES:
        direct = [t for t in rule.direct if fold(t) in text]
        context = [t for t in rule.context if fold(t) in text]
        qualified = context and any(fold(w) in text for w in rule.with_any)
        if direct or qualified:
            topics.append(rule.topic)
            terms += direct + (context if qualified else [])
            high = high or bool(direct)
    relevance = ("high" if high else "review") if topics else None
    return Classification(tuple(topics), relevance, tuple(dict.fromkeys(terms)))
