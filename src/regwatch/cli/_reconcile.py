"""`regwatch reconcile`: listings whose rule, eCFR and CSL views disagree or lag."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from typing import TYPE_CHECKING, Annotated, Any, cast

import typer

from . import app
from ._context import get_context
from ._options import date_option
from ._output import Format, echo, emit

if TYPE_CHECKING:
    from ..reconcile import Finding

__all__: list[str] = []

COLUMNS = [
    ("since", "since"),
    ("finding", "finding"),
    ("view", "view"),
    ("list", "list"),
    ("country", "country"),
    ("name", "name"),
    ("status", "where it stands"),
]


def _list_option(value: str | None) -> str | None:
    if value is not None and value.upper() not in ("EL", "MEU"):
        raise typer.BadParameter(f"{value!r} is not a reconciled list; expected EL or MEU")
    return value.upper() if value else None


def _record(finding: Finding) -> dict[str, Any]:
    listing = finding.listing
    rule = finding.rule
    return {
        "since": finding.since.astimezone(UTC).strftime("%Y-%m-%d %H:%M"),
        "finding": finding.kind,
        "view": finding.view,
        "list": listing.list_code,
        "country": listing.country,
        "name": listing.name,
        "key": finding.key,
        "status": finding.status,
        "detail": finding.detail,
        "rule": rule.document_number if rule else None,
        "reasons": listing.reasons,
    }


@app.command()
def reconcile(
    ctx: typer.Context,
    list_code: Annotated[
        str | None,
        typer.Option("--list", help="only this list: EL or MEU", callback=_list_option),
    ] = None,
    since: Annotated[
        str | None,
        typer.Option(
            help="only findings that began on or after this date (YYYY-MM-DD)",
            callback=date_option,
        ),
    ] = None,
    fmt: Annotated[Format, typer.Option("--format", help="table, json, jsonl or csv")] = (
        Format.table
    ),
) -> None:
    """Listings whose views (the rule, the eCFR, the CSL) disagree or lag, oldest first."""
    appctx = get_context(ctx)
    settings = appctx.config.general.reconcile
    from ..reconcile import reconcile_store

    result = reconcile_store(appctx.store(), settings)
    found = result.findings
    if list_code:
        found = [f for f in found if f.listing.list_code == list_code]
    if since is not None:
        start = datetime.combine(cast(date, since), time(0), UTC)  # the callback made a date
        found = [f for f in found if f.since >= start]
    records = [_record(f) for f in found]
    if fmt == Format.table and not records:
        if not any(result.views.lists.values()):
            echo(
                "nothing to reconcile yet: neither the eCFR nor the CSL has been read "
                "(regwatch poll ecfr csl)"
            )
        else:
            echo("every reconciled listing agrees across its views")
        return
    emit(records, fmt, COLUMNS)
