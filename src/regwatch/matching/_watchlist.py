"""Reading watch-list files: YAML (the shape in docs/matching.md) and entity CSV, validated whole.

Every problem in a file is reported, each as ``file:line: field: what was expected``, and a
file with any problem is refused as a whole (:class:`~regwatch.exceptions.InputError`), so a
half-read watch list is never imported.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PlainValidator,
    ValidationError,
    field_validator,
    model_validator,
)

from ..exceptions import ConfigError, InputError
from ..yamlfile import loads_yaml, validation_message
from ._analyze import SCHEMAS
from ._countries import country_code
from ._extract import normalize_eccn, parse_cfr
from ._topics import TOPICS

__all__ = ["ItemSpec", "RecipientSpec", "WatchList", "read_watchlist"]

#: one plain address, ``user@example.com``: no name, no second address, no comma, quote,
#: backslash, NUL or other control character (each of which fails at send time, forever)
_EMAIL = re.compile(
    r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
    r"@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+"
)
_TIME = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")
_CSV_COLUMNS = ("name", "aliases", "country", "identifiers")


@dataclass(frozen=True)
class ItemSpec:
    """One watch item read from a file (``line`` for messages)."""

    kind: str
    value: str
    spec: dict[str, Any] = field(default_factory=dict)
    line: int | None = None


@dataclass(frozen=True)
class RecipientSpec:
    email: str
    cadence: str = "daily"
    at: str = "08:00"
    timezone: str = "UTC"
    weekday: str = "mon"
    min_tier: str = "review"
    sources: list[str] | None = None
    info: str = "full"
    #: ``email``, or one of the person's other channels: ``webhook`` or ``chat``
    channel: str = "email"
    #: the webhook URL or the chat service's Apprise URL
    target: str = ""
    options: dict[str, Any] | None = None


@dataclass
class WatchList:
    """A company's watch list as one file states it."""

    path: Path
    company: str
    items: list[ItemSpec]
    #: ``None`` when the file says nothing about recipients (they are left as they are)
    recipients: list[RecipientSpec] | None = None


# -- YAML ------------------------------------------------------------------------------------


def _country(value: str) -> str:
    code = country_code(value)
    if code is None:
        raise ValueError("expected an ISO 3166 country code (CN) or a country name (China)")
    return code


Level = Literal["critical", "high", "info"]


class _Entity(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1)
    #: how the company relates to the party ("customer", "supplier"): digests say "Your customer"
    role: str | None = Field(None, min_length=1, max_length=40)
    severity: Level | None = None
    aliases: list[str] = Field(default_factory=list)
    country: str | None = None
    identifiers: list[str] | dict[str, str] = Field(default_factory=list)
    schema_: Literal["Person", "Company", "Organization", "LegalEntity", "Vessel"] = Field(
        "Company", alias="schema"
    )

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("a name must not be blank")
        return " ".join(value.split())

    @field_validator("aliases")
    @classmethod
    def _aliases(cls, value: list[str]) -> list[str]:
        return [" ".join(a.split()) for a in value if a.strip()]

    @field_validator("country")
    @classmethod
    def _country(cls, value: str | None) -> str | None:
        return _country(value) if value is not None else None


def _eccn(value: str) -> str:
    normalized = normalize_eccn(value)
    if normalized is None:
        raise ValueError('expected an ECCN such as 3A090, 5A992.c or a pattern such as "4A003.*"')
    return normalized


def _cfr(value: str) -> str:
    return str(parse_cfr(value))


def _topic(value: str) -> str:
    if value not in TOPICS:
        raise ValueError(f"unknown topic; expected one of: {', '.join(TOPICS)}")
    return value


def _keyword(value: str) -> str:
    if not value.strip():
        raise ValueError("a keyword must not be blank")
    return " ".join(value.split())


_LEVELS = ("critical", "high", "info")


