"""``regwatch demo``: the whole pipeline offline on the sample payloads, and what it found."""

from __future__ import annotations

import shlex
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from . import app
from ._sources import _summary

if TYPE_CHECKING:
    from ..demo import DemoResult

__all__: list[str] = []


@app.command()
def demo(
    directory: Annotated[
        Path | None,
        typer.Option(
            "--dir",
            metavar="DIR",
            help="working folder for the demo's database, sources.yaml and .eml outbox "
            "(new or empty; default: a new temporary folder, kept)",
        ),
    ] = None,
) -> None:
    """Run the whole pipeline offline on the sample payloads regwatch ships: a local server
    stands in for the Federal Register, the CSL and METI; a sample watch list is imported into
    a fresh database; two daemon cycles poll, match and write the digests as .eml files.

    The global --db and --config are not used: the demo works in its own folder.
    """
    from ..demo import prepare_directory, run_demo

    folder = prepare_directory(directory)
    typer.echo("regwatch demo: the whole pipeline, offline, on the sample payloads regwatch ships")
    typer.echo(f"working folder: {folder} (kept: database, sources.yaml, watch list, outbox)")
    result = run_demo(folder.resolve(), progress=typer.echo)
    _report(result)
    if not result.ok:
        raise typer.Exit(1)


def _report(result: DemoResult) -> None:
    from ..alerts import confirms
    from ..matching import REVIEW_THRESHOLD

    echo = typer.echo
    for cycle in result.cycles:
        echo(f"\ncycle {cycle.number} (CSL snapshot {cycle.csl_snapshot}):")
        for poll in cycle.polls:
            echo(f"  {_summary(poll)}", err=not poll.ok)
        report = cycle.digests
        if report is not None:
            echo(f"  digests: {len(report.sent)} sent, {len(report.failed)} failed")
            for outcome in report.failed:
                echo(f"  digest to {outcome.email}: {outcome.detail}", err=True)

    echo("\nevents by source and kind:")
    for (source, kind), count in sorted(result.event_counts.items()):
        echo(f"  {source:<17} {kind:<19} {count:>3}")

    echo("\nentity events:")
    for stored in result.events:
        event = stored.event
        if event.entity is None:
            continue
        where = " ".join(filter(None, [event.list_code, event.country]))
        note = ""
        if confirms(event):
            note = f"  (confirms {confirms(event)})"
        elif event.changes:
            note = f"  (changed: {', '.join(sorted(event.changes))})"
        echo(f"  {event.source:<17} {event.kind:<15} {where:<6} {event.entity.name}{note}")

    echo(f"\nmatches for {result.company} ({len(result.matches)}), with why:")
    for match in sorted(result.matches, key=lambda m: m["id"]):
        echo(
            f"  {match['tier'].upper():<6} {match['score']:.2f}  {match['item_kind']} "
            f"{match['item']!r}  ->  [{match['source']} {match['event_kind']}] "
            f"{match['event_title']}"
        )
        echo(f"         {_why(match)}")
    for miss in result.near_misses:
        closest = f"{miss.closest!r} scores {miss.score:.2f}" if miss.closest else "nothing close"
        echo(
            f"  not matched: entity {miss.watched!r}: the closest name in the events, "
            f"{closest}, below the review threshold {REVIEW_THRESHOLD:.2f}"
        )

    echo("\ndigests (the .eml files hold exactly what SMTP would carry):")
    for outcome in result.sent:
        echo(f"  to {outcome.email}: {outcome.subject}")
        echo(f"    {outcome.detail}")
    if not result.sent:
        echo("  none sent")

    base = f"regwatch --db {shlex.quote(result.db_url)}"
    echo("\nlook around:")
    echo(f"  {base} events")
    echo(f"  {base} matches --company {shlex.quote(result.company)}")
    echo(f"  {base} entity 'Hangzhou Lianxin'")
    echo(f"  {base} --config {shlex.quote(str(result.config_path))} sources")


def _why(match: dict[str, Any]) -> str:
    return str(match.get("reason") or match.get("field") or "")
