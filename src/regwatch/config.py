"""Configuration: the environment plus ``sources.yaml``, validated with errors that say where.

``sources.yaml`` has one section per source (its registered name: ``federal_register``, …),
each validated by that source's own settings model, plus the general sections below.  A source
not mentioned runs with its defaults.  Source sections may also be grouped under ``sources:``.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from ._dburl import DEFAULT_DB, database_url
from .digest._settings import DigestSettings
from .exceptions import ConfigError
from .http import HttpSettings
from .ops import OpsSettings
from .reconcile._settings import ReconcileSettings
from .sources import SOURCES, SourceSettings
from .yamlfile import Located, load_yaml, validation_message

__all__ = [
    "DEFAULT_CONFIG",
    "DEFAULT_DB",
    "Config",
    "GeneralSettings",
    "database_url",
    "load_config",
]

DEFAULT_CONFIG = "sources.yaml"


class GeneralSettings(BaseModel):
    """The sections of ``sources.yaml`` that are not sources."""

    model_config = ConfigDict(extra="forbid")

    http: HttpSettings = Field(
        default_factory=HttpSettings, description="how regwatch talks HTTP (all sources)"
    )
    ops: OpsSettings = Field(
        default_factory=OpsSettings, description="who hears about broken or stale sources"
    )
    digest: DigestSettings = Field(
        default_factory=DigestSettings, description="how digests are built and retried"
    )
    reconcile: ReconcileSettings = Field(
        default_factory=ReconcileSettings,
        description="when the rule, the eCFR and the CSL views of a listing count as lagging",
    )


@dataclass
class Config:
    """Everything regwatch was configured with."""

    path: Path | None
    general: GeneralSettings = field(default_factory=GeneralSettings)
    sources: dict[str, SourceSettings] = field(default_factory=dict)

    @property
    def http(self) -> HttpSettings:
        return self.general.http

    def enabled_sources(self) -> list[str]:
        return [name for name, s in self.sources.items() if s.enabled and SOURCES[name].pollable]


def load_config(option: str | None = None) -> Config:
    """Load ``--config``, else ``REGWATCH_CONFIG``, else ``./sources.yaml`` if it exists.

    :raises ConfigError: naming the file, line and key of every problem.
    """
    given = option or os.environ.get("REGWATCH_CONFIG")
    path = Path(given) if given else Path(DEFAULT_CONFIG)
    if not path.exists():
        if given:
            raise ConfigError(f"{path}: configuration file not found")
        return _build(None, None)
    return _build(path, load_yaml(path))


def _build(path: Path | None, located: Located | None) -> Config:
    data: Any = located.data if located else None
    if data is None:
        data = {}
    if not isinstance(data, dict):
        where = located.where(()) if located else "configuration"
        raise ConfigError(f"{where}: expected a mapping of sections, got {type(data).__name__}")
    sections: dict[str, tuple[tuple[str, ...], Any]] = {}
    general: dict[str, Any] = {}
    problems: list[str] = []
    for key, value in data.items():
        if key == "sources" and isinstance(value, dict):
            for name, section in value.items():
                sections[str(name)] = (("sources", str(name)), section)
        elif key in SOURCES:
            sections[key] = ((key,), value)
        elif key in GeneralSettings.model_fields:
            general[key] = value
        else:
            known = ", ".join([*GeneralSettings.model_fields, *sorted(SOURCES)])
            where = located.where((key,)) if located else ""
            problems.append(f"{where}: {key}: unknown section; expected one of: {known}")
    config = Config(path=path)
    try:
        config.general = GeneralSettings.model_validate(general)
    except ValidationError as exc:
        assert located is not None
        problems.append(validation_message(exc, located))
    for name, cls in SOURCES.items():
        loc, section = sections.pop(name, ((name,), None))
        try:
            config.sources[name] = cls.Settings.model_validate(section or {})
        except ValidationError as exc:
            assert located is not None
            problems.append(validation_message(exc, located, loc))
    for name, (loc, _) in sections.items():
        where = located.where(loc) if located else ""
        problems.append(
            f"{where}: {name}: unknown source; known sources: {', '.join(sorted(SOURCES))}"
        )
    if problems:
        raise ConfigError("\n".join(problems))
    return config