def _leveled(check: Callable[[str], str]) -> Callable[[Any], tuple[str, str | None]]:
    """A list entry: the value itself, or ``{value: 3A090, severity: critical}`` to fix the
    level its matches have in digests.  Validated to ``(value, severity or None)``, with the
    value's own message when it is wrong."""

    def validate(entry: Any) -> tuple[str, str | None]:
        level = None
        if isinstance(entry, dict):
            unknown = sorted(set(entry) - {"value", "severity"})
            if unknown or "value" not in entry:
                raise ValueError(
                    "expected a value, or {value: …, severity: critical|high|info}"
                    + (f" (unknown key {', '.join(map(str, unknown))})" if unknown else "")
                )
            level = entry.get("severity")
            if level not in _LEVELS:
                raise ValueError(f"severity: expected one of critical, high, info (got {level!r})")
            entry = entry["value"]
        if not isinstance(entry, str):
            raise ValueError("expected a string")
        return check(entry), level

    return validate


KeywordEntry = Annotated[tuple[str, str | None], PlainValidator(_leveled(_keyword))]
EccnEntry = Annotated[tuple[str, str | None], PlainValidator(_leveled(_eccn))]
CfrEntry = Annotated[tuple[str, str | None], PlainValidator(_leveled(_cfr))]
CountryEntry = Annotated[tuple[str, str | None], PlainValidator(_leveled(_country))]
TopicEntry = Annotated[tuple[str, str | None], PlainValidator(_leveled(_topic))]


class _Watch(BaseModel):
    model_config = ConfigDict(extra="forbid")

    entities: list[_Entity] = Field(default_factory=list)
    keywords: list[KeywordEntry] = Field(default_factory=list)
    eccns: list[EccnEntry] = Field(default_factory=list)
    cfr: list[CfrEntry] = Field(default_factory=list)
    countries: list[CountryEntry] = Field(default_factory=list)
    topics: list[TopicEntry] = Field(default_factory=list)

    @field_validator("entities", mode="before")
    @classmethod
    def _names_only(cls, value: Any) -> Any:
        # "- Huawei Technologies" is short for "- name: Huawei Technologies".
        if isinstance(value, list):
            return [{"name": v} if isinstance(v, str) else v for v in value]
        return value


Cadence = Literal["immediate", "daily", "weekly"]
Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
InfoMode = Literal["full", "collapse", "omit"]
_ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


class _Channel(BaseModel):
    """One more channel of a recipient: a webhook or a chat service (by Apprise URL), with its
    own cadence; what it does not say is taken from the recipient."""

    model_config = ConfigDict(extra="forbid")

    webhook: str | None = None
    chat: str | None = None
    #: the environment variable holding the webhook's signing secret (``whsec_…``)
    secret_env: str | None = None
    #: a webhook's body: one JSON document per ``digest``, or one per ``match``
    body: Literal["digest", "match"] = "digest"
    cadence: Cadence | None = None
    at: str | None = None
    timezone: str | None = None
    weekday: Weekday | None = None
    min_tier: Literal["alert", "review"] | None = None
    info: InfoMode | None = None

    @field_validator("timezone")
    @classmethod
    def _timezone(cls, value: str | None) -> str | None:
        if value is None:
            return None
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError("expected an IANA time zone such as Asia/Tokyo or UTC") from None
        return value

    @model_validator(mode="after")
    def _one_kind(self) -> _Channel:
        if (self.webhook is None) == (self.chat is None):
            raise ValueError("a channel is either `webhook: URL` or `chat: URL`, exactly one")
        if self.webhook is not None:
            if not re.match(r"^https?://[^\s]+$", self.webhook):
                raise ValueError("webhook: expected an http:// or https:// URL")
            if not self.secret_env or not _ENV_NAME.match(self.secret_env):
                raise ValueError(
                    "secret_env: a webhook needs the name of the environment variable that "
                    "holds its signing secret (such as ACME_WEBHOOK_SECRET)"
                )
        if self.chat is not None:
            _check_chat_url(self.chat)
        if self.at is not None and not _TIME.match(self.at):
            raise ValueError('at: expected a time of day as "HH:MM" (quoted), such as "08:00"')
        return self


