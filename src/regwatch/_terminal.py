"""Making text from outside safe to print: no escape sequences, no rich markup.

Titles, summaries, addresses and error bodies come from servers regwatch does not control.  A
title holding ``ESC [2J`` would clear the operator's screen, an OSC 8 sequence would plant a
hyperlink, and ``[link=…]`` or a stray ``[/]`` would be read as rich markup (a clickable link, or
a crash).  Every value from outside goes through :func:`printable` before it reaches a terminal
or a log line, and through :func:`markup_safe` before it reaches rich.
"""

from __future__ import annotations

import re

from rich.markup import escape

__all__ = ["markup_safe", "printable"]

#: whole escape sequences first (CSI, OSC up to BEL or ST, other two-byte escapes), so that no
#: half of one is left behind as visible junk
_SEQUENCES = re.compile(
    r"\x1b\[[0-?]*[ -/]*[@-~]"  # CSI: colours, cursor moves, clear screen
    r"|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?"  # OSC: window title, OSC 8 hyperlinks
    r"|\x9b[0-?]*[ -/]*[@-~]"  # 8-bit CSI
    r"|\x9d[^\x07\x1b\x9c]*(?:\x07|\x9c|\x1b\\)?"  # 8-bit OSC
    r"|\x1b[@-_]?"  # any other escape
)
#: C0 and C1 controls except tab and newline, DEL, and the bidirectional overrides that make a
#: terminal show text in an order other than its bytes
_CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def printable(value: object) -> str:
    """``value`` as text without escape sequences or control characters (tab and newline stay;
    a carriage return becomes a space so that it cannot overwrite what came before)."""
    text = value if isinstance(value, str) else str(value)
    if text.isprintable():
        return text
    text = _SEQUENCES.sub("", text.replace("\r\n", "\n").replace("\r", " "))
    return _CONTROLS.sub("", text)


def markup_safe(value: object) -> str:
    """:func:`printable`, with rich markup escaped: for any text handed to a rich console."""
    return escape(printable(value))
