"""Commands for the audit trail, API tokens and review rules: audit, token, review."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any, cast

import typer

from . import app
from ._context import get_context
from ._options import date_option
from ._output import Format, echo, emit

__all__: list[str] = []

audit_app = typer.Typer(help="The audit trail: every review decision, chained by hash.",
                        no_args_is_help=True)  # fmt: skip
token_app = typer.Typer(help="API tokens for `regwatch serve`.", no_args_is_help=True)
review_app = typer.Typer(help="How matches are reviewed.", no_args_is_help=True)
app.add_typer(audit_app, name="audit")
app.add_typer(token_app, name="token")
app.add_typer(review_app, name="review")

_BY_HELP = "who does it, for the audit trail (default: your login name)"
EXPORT_COLUMNS = [
    ("id", "id"),
    ("at", "at"),
    ("actor", "actor"),
    ("action", "action"),
    ("subject", "subject"),
    ("company", "company"),
    ("reason", "why"),
    ("payload_sha256", "payload sha256"),
    ("hash", "hash"),
]
TOKEN_COLUMNS = [
    ("id", "id"),
    ("name", "name"),
    ("hint", "starts with"),
    ("role", "role"),
    ("company", "company"),
    ("created_at", "created"),
    ("created_by", "by"),
    ("revoked_at", "revoked"),
]


@audit_app.command("verify")
def audit_verify(
    ctx: typer.Context,
    head: Annotated[
        str | None,
        typer.Option("--head", help="a head hash noted earlier: it must still be in the chain"),
    ] = None,
) -> None:
    """Check the whole trail: every entry's hash, and every link to the entry before it.

    Exit status 0 when intact, 1 (naming each broken entry) when an entry was edited or
    deleted.  Note the head hash it prints: `--head` with it later also detects the newest
    entries being deleted.
    """
    from .. import audit

    result = audit.verify(get_context(ctx).store(), head)
    if result.ok:
        echo(f"audit trail intact: {result.entries} entries, head {result.head}")
        return
    for problem in result.problems:
        where = f"entry {problem.entry_id}" if problem.entry_id else "trail"
        echo(f"{where}: {problem.problem}", err=True)
    echo(
        f"audit trail BROKEN: {len(result.problems)} problem(s) in {result.entries} entries",
        err=True,
    )
    raise typer.Exit(1)


@audit_app.command("export")
def audit_export(
    ctx: typer.Context,
    since: Annotated[
        str, typer.Option("--since", help="from this day (YYYY-MM-DD, UTC)", callback=date_option)
    ],
    until: Annotated[
        str | None,
        typer.Option(
            "--until", help="to this day, inclusive (YYYY-MM-DD, UTC)", callback=date_option
        ),
    ] = None,
    company: Annotated[str | None, typer.Option("--company", help="only this company")] = None,
    fmt: Annotated[
        Format, typer.Option("--format", help="jsonl (default), json, csv or table")
    ] = Format.jsonl,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="write to this file (default: stdout)")
    ] = None,
) -> None:
    """What an examiner asks for: each decision with its event, the source payload's hash, the
    match and its explanation, the before and after, why, who, and its hash in the chain."""
    from .. import audit

    records = audit.export(
        get_context(ctx).store(), cast(Any, since), cast(Any, until), company=company
    )
    if output is None:
        emit(records, fmt, EXPORT_COLUMNS)
        return
    with output.open("w", encoding="utf-8") as out:
        if fmt == Format.json:
            json.dump(records, out, ensure_ascii=False, indent=2)
        else:
            for record in records:
                out.write(json.dumps(record, ensure_ascii=False) + "\n")
    echo(f"{len(records)} entries written to {output}", err=True)


@token_app.command("create")
def token_create(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="who or what uses it, e.g. 'alice' or 'siem'")],
    role: Annotated[
        str, typer.Option("--role", help="read, review (also decide on matches) or admin")
    ] = "read",
    company: Annotated[
        str | None, typer.Option("--company", help="only this company's data (default: all)")
    ] = None,
    by: Annotated[str | None, typer.Option("--by", help=_BY_HELP)] = None,
) -> None:
    """Create an API token.  It is printed once, here: only its hash is stored."""
    from .. import audit

    info, secret = audit.create_token(
        get_context(ctx).store(), name, role, company, by or audit.default_actor()
    )
    scope = f"company {info.company}" if info.company else "every company"
    echo(f"token {info.id} ({info.name}, {info.role}, {scope}); keep it now, it is not "
               "shown again:", err=True)  # fmt: skip
    echo(secret)


@token_app.command("list")
def token_list(
    ctx: typer.Context,
    fmt: Annotated[
        Format, typer.Option("--format", help="table, json, jsonl or csv")
    ] = Format.table,
) -> None:
    """Every token (revoked ones too), never the tokens themselves."""
    from .. import audit

    emit([t.to_json() for t in audit.list_tokens(get_context(ctx).store())], fmt, TOKEN_COLUMNS)


@token_app.command("revoke")
def token_revoke(
    ctx: typer.Context,
    token_id: Annotated[int, typer.Argument(help="the token id (from `regwatch token list`)")],
    by: Annotated[str | None, typer.Option("--by", help=_BY_HELP)] = None,
) -> None:
    """Revoke a token: the next request with it is refused."""
    from .. import audit

    info = audit.revoke_token(get_context(ctx).store(), token_id, by or audit.default_actor())
    echo(f"token {info.id} ({info.name}) revoked")


@review_app.command("four-eyes")
def review_four_eyes(
    ctx: typer.Context,
    company: Annotated[str, typer.Argument(help="the company")],
    enabled: Annotated[
        bool, typer.Option("--on/--off", help="dismissals need a second reviewer")
    ] = True,
    by: Annotated[str | None, typer.Option("--by", help=_BY_HELP)] = None,
) -> None:
    """Four-eyes review: a dismissal of this company's matches takes effect only when a second,
    different reviewer dismisses too."""
    from .. import audit

    audit.set_four_eyes(get_context(ctx).store(), company, enabled, by or audit.default_actor())
    echo(f"{company}: four-eyes dismissal {'on' if enabled else 'off'}")