def _check_chat_url(url: str) -> None:
    """Apprise must know the service and read the URL (imported here only: it is slow)."""
    import apprise

    if apprise.Apprise.instantiate(url) is None:
        raise ValueError(
            "chat: Apprise cannot read this URL (expected e.g. slack://…, msteams://…, "
            "discord://… or json://host/path; see the Apprise documentation)"
        )


class _Recipient(BaseModel):
    model_config = ConfigDict(extra="forbid")

    email: str
    cadence: Cadence = "daily"
    at: str = "08:00"
    timezone: str = "UTC"
    weekday: Weekday = "mon"
    min_tier: Literal["alert", "review"] = "review"
    sources: list[str] | None = None
    info: InfoMode = "full"
    channels: list[_Channel] = Field(default_factory=list)

    @field_validator("email")
    @classmethod
    def _email(cls, value: str) -> str:
        if not _EMAIL.fullmatch(value.strip()):
            raise ValueError("expected one e-mail address such as compliance@example.com")
        return value.strip()

    @field_validator("at")
    @classmethod
    def _at(cls, value: str) -> str:
        if not _TIME.match(value):
            raise ValueError('expected a time of day as "HH:MM" (quoted), such as "08:00"')
        return value

    @field_validator("sources")
    @classmethod
    def _sources(cls, value: list[str] | None) -> list[str] | None:
        from ..sources import SOURCES

        unknown = [v for v in value or [] if v not in SOURCES]
        if unknown:
            known = ", ".join(sorted(SOURCES))
            raise ValueError(f"unknown source {', '.join(unknown)}; expected some of: {known}")
        return value

    @field_validator("timezone")
    @classmethod
    def _timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError("expected an IANA time zone such as Asia/Tokyo or UTC") from None
        return value


class _File(BaseModel):
    model_config = ConfigDict(extra="forbid")

    company: str | None = None
    recipients: list[_Recipient] | None = None
    watch: _Watch = Field(default_factory=_Watch)


def _items_from_yaml(watch: _Watch, lines: dict[tuple[str | int, ...], int]) -> list[ItemSpec]:
    items: list[ItemSpec] = []

    def line(*loc: str | int) -> int | None:
        return lines.get(("watch", *loc))

    for i, entity in enumerate(watch.entities):
        spec: dict[str, Any] = {"aliases": entity.aliases, "schema": entity.schema_}
        if entity.country:
            spec["country"] = entity.country
        if entity.role:
            spec["role"] = " ".join(entity.role.split())
        if entity.severity:
            spec["severity"] = entity.severity
        if entity.identifiers:
            spec["identifiers"] = entity.identifiers
        items.append(ItemSpec("entity", entity.name, spec, line("entities", i)))
    for kind, section, values in (
        ("keyword", "keywords", watch.keywords),
        ("eccn", "eccns", watch.eccns),
        ("cfr", "cfr", watch.cfr),
        ("country", "countries", watch.countries),
        ("topic", "topics", watch.topics),
    ):
        for i, (value, level) in enumerate(values):
            spec = {"severity": level} if level else {}
            items.append(ItemSpec(kind, value, spec, line(section, i)))
    return items


def _recipient_specs(r: _Recipient) -> list[RecipientSpec]:
    """A recipient's e-mail row, then one row per other channel (each with its cadence)."""
    own = r.model_dump(exclude={"channels"})
    out = [RecipientSpec(**own)]
    for channel in r.channels:
        settings = {
            key: value
            for key, value in channel.model_dump(
                include={"cadence", "at", "timezone", "weekday", "min_tier", "info"}
            ).items()
            if value is not None
        }
        if channel.webhook is not None:
            kind, target = "webhook", channel.webhook
            options: dict[str, Any] = {"secret_env": channel.secret_env, "body": channel.body}
        else:
            kind, target, options = "chat", channel.chat or "", {}
        out.append(
            RecipientSpec(
                **{**own, **settings}, channel=kind, target=target, options=options or None
            )
        )
    return out


