"""Option parsers more than one command uses."""

from __future__ import annotations

from datetime import date

import typer

__all__ = ["date_option"]


def date_option(value: str | None) -> date | None:
    """A ``YYYY-MM-DD`` option's value as a date; anything else is a usage error (exit 2)."""
    if value is None:
        return None
    from ..timeutil import parse_date

    try:
        return parse_date(value)
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from None
