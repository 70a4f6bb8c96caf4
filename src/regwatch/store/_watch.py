"""The differ's own bookkeeping: which stored events have been matched already.

Events are stored first and matched after (each stage's output is persisted before
the next runs), so a crash between the two leaves events *pending*, not lost: the next poll,
import or ``regwatch matches`` run matches every event that has no row here.
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from ._schema import UTCDateTime

__all__ = ["MatchedEvent"]


class MatchedEvent(SQLModel, table=True):
    """An event the differ has matched against the watch lists (with this matcher version)."""

    __tablename__ = "matched_event"

    event_id: int = Field(primary_key=True, foreign_key="event.id")
    matched_at: datetime = Field(sa_type=UTCDateTime)
    matcher_version: str