def _read_yaml(path: Path, text: str, company: str | None) -> WatchList:
    try:
        located = loads_yaml(text, path)
    except ConfigError as exc:
        raise InputError(str(exc)) from None
    data = located.data
    if not isinstance(data, dict):
        raise InputError(f"{located.where(())}: expected a mapping with company, recipients, watch")
    try:
        parsed = _File.model_validate(data)
    except ValidationError as exc:
        raise InputError(validation_message(exc, located)) from None
    name = _company(path, parsed.company, company, located.where(("company",)))
    items = _dedupe(path, _items_from_yaml(parsed.watch, located.lines))
    recipients = None
    if parsed.recipients is not None:
        seen: dict[str, int] = {}
        problems = []
        recipients = []
        for i, r in enumerate(parsed.recipients):
            key = r.email.casefold()
            if key in seen:
                where = located.where(("recipients", i, "email"))
                problems.append(f"{where}: recipients.{i}.email: {r.email} is listed twice")
                continue
            seen[key] = i
            recipients.extend(_recipient_specs(r))
        if problems:
            raise InputError("\n".join(problems))
    return WatchList(path, name, items, recipients)


def _company(path: Path, in_file: str | None, given: str | None, where: str) -> str:
    if in_file and given and in_file.strip() != given.strip():
        raise InputError(
            f"{where}: company: the file is for {in_file!r} but --company says {given!r}"
        )
    name = (in_file or given or "").strip()
    if not name:
        raise InputError(f"{path}: company: missing; name it in the file or with --company")
    return name


def _dedupe(path: Path, items: list[ItemSpec]) -> list[ItemSpec]:
    """The same item twice is one item; the same entity twice with different details is an
    error (which one was meant?)."""
    out: dict[tuple[str, str], ItemSpec] = {}
    problems = []
    for item in items:
        key = (item.kind, item.value.casefold())
        first = out.get(key)
        if first is None:
            out[key] = item
        elif first.spec != item.spec:
            where = f"{path}:{item.line}" if item.line else str(path)
            problems.append(
                f"{where}: {item.kind} {item.value!r}: listed twice with different details "
                f"(first on line {first.line})"
            )
    if problems:
        raise InputError("\n".join(problems))
    return list(out.values())


# -- CSV -------------------------------------------------------------------------------------


def _split_list(text: str) -> list[str]:
    return [p.strip() for p in re.split(r"[;|]", text) if p.strip()]


#: what ``regwatch watch list --format csv`` writes; the entity CSV is its subset
_EXPORT_COLUMNS = (
    "company", "kind", "value", "aliases", "country", "identifiers", "schema", "active"
)  # fmt: skip
_VALIDATORS: dict[str, Any] = {
    "keyword": _keyword,
    "eccn": _eccn,
    "cfr": _cfr,
    "country": _country,
    "topic": _topic,
}
_KINDS = ("entity", *_VALIDATORS)


def _csv_item(record: dict[str, str]) -> ItemSpec | str:
    """One row as an item, or what is wrong with it (``field: problem``)."""
    kind = (record.get("kind") or "entity").strip().lower() or "entity"
    if kind not in _KINDS:
        return f"kind: expected one of {', '.join(_KINDS)} (got {kind!r})"
    column = "name" if "name" in record else "value"
    value = " ".join((record.get(column) or "").split())
    if not value:
        return f"{column}: missing"
    if kind != "entity":
        try:
            return ItemSpec(kind, _VALIDATORS[kind](value), {}, None)
        except ValueError as exc:
            return f"{column}: {exc} (got {value!r})"
    schema = (record.get("schema") or "").strip() or "Company"
    if schema not in SCHEMAS:
        return f"schema: expected one of {', '.join(SCHEMAS)} (got {schema!r})"
    spec: dict[str, Any] = {"aliases": _split_list(record.get("aliases", "")), "schema": schema}
    country = record.get("country", "").strip()
    if country:
        code = country_code(country)
        if code is None:
            return (
                "country: expected an ISO 3166 code (CN) or a country name (China) "
                f"(got {country!r})"
            )
        spec["country"] = code
    identifiers = _split_list(record.get("identifiers", ""))
    if identifiers:
        spec["identifiers"] = identifiers
    return ItemSpec("entity", value, spec, None)


