"""The ``reconcile`` section of ``sources.yaml``: when a view of a listing counts as lagging."""

from __future__ import annotations

from datetime import timedelta

from pydantic import BaseModel, ConfigDict, Field, field_validator

from ..timeutil import parse_duration

__all__ = ["ReconcileSettings"]


class ReconcileSettings(BaseModel):
    """The ``reconcile`` section of ``sources.yaml``."""

    model_config = ConfigDict(extra="forbid")

    enabled: bool = Field(
        True,
        description="compare the rule, the eCFR and the CSL after each poll of one of them and "
        "report listings whose views disagree or lag",
    )
    lists: list[str] = Field(
        default_factory=lambda: ["EL", "MEU"], description="the lists to reconcile"
    )
    csl_after: str = Field(
        "24h",
        description="the CSL lags when it does not show a rule's change this long after the "
        "rule's effective date (midnight, US Eastern time)",
    )
    ecfr_business_days: int = Field(
        3,
        ge=0,
        le=30,
        description="the eCFR lags when it does not show a rule's change this many business "
        "days (Monday to Friday) after the rule's effective date",
    )

    @field_validator("csl_after")
    @classmethod
    def _check_duration(cls, value: str) -> str:
        parse_duration(value)
        return value

    @field_validator("lists")
    @classmethod
    def _check_lists(cls, value: list[str]) -> list[str]:
        codes = [v.strip().upper() for v in value]
        unknown = [c for c in codes if c not in ("EL", "MEU")]
        if unknown:
            raise ValueError(f"unknown list {', '.join(unknown)}; expected EL or MEU")
        return codes

    @property
    def csl_delay(self) -> timedelta:
        return parse_duration(self.csl_after)
