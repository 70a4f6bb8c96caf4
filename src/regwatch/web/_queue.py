"""The order of the review queue: the most severe matches first.

One function: a match's severity (the digest's rules, filled in by ``_data.matches_page``) first,
then its tier (``alert`` before ``review``) and its score.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = ["SEVERITY_RANK", "queue_order"]

#: higher first; a severity the match records (``critical``, ``high``, ``info``) outranks the tier
SEVERITY_RANK = {"critical": 4, "high": 3, "medium": 2, "low": 1, "info": 1}
_TIER_RANK = {"alert": 2, "review": 1}


def queue_order(match: Mapping[str, Any]) -> tuple[float, ...]:
    """A sort key for a match record: sort ascending for most severe first, then newest."""
    severity = SEVERITY_RANK.get(str(match.get("severity") or "").lower(), 0)
    tier = _TIER_RANK.get(str(match.get("tier")), 0)
    return (-severity, -tier, -float(match.get("score") or 0), -int(match.get("id") or 0))
