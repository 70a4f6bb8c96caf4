"""Help texts a newcomer can use: placeholders that say what to type (``URL``, ``N``,
``table|json``), never the program's internal types (``<str>``, ``<list[str]>``, ``{source}``),
and an example under every command."""

from __future__ import annotations

from typing import Any

__all__ = ["EXAMPLES", "tidy_help"]

#: examples shown at the end of each command's help (the docs test runs none of them, but
#: checks that they use real commands and options)
EXAMPLES: dict[str, list[str]] = {
    "": ["regwatch demo", "regwatch events --since 2026-11-01 --kind entity.added"],
    "config": ["regwatch config", "regwatch config --db sqlite:///var/regwatch.db"],
    "init": ["regwatch init", "regwatch init --db postgresql+psycopg://regwatch@db/regwatch"],
    "poll": ["regwatch poll", "regwatch poll federal_register csl"],
    "run": ["regwatch run", "regwatch run --once --quiet"],
    "healthcheck": ["regwatch healthcheck"],
    "import": [
        "regwatch import federal_register documents.json",
        "regwatch import csl consolidated.json",
        "regwatch import meti_eul eul.xlsx --edition 2025-09-29",
    ],
    "sources": ["regwatch sources", "regwatch sources --format json"],
    "demo": ["regwatch demo", "regwatch demo --dir ./demo"],
    "events": [
        "regwatch events --since 2026-11-01 --kind entity.added --country China",
        "regwatch events --q 'entity list' --format csv > events.csv",
        "regwatch events --company 'Acme Corp' --limit 10",
    ],
    "show": ["regwatch show 42", "regwatch show 42 --format json"],
    "entity": ["regwatch entity Huawei", "regwatch entity 'Moskva Mikrosistemy' --format json"],
    "watch": ["regwatch watch import watchlist.yaml", "regwatch watch list --company 'Acme Corp'"],
    "watch import": [
        "regwatch watch import watchlist.yaml",
        "regwatch watch import customers.csv --company 'Acme Corp' --add",
    ],
    "watch list": [
        "regwatch watch list --company 'Acme Corp'",
        "regwatch watch list --company 'Acme Corp' --format csv > acme.csv",
    ],
    "matches": [
        "regwatch matches --company 'Acme Corp' --status new",
        "regwatch matches --format csv --limit 100",
    ],
    "matches ack": ["regwatch matches ack 12 --note 'customer already screened'"],
    "matches dismiss": ["regwatch matches dismiss 13 --note 'another company of that name'"],
    "screen": [
        "regwatch screen 'Huawei Technologies Co., Ltd.' --country CN",
        "regwatch screen --file customers.csv --list EL --list SDN --fail-on-match",
    ],
    "digest": ["regwatch digest preview --company 'Acme Corp'", "regwatch digest send"],
    "digest preview": [
        "regwatch digest preview --company 'Acme Corp'",
        "regwatch digest preview --company 'Acme Corp' --format html --output digest.html",
    ],
    "digest send": ["regwatch digest send", "regwatch digest send --dry-run"],
    "deliveries": ["regwatch deliveries --company 'Acme Corp' --limit 20"],
    "test-email": ["regwatch test-email compliance@example.com"],
    "test-notify": ["regwatch test-notify compliance@example.com --company 'Acme Corp'"],
    "matches reopen": ["regwatch matches reopen 13 --note 'the address matches after all'"],
    "matches show": ["regwatch matches show 12", "regwatch matches show 12 --format json"],
    "serve": [
        "regwatch serve",
        "regwatch serve --host 0.0.0.0 --port 8080 --secret-key-file /etc/regwatch/key "
        "--https-only",
    ],
    "token": ["regwatch token create analyst --role review --company 'Acme Corp'"],
    "token create": ["regwatch token create analyst --role review --company 'Acme Corp'"],
    "token list": ["regwatch token list"],
    "token revoke": ["regwatch token revoke 3"],
    "audit": ["regwatch audit verify", "regwatch audit export --since 2026-11-01"],
    "audit verify": ["regwatch audit verify", "regwatch audit verify --head 4f2a9c0d"],
    "audit export": [
        "regwatch audit export --since 2026-11-01 --company 'Acme Corp' --output acme.jsonl",
    ],
    "review": ["regwatch review four-eyes 'Acme Corp' --on"],
    "review four-eyes": ["regwatch review four-eyes 'Acme Corp' --on"],
    "reconcile": ["regwatch reconcile", "regwatch reconcile --list EL --since 2026-11-01"],
    "reprocess": [
        "regwatch reprocess federal_register --since 2026-11-01",
        "regwatch reprocess federal_register --document 2026-21734",
    ],
}

#: placeholders for options whose value is not a choice
_PLACEHOLDERS = {
    "db": "URL",
    "config": "PATH",
    "limit": "N",
    "since": "DATE",
    "until": "DATE",
    "edition": "DATE",
    "q": "TEXT",
    "note": "TEXT",
    "file": "PATH",
    "dir": "DIR",
    "output": "FILE",
    "company": "NAME",
    "recipient": "EMAIL",
}


# typer carries its own copy of click, so parameters are told apart by their kind, not class
def _placeholder(param: Any) -> str:
    described = getattr(param, "type_descriptor", None) or getattr(param, "type", None)
    choices = getattr(described, "choices", None)
    if choices:
        return "|".join(str(getattr(c, "value", c)) for c in choices)
    name = param.name or "value"
    return _PLACEHOLDERS.get(name, name.upper().removesuffix("_"))


def _no_type(ctx: Any = None) -> None:
    return None


def _argument_usage(param: Any) -> Any:
    def usage() -> str:
        name = param.metavar or (param.name or "").upper()
        name = name if param.required else f"[{name}]"
        return name + ("..." if param.nargs != 1 else "")

    return usage


def tidy_help(command: Any, path: str = "") -> Any:
    """Give every parameter of ``command`` (and its subcommands) a readable placeholder, and
    every command its examples."""
    for param in command.params:
        kind = getattr(param, "param_type_name", "")
        if kind == "argument":
            if param.metavar is None:
                param.metavar = (param.name or "").upper()
            # typer writes a required argument as {name} in the usage line, and its type
            # (<str>, <list[Path]>) next to it in the list of arguments
            param._usage_display_name = _argument_usage(param)
            param._rich_display_name = _argument_usage(param)
            param.display_type_rich = _no_type
        elif kind == "option" and not param.is_flag and param.metavar is None:
            param.metavar = _placeholder(param)
    examples = EXAMPLES.get(path)
    if examples and command.help is not None and "Examples:" not in command.help:
        # \b keeps click from re-flowing the example lines into one paragraph
        command.help += "\n\nExamples:\n\n\b\n" + "\n".join(f"  {e}" for e in examples)
    for name, sub in getattr(command, "commands", {}).items():
        tidy_help(sub, f"{path} {name}".strip())
    return command
