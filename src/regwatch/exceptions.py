"""Every error regwatch raises on purpose.

The hierarchy::

    RegwatchError
    ├── ConfigError             bad sources.yaml, environment or command-line input (exit status 2)
    │   ├── UnknownSourceError  a source name that is not registered
    │   └── QueryError          a filter value that is not known (a kind, list, country, company)
    ├── InputError              a bad input file (watch lists, payloads): file, line, field
    ├── FetchError              a collector could not get trustworthy bytes
    │   ├── TransportError      connection refused, DNS, timeouts (after retries)
    │   │   └── DeadlineExceeded  a request or poll outlived its deadline (a dribbling server)
    │   ├── HostNotAllowed      a URL, redirect or link to a host the source does not declare
    │   ├── ShuttingDown        the daemon is stopping; the request was abandoned
    │   ├── HTTPStatusError     a status that is not success (after retries): 400, 404, 503
    │   ├── BlockedError        the server refused an automated client: 403, empty 202, bot wall
    │   ├── UnexpectedContent   HTML where JSON or XML was expected, wrong content type
    │   ├── ResponseTooLarge    the body exceeded the configured size cap
    │   └── PaginationError     a pagination cycle, or more pages than any sane walk needs
    ├── ParseError              a payload that does not have the expected shape (truncated JSON, …)
    │   ├── JapaneseDateError   a Japanese date that does not exist, or is not a date at all
    │   └── IncompleteTable     a list edition whose rows could not all be read (``lost``)
    ├── SnapshotRefused         a list snapshot that would delete too much, or is truncated
    ├── ScreeningError          nothing to screen against: no list loaded (exit status 1)
    ├── StoreError              the database is missing, too old or too new
    │   └── SchemaOutOfDate     the database needs ``regwatch init`` to upgrade
    └── DeliveryError           an e-mail could not be handed to the SMTP server

A collector failure (:class:`FetchError`, :class:`ParseError`, :class:`SnapshotRefused`) is
recorded in the source's health and never looks like "no change".
"""

from __future__ import annotations

__all__ = [
    "BlockedError",
    "ConfigError",
    "DeadlineExceeded",
    "DeliveryError",
    "FetchError",
    "HTTPStatusError",
    "HostNotAllowed",
    "IncompleteTable",
    "InputError",
    "JapaneseDateError",
    "PaginationError",
    "ParseError",
    "QueryError",
    "RegwatchError",
    "ResponseTooLarge",
    "ReviewRefused",
    "SchemaOutOfDate",
    "ScreeningError",
    "ShuttingDown",
    "SnapshotRefused",
    "StoreError",
    "TransportError",
    "UnexpectedContent",
    "UnknownSourceError",
]


class RegwatchError(Exception):
    """Base class of every error regwatch raises on purpose."""


class ConfigError(RegwatchError):
    """Configuration or usage is wrong; the message names the file, line and key."""


class UnknownSourceError(ConfigError):
    """A source name that no module registered."""


class QueryError(ConfigError, ValueError):
    """A filter names something unknown (``entity.add``, ``fr``, ``Chinaa``), or an impossible
    range; the message says what it likely meant.  Never an empty answer instead."""


class InputError(RegwatchError):
    """An input file is wrong; the message names the file, line and field."""


class FetchError(RegwatchError):
    """A collector could not get trustworthy bytes from ``url``."""

    def __init__(self, message: str, *, url: str | None = None) -> None:
        super().__init__(message)
        self.url = url


class TransportError(FetchError):
    """The request never got an HTTP answer (connection, DNS, timeout), even after retries."""


class DeadlineExceeded(TransportError):
    """A request, or the poll it belongs to, took longer than its deadline."""


class HostNotAllowed(FetchError):
    """A URL (asked for, redirected to, or found in a response) on a host the source does not
    declare; it is never fetched."""


class ShuttingDown(FetchError):
    """The daemon is stopping: the request in flight was abandoned, nothing was stored."""


class HTTPStatusError(FetchError):
    """The server answered with a status that is not success, even after retries."""

    def __init__(self, message: str, *, url: str | None = None, status: int) -> None:
        super().__init__(message, url=url)
        self.status = status


class BlockedError(FetchError):
    """The server refused an automated client (403, an empty 202, a challenge page)."""


class UnexpectedContent(FetchError):
    """The body is not what was asked for, e.g. an HTML "unblock" page instead of JSON."""


class ResponseTooLarge(FetchError):
    """The body exceeded the configured size cap."""


class PaginationError(FetchError):
    """A pagination walk revisited a page it had seen, or did not end."""


class ParseError(RegwatchError):
    """A payload does not have the expected shape."""

    def __init__(self, message: str, *, url: str | None = None) -> None:
        super().__init__(message)
        self.url = url


class SnapshotRefused(RegwatchError):
    """A list snapshot was refused: truncated, unparsable, or shrinking a list too much."""


class ScreeningError(RegwatchError):
    """Screening cannot give a trustworthy answer: no restricted-party list is loaded, or not
    the one asked for.  Never reported as "no match"."""


class StoreError(RegwatchError):
    """The database cannot be used as it is."""


class SchemaOutOfDate(StoreError):
    """The database schema is older than this regwatch; run ``regwatch init``."""


class DeliveryError(RegwatchError):
    """An e-mail could not be handed to the SMTP server."""


class JapaneseDateError(ParseError, ValueError):
    """A Japanese date that does not exist (令和7年2月30日), or text that is not a date."""


class IncompleteTable(ParseError):
    """A list edition (PDF, CSV, XLSX) whose rows could not all be read; nothing is imported.

    ``lost`` describes each row that was lost, e.g. ``"No. 17 (page 1): no company name"``.
    """

    def __init__(self, message: str, *, lost: list[str], url: str | None = None) -> None:
        super().__init__(message, url=url)
        self.lost = lost


class ReviewRefused(RegwatchError):
    """A review decision the rules do not allow, e.g. approving one's own dismissal request."""
