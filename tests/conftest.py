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
    """``$REGWATCH_SHARED/fixtures`` (default: the ``shared`` folder beside the repository): the
    real recorded payloads.

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
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))  # the screening index cache
    monkeypatch.setenv("COLUMNS", "200")  # a wide terminal; the table tests set their own
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


@pytest.fixture(scope="session")
def postgres_admin_url():
    """An admin URL of a PostgreSQL server (see tests/support/postgres.py), or skip."""
    from tests.support.postgres import postgres_server

    with postgres_server() as url:
        if url is None:
            pytest.skip("no PostgreSQL server (set REGWATCH_TEST_POSTGRES or install postgresql)")
        yield url


_pg_databases = iter(range(1, 1_000_000))


@pytest.fixture
def postgres_url(postgres_admin_url):
    """A fresh, empty PostgreSQL database for one test."""
    import sqlalchemy

    name = f"regwatch_test_{os.getpid()}_{next(_pg_databases)}"
    admin = sqlalchemy.create_engine(postgres_admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    yield postgres_admin_url.rsplit("/", 1)[0] + f"/{name}"
    with admin.connect() as conn:
        conn.exec_driver_sql(f'DROP DATABASE "{name}" WITH (FORCE)')
    admin.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request, tmp_path):
    """A fresh database URL, once for SQLite and once for PostgreSQL."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'regwatch.db'}"
    return request.getfixturevalue("postgres_url")
