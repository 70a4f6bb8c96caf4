"""Matching change events against watch lists: names, keywords, ECCNs, CFR parts, countries."""

from ._names import (
    ALERT_THRESHOLD,
    MATCHER_VERSION,
    REVIEW_THRESHOLD,
    AlignedPair,
    NameExplanation,
    explain_names,
    name_score,
)

__all__ = [
    "ALERT_THRESHOLD",
    "MATCHER_VERSION",
    "REVIEW_THRESHOLD",
    "AlignedPair",
    "NameExplanation",
    "explain_names",
    "name_score",
]
