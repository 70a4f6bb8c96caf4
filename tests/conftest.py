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


@pytest.fixture
def http_server():
    """A real HTTP server on 127.0.0.1 (see tests/support/httpserver.py)."""
    from tests.support.httpserver import LocalServer

    with LocalServer() as server:
        yield server


class CliResult:
    def __init__(self, code: int, stdout: str, stderr: str) -> None:
        self.code, self.stdout, self.stderr = code, stdout, stderr

    def json(self):
        import json

        return json.loads(self.stdout)

    def __repr__(self) -> str:
        out, err = self.stdout[-2000:], self.stderr[-2000:]
        return f"CliResult(code={self.code}, stdout={out!r}, stderr={err!r})"


@pytest.fixture
def cli(monkeypatch, tmp_path):
    """Run ``regwatch ARGS`` in-process: ``cli("events", "--format", "json")``.

    The database and configuration default to files in ``tmp_path`` (``regwatch.db``,
    ``sources.yaml``) through REGWATCH_DB and REGWATCH_CONFIG, as a user's environment would.
    """
    import contextlib
    import io

    from regwatch.cli import main

    monkeypatch.setenv("REGWATCH_DB", f"sqlite:///{tmp_path / 'regwatch.db'}")
    monkeypatch.delenv("REGWATCH_CONFIG", raising=False)
    monkeypatch.chdir(tmp_path)

    def run(*args: str) -> CliResult:
        out, err = io.StringIO(), io.StringIO()
        code = 0
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                main([str(a) for a in args])
            except SystemExit as exc:
                code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
        return CliResult(code, out.getvalue(), err.getvalue())

    return run