def _read_csv(path: Path, text: str, company: str | None) -> WatchList:
    """An entity CSV (``name, aliases, country, identifiers``), or the CSV that
    ``regwatch watch list --format csv`` writes (``company, kind, value, …``)."""
    reader = csv.reader(io.StringIO(text, newline=""))
    problems: list[str] = []
    try:
        header = next(reader)
    except StopIteration:
        expected = ", ".join(_CSV_COLUMNS)
        raise InputError(f"{path}:1: empty file; expected a header: {expected}") from None
    columns = [h.strip().lower() for h in header]
    allowed = {*_CSV_COLUMNS, *_EXPORT_COLUMNS}
    unknown = [c for c in columns if c not in allowed]
    if ("name" not in columns and "value" not in columns) or unknown:
        detail = f"unknown column(s) {', '.join(unknown)}; " if unknown else ""
        raise InputError(
            f"{path}:1: header: {detail}expected the columns {', '.join(_CSV_COLUMNS)} "
            f"(name required), or those of `regwatch watch list --format csv`: "
            f"{', '.join(_EXPORT_COLUMNS)}"
        )
    if not company and "company" not in columns:
        raise InputError(f"{path}: an entity CSV has no company column; give --company NAME")
    companies: set[str] = set()
    items: list[ItemSpec] = []
    start = reader.line_num
    try:
        for row in reader:
            line = start + 1
            start = reader.line_num
            if not any(cell.strip() for cell in row):
                continue
            if len(row) > len(columns):
                problems.append(f"{path}:{line}: row: {len(row)} values for {len(columns)} columns")
                continue
            record = dict(zip(columns, row + [""] * (len(columns) - len(row)), strict=True))
            if record.get("active", "").strip().lower() in ("false", "0", "no"):
                continue  # an exported item that a re-import had dropped
            if record.get("company", "").strip():
                companies.add(" ".join(record["company"].split()))
            item = _csv_item(record)
            if isinstance(item, str):
                problems.append(f"{path}:{line}: {item}")
                continue
            items.append(ItemSpec(item.kind, item.value, item.spec, line))
    except csv.Error as exc:
        problems.append(f"{path}:{reader.line_num}: row: not valid CSV: {exc}")
    if len(companies) > 1:
        problems.append(f"{path}: company: one company a file (got {', '.join(sorted(companies))})")
    if problems:
        raise InputError("\n".join(problems))
    in_file = companies.pop() if companies else None
    return WatchList(path, _company(path, in_file, company, "company column"), _dedupe(path, items))


def read_watchlist(path: Path, company: str | None = None) -> WatchList:
    """Read a watch list (``.yaml``/``.yml`` or ``.csv``).

    :param company: the company it is for (required for CSV; for YAML, it must agree with the
        file's ``company`` when both are given)
    :raises InputError: naming the file, line and field of every problem
    """
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise InputError(f"{path}: file not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"{path}: cannot read: {exc}") from None
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return _read_csv(path, text, company)
    if suffix in (".yaml", ".yml"):
        return _read_yaml(path, text, company)
    raise InputError(f"{path}: unknown watch-list format; expected a .yaml, .yml or .csv file")


assert set(SCHEMAS) == {"Person", "Company", "Organization", "LegalEntity", "Vessel"}
