"""Logging: readable lines by default, one JSON object per line on request.

Records carry their facts as ``extra`` fields (``source``, ``new``, ``seconds``, …): the readable
form appends them as ``key=value``, the JSON form (python-json-logger) as keys.  Nothing secret is
ever logged (SMTP URLs are shown through ``regwatch.digest.redact_url``).
"""

from __future__ import annotations

import logging
import sys
from typing import Any

from pythonjsonlogger.json import JsonFormatter

from ._terminal import printable

__all__ = ["configure_logging"]

#: attributes every LogRecord has; anything else was passed as ``extra``
_STANDARD = frozenset(vars(logging.makeLogRecord({}))) | {"message", "asctime", "taskName"}


class _Printable(logging.Filter):
    """Log lines carry titles, URLs and error bodies from outside: their escape sequences and
    control characters are removed before any formatter sees them (the JSON formatter would
    escape C0 controls, but not C1 ones nor a message's line breaks in the readable form)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = printable(record.getMessage()).replace("\n", " ")
        record.args = None
        for key, value in vars(record).items():
            if key not in _STANDARD and isinstance(value, str):
                setattr(record, key, printable(value).replace("\n", " "))
        return True


class _ReadableFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line = printable(super().format(record))  # a traceback may quote outside text
        extras = {k: v for k, v in vars(record).items() if k not in _STANDARD}
        if extras:
            line += " " + " ".join(f"{k}={_short(v)}" for k, v in extras.items())
        return line


def _short(value: Any) -> str:
    text = str(value)
    return repr(text) if " " in text else text


def configure_logging(level: int = logging.WARNING, fmt: str = "text") -> None:
    """Route every logger (regwatch, apscheduler, httpx) to stderr in one format."""
    handler = logging.StreamHandler(sys.stderr)
    if fmt == "json":
        handler.setFormatter(
            JsonFormatter(
                "%(asctime)s %(levelname)s %(name)s %(message)s",
                rename_fields={"asctime": "time", "levelname": "level", "name": "logger"},
                json_ensure_ascii=False,
            )
        )
    else:
        handler.setFormatter(_ReadableFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    handler.addFilter(_Printable())
    root.addHandler(handler)
    root.setLevel(level)
    # httpx logs every request with its full URL at INFO: keep that for --verbose debugging only
    logging.getLogger("httpx").setLevel(max(level, logging.WARNING))
    logging.getLogger("apscheduler").setLevel(max(level, logging.WARNING))
    logging.getLogger("alembic").setLevel(max(level, logging.WARNING))
