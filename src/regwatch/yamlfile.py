"""YAML files whose errors say where: every value keeps the line it came from.

``yaml.safe_load`` forgets positions, so :func:`load_yaml` composes the node tree first, records
the line of every mapping key and sequence item by its path, then constructs plain Python data
with the safe constructor.  :func:`validation_message` turns a pydantic ``ValidationError`` into
lines such as ``sources.yaml:12: federal_register.every: expected a duration …``.

Configuration and watch lists are small hand-written files, so two YAML features that only an
attacker needs are refused while the file is composed, before anything is built: aliases
(``*name``: nine levels of them expand a 500-byte file to gigabytes, and a recursive one never
ends) and nesting deeper than :data:`MAX_DEPTH` (which would exhaust the stack).
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from .exceptions import ConfigError

__all__ = ["Located", "load_yaml", "validation_message"]

Loc = tuple[str | int, ...]

#: deepest nesting of mappings and sequences accepted (real files stay under 6)
MAX_DEPTH = 50


class _Refused(yaml.MarkedYAMLError):
    """A YAML feature regwatch files do not use, refused with its line."""


class _SafeLoader(yaml.SafeLoader):
    """The safe loader, refusing aliases and deep nesting as the node tree is composed."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self._depth = 0

    def compose_node(self, parent: yaml.Node | None, index: Any) -> yaml.Node | None:
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()  # type: ignore[no-untyped-call]
            raise _Refused(
                problem="aliases (*name) are not accepted in regwatch files; write the value out",
                problem_mark=event.start_mark,
            )
        self._depth += 1
        try:
            if self._depth > MAX_DEPTH:
                raise _Refused(
                    problem=f"nested more than {MAX_DEPTH} levels deep",
                    problem_mark=self.peek_event().start_mark,  # type: ignore[no-untyped-call]
                )
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1


class Located:
    """Parsed YAML data plus the 1-based line of every path in it."""

    def __init__(self, path: Path, data: Any, lines: dict[Loc, int]) -> None:
        self.path = path
        self.data = data
        self.lines = lines

    def line_of(self, loc: Iterable[str | int]) -> int | None:
        """The line of ``loc``, or of its nearest ancestor that has one."""
        parts = tuple(loc)
        while parts:
            if parts in self.lines:
                return self.lines[parts]
            parts = parts[:-1]
        return self.lines.get(())

    def where(self, loc: Iterable[str | int]) -> str:
        line = self.line_of(loc)
        return f"{self.path}:{line}" if line else str(self.path)


def _record(node: yaml.Node, loc: Loc, lines: dict[Loc, int]) -> None:
    lines.setdefault(loc, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            key = key_node.value if isinstance(key_node, yaml.ScalarNode) else str(key_node.value)
            lines[(*loc, key)] = key_node.start_mark.line + 1
            _record(value_node, (*loc, key), lines)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            lines[(*loc, index)] = item.start_mark.line + 1
            _record(item, (*loc, index), lines)


def load_yaml(path: Path) -> Located:
    """Read ``path`` as YAML (safe types only); :raises ConfigError: with file and line."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"{path}: file not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read: {exc}") from None
    return loads_yaml(text, path)


def _flow_depth_problem(text: str, path: Path) -> ConfigError | None:
    """Deep ``[[[…`` or ``{{{…`` nesting, found by one pass over the text.  PyYAML's scanner
    reads a flow collection to its end before the first node exists (each bracket might open a
    key), which takes seconds for a few thousand levels: they are refused before it starts."""
    depth, quote = 0, ""
    for number, line in enumerate(text.splitlines(), 1):
        for char in line:
            if quote:
                quote = "" if char == quote else quote
            elif char in "'\"":
                quote = char
            elif char == "#":
                break
            elif char in "[{":
                depth += 1
                if depth > MAX_DEPTH:
                    return ConfigError(
                        f"{path}:{number}: invalid YAML: nested more than {MAX_DEPTH} levels deep"
                    )
            elif char in "]}":
                depth = max(depth - 1, 0)
        # an apostrophe in a plain scalar (O'Brien) must not hide the next lines' brackets;
        # this pass is only a fast path, the composer's depth check is the exact one
        quote = ""
    return None


def loads_yaml(text: str, path: Path) -> Located:
    too_deep = _flow_depth_problem(text, path)
    if too_deep is not None:
        raise too_deep
    loader = _SafeLoader(text)
    try:
        node = loader.get_single_node()
        lines: dict[Loc, int] = {}
        if node is None:
            return Located(path, None, lines)
        _record(node, (), lines)
        data = loader.construct_document(node)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = f":{mark.line + 1}" if mark else ""
        problem = " ".join(filter(None, [exc.context, exc.problem]))
        raise ConfigError(f"{path}{line}: invalid YAML: {problem}") from None
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}: invalid YAML: {exc}") from None
    finally:
        loader.dispose()
    return Located(path, data, lines)


def validation_message(error: ValidationError, located: Located, prefix: Loc = ()) -> str:
    """One line per problem: ``file:line: dotted.path: what was expected``."""
    out = []
    for problem in error.errors():
        loc = (*prefix, *problem["loc"])
        dotted = ".".join(str(p) for p in loc) or "(top level)"
        message = problem["msg"]
        if problem["type"] == "extra_forbidden":
            message = "unknown key"
        elif message.startswith("Value error, "):
            message = message.removeprefix("Value error, ")
        given = problem.get("input")
        if (
            problem["type"] not in ("missing", "extra_forbidden")
            and _short(given)
            and repr(given) not in message
        ):
            message += f" (got {given!r})"
        out.append(f"{located.where(loc)}: {dotted}: {message}")
    return "\n".join(out)


def _short(value: Any) -> bool:
    return isinstance(value, (str, int, float, bool)) and len(repr(value)) <= 60
