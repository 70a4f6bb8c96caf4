"""A throwaway PostgreSQL server for the store tests.

``REGWATCH_TEST_POSTGRES`` (a ``postgresql+psycopg://`` URL of a server the tests may create
databases on) wins; otherwise, when the Debian PostgreSQL binaries are installed, a private
cluster is started in a temporary folder on 127.0.0.1 for the test session; otherwise the
PostgreSQL tests are skipped.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

__all__ = ["postgres_server"]


def _bindir() -> Path | None:
    for initdb in sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), reverse=True):
        return Path(initdb).parent
    found = shutil.which("initdb")
    return Path(found).parent if found else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def postgres_server() -> Iterator[str | None]:
    """Yields an admin URL (``…/postgres``), or ``None`` when no server can be had."""
    url = os.environ.get("REGWATCH_TEST_POSTGRES")
    if url:
        yield url
        return
    bindir = _bindir()
    if bindir is None:
        yield None
        return
    # initdb refuses to run as root: run the cluster as the postgres user when we are root.
    run_as: list[str] = []
    if os.geteuid() == 0:
        try:
            pwd.getpwnam("postgres")
        except KeyError:
            yield None
            return
        run_as = ["runuser", "-u", "postgres", "--"]
    workdir = tempfile.mkdtemp(prefix="regwatch-pg-")
    os.chmod(workdir, 0o777)
    data = Path(workdir) / "data"
    port = _free_port()
    env = {**os.environ, "LC_ALL": "C.UTF-8"}
    try:
        subprocess.run(
            [
                *run_as,
                str(bindir / "initdb"),
                "-D",
                str(data),
                "-U",
                "postgres",
                "--auth=trust",
                "-E",
                "UTF8",
                "--no-sync",
            ],
            check=True,
            capture_output=True,
            env=env,
        )
        subprocess.run(
            [
                *run_as,
                str(bindir / "pg_ctl"),
                "-D",
                str(data),
                "-w",
                "-l",
                str(Path(workdir) / "log"),
                "-o",
                f"-h 127.0.0.1 -p {port} -k {workdir} -F",
                "start",
            ],
            check=True,
            capture_output=True,
            env=env,
        )
    except (subprocess.CalledProcessError, FileNotFoundError):
        shutil.rmtree(workdir, ignore_errors=True)
        yield None
        return
    try:
        yield f"postgresql+psycopg://postgres@127.0.0.1:{port}/postgres"
    finally:
        subprocess.run(
            [*run_as, str(bindir / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"],
            capture_output=True,
            env=env,
        )
        shutil.rmtree(workdir, ignore_errors=True)
