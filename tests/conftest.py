"""Fixtures shared by the whole suite."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent


def _shared_dir() -> Path:
    env = os.environ.get("REGWATCH_SHARED")
    return Path(env) if env else REPO.parent / "shared"


@pytest.fixture(scope="session")
def shared_fixtures() -> Path:
    """``../shared/fixtures`` (or ``$REGWATCH_SHARED/fixtures``): the real recorded payloads.

    They are never copied into this repository; tests that need them skip when they are absent.
    """
    folder = _shared_dir() / "fixtures"
    if not folder.is_dir():
        pytest.skip(f"shared fixtures not found at {folder} (set REGWATCH_SHARED)")
    return folder
