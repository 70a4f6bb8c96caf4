"""Japanese dates: era (和暦) and Gregorian forms, with full-width and kanji numerals.

Every date found is checked: a day that does not exist (令和7年2月30日), era year 0, or a date
outside its era (令和元年4月30日 was still 平成) raises :class:`JapaneseDateError` naming the
text, because a wrong effective date is worse than none.
"""

from __future__ import annotations

import calendar
import re
import unicodedata
from collections.abc import Iterator
from datetime import date

from ..exceptions import JapaneseDateError

__all__ = ["ERAS", "find_dates", "kanji_number", "parse_date"]

#: era name → (the Gregorian year of its year 0, first day, last day or None)
ERAS: dict[str, tuple[int, date, date | None]] = {
    "明治": (1867, date(1868, 10, 23), date(1912, 7, 29)),
    "大正": (1911, date(1912, 7, 30), date(1926, 12, 24)),
    "昭和": (1925, date(1926, 12, 25), date(1989, 1, 7)),
    "平成": (1988, date(1989, 1, 8), date(2019, 4, 30)),
    "令和": (2018, date(2019, 5, 1), None),
}

_DIGITS = {c: i for i, c in enumerate("〇一二三四五六七八九")} | {"零": 0}
_UNITS = {"十": 10, "百": 100, "千": 1000}
_NUM = r"[0-9〇零一二三四五六七八九十百千]+"
_SEP = r"\s*"
_ERA_DATE = re.compile(
    rf"(?P<era>{'|'.join(ERAS)}){_SEP}(?P<year>元|{_NUM}){_SEP}年{_SEP}"
    rf"(?P<month>{_NUM}){_SEP}月{_SEP}(?P<day>{_NUM}){_SEP}日"
)
_WESTERN_DATE = re.compile(
    rf"(?<![0-9])(?P<year>[0-9]{{4}}|[〇一二三四五六七八九]{{4}}){_SEP}年{_SEP}"
    rf"(?P<month>{_NUM}){_SEP}月{_SEP}(?P<day>{_NUM}){_SEP}日"
)
_NUMERIC_DATE = re.compile(
    r"(?<![0-9.])(?P<year>[0-9]{4})(?P<sep>[/.\-])(?P<month>[0-9]{1,2})(?P=sep)(?P<day>[0-9]{1,2})(?![0-9])"
)
#: a trailing weekday such as (水曜日), （水）, (水・祝)
_WEEKDAY = re.compile(r"^\s*[(（][月火水木金土日](?:曜日?)?(?:・祝)?[)）]\s*")


def kanji_number(text: str) -> int:
    """``"23"``, ``"二十三"``, ``"百九十四"``, ``"二〇二五"`` → an int.

    :raises ValueError: for anything that is not a number written one of these ways.
    """
    s = unicodedata.normalize("NFKC", text).strip()
    if s.isdigit() and s.isascii():
        return int(s)
    if not s or any(c not in _DIGITS and c not in _UNITS for c in s):
        raise ValueError(f"not a number: {text!r}")
    if all(c in _DIGITS for c in s):  # positional: 二〇二五
        return int("".join(str(_DIGITS[c]) for c in s))
    total, current, last_unit = 0, None, 10_000
    for c in s:
        if c in _DIGITS:
            if current is not None:
                raise ValueError(f"not a number: {text!r}")
            current = _DIGITS[c]
        else:
            unit = _UNITS[c]
            if unit >= last_unit:
                raise ValueError(f"not a number: {text!r}")
            total += (1 if current is None else current) * unit
            current, last_unit = None, unit
    return total + (current or 0)


def _number(text: str, what: str, source: str) -> int:
    try:
        return kanji_number(text)
    except ValueError:
        raise JapaneseDateError(f"{source!r}: the {what} {text!r} is not a number") from None


def _checked(year: int, month: int, day: int, source: str) -> date:
    if not 1 <= month <= 12:
        raise JapaneseDateError(f"{source!r}: no such date (month {month})")
    last = calendar.monthrange(year, month)[1]
    if not 1 <= day <= last:
        raise JapaneseDateError(
            f"{source!r}: no such date ({calendar.month_name[month]} {year} has {last} days)"
        )
    return date(year, month, day)


def _era_date(match: re.Match[str]) -> date:
    source = match.group(0)
    era = match["era"]
    base, first, last = ERAS[era]
    year = 1 if match["year"] == "元" else _number(match["year"], "year", source)
    if year < 1:
        raise JapaneseDateError(f"{source!r}: {era} has no year {year}")
    month = _number(match["month"], "month", source)
    day = _number(match["day"], "day", source)
    value = _checked(base + year, month, day, source)
    if value < first or (last is not None and value > last):
        span = f"{first.isoformat()} to {last.isoformat() if last else 'today'}"
        raise JapaneseDateError(
            f"{source!r}: {value.isoformat()} is outside the {era} era ({span})"
        )
    return value


def _western_date(match: re.Match[str]) -> date:
    source = match.group(0)
    return _checked(
        _number(match["year"], "year", source),
        _number(match["month"], "month", source),
        _number(match["day"], "day", source),
        source,
    )


def _matches(text: str) -> Iterator[tuple[int, int, date, str]]:
    for pattern, convert in (
        (_ERA_DATE, _era_date),
        (_WESTERN_DATE, _western_date),
        (_NUMERIC_DATE, _western_date),
    ):
        for match in pattern.finditer(text):
            yield match.start(), match.end(), convert(match), match.group(0)


def find_dates(text: str) -> list[tuple[date, str]]:
    """Every date written in ``text`` (era, ``YYYY年M月D日`` or ``YYYY/M/D``), in order, with the
    text it was read from (after NFKC normalization).

    :raises JapaneseDateError: when a date-shaped expression is not a real date.
    """
    normalized = unicodedata.normalize("NFKC", text)
    found = sorted(_matches(normalized))
    out, end = [], -1
    for start, stop, value, source in found:
        if start >= end:  # an era date's digits must not be read again as a Gregorian date
            out.append((value, source))
            end = stop
    return out


def parse_date(text: str) -> date:
    """The one date ``text`` consists of: ``令和7年11月14日``, ``令和元年5月1日``,
    ``令和七年十月九日(水曜日)``, ``２０２５年９月２９日``, ``2025/9/29``.

    :raises JapaneseDateError: naming the text, when it is not exactly one real date.
    """
    normalized = unicodedata.normalize("NFKC", text).strip()
    for pattern, convert in (
        (_ERA_DATE, _era_date),
        (_WESTERN_DATE, _western_date),
        (_NUMERIC_DATE, _western_date),
    ):
        match = pattern.match(normalized)
        if match and not _WEEKDAY.sub("", normalized[match.end() :]).strip():
            return convert(match)
    raise JapaneseDateError(
        f"{text!r} is not a date such as 令和7年11月14日, 2025年9月29日 or 2025/9/29"
    )
