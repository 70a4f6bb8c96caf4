"""Matching change events against watch lists: what touched whom, and why.

The pure parts (no database):

- :func:`name_score` / :func:`explain_names`: how likely two names denote the same party, with
  the aligned tokens, their scores and the qualifiers that fired; :data:`ALERT_THRESHOLD` and
  :data:`REVIEW_THRESHOLD` are declared once, here;
- :class:`WatchMatcher`: every company's watch items compiled (a name index, one Aho-Corasick
  automaton for keywords and topic terms, ECCN and CFR patterns, countries) to match events;
- extraction of ECCNs, CFR references and countries from text; the :data:`TOPICS` taxonomy.

The stateful parts (the store): watch-list files (:func:`read_watchlist`,
:func:`import_and_rescreen`), the differ (:func:`match_pending`, :func:`rescreen`), the review
state of matches (:func:`list_matches`, :func:`set_status`), and :func:`screen`.
"""

from ._differ import (
    STATUSES,
    DiffResult,
    MatchQuery,
    event_matches,
    import_and_rescreen,
    list_matches,
    match_events,
    match_pending,
    pending_count,
    rescreen,
    set_status,
)
from ._engine import KINDS, Found, WatchItemSpec, WatchMatcher, tier_of
from ._extract import (
    CfrRef,
    eccn_matches,
    extract_cfr,
    extract_countries,
    extract_eccns,
    normalize_eccn,
    parse_cfr,
)
from ._index import NameIndex
from ._keywords import KeywordHit, KeywordMatcher, normalize_text
from ._names import (
    ALERT_THRESHOLD,
    MATCHER_VERSION,
    REVIEW_THRESHOLD,
    AlignedPair,
    NameExplanation,
    explain_names,
    name_score,
)
from ._screen import ListCoverage, Screener, ScreenReport, loaded_lists, screen
from ._topics import TOPICS, Topic
from ._watchlist import ItemSpec, RecipientSpec, WatchList, read_watchlist
from ._watchstore import ImportResult, import_watchlist, watch_items

__all__ = [
    "ALERT_THRESHOLD",
    "KINDS",
    "MATCHER_VERSION",
    "REVIEW_THRESHOLD",
    "STATUSES",
    "TOPICS",
    "AlignedPair",
    "CfrRef",
    "DiffResult",
    "Found",
    "ImportResult",
    "ItemSpec",
    "KeywordHit",
    "KeywordMatcher",
    "ListCoverage",
    "MatchQuery",
    "NameExplanation",
    "NameIndex",
    "RecipientSpec",
    "ScreenReport",
    "Screener",
    "Topic",
    "WatchItemSpec",
    "WatchList",
    "WatchMatcher",
    "eccn_matches",
    "event_matches",
    "explain_names",
    "extract_cfr",
    "extract_countries",
    "extract_eccns",
    "import_and_rescreen",
    "import_watchlist",
    "list_matches",
    "loaded_lists",
    "match_events",
    "match_pending",
    "name_score",
    "normalize_eccn",
    "normalize_text",
    "parse_cfr",
    "pending_count",
    "read_watchlist",
    "rescreen",
    "screen",
    "set_status",
    "tier_of",
    "watch_items",
]
