"""Passwords in URLs are never shown: not by `init`, not in errors, not by a daemon that would
otherwise start with broken mail settings and log them at every digest check."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from regwatch._masking import mask_url
from regwatch.digest import parse_smtp_url
from regwatch.exceptions import ConfigError

PASSWORD = "Tr0ub/4dor@x?y#z"


@pytest.mark.parametrize(
    "url, shown",
    [
        ("smtps://bob:pw@h:465", "smtps://bob:***@h:465"),
        ("smtp://h:25", "smtp://h:25"),
        (
            "postgresql+psycopg://u:p%2Fw@db.example/regwatch",
            "postgresql+psycopg://u:***@db.example/regwatch",
        ),
        # unencoded /, @, ? and # in the password: all of it is masked, nothing leaks as a path
        (f"smtps://bob:{PASSWORD}@mail.example:465", "smtps://bob:***@mail.example:465"),
        (f"postgresql://u:{PASSWORD}@db/x", "postgresql://u:***@db/x"),
        ("smtps://bob@mail.example:465", "smtps://bob@mail.example:465"),
        ("sqlite:///var/lib/regwatch.db", "sqlite:///var/lib/regwatch.db"),
        ("not a url", "not a url"),
    ],
)
def test_mask_url_finds_the_userinfo(url, shown):
    assert mask_url(url) == shown


def test_a_malformed_smtp_url_is_refused_without_any_of_its_password():
    with pytest.raises(ConfigError) as caught:
        parse_smtp_url(f"smtps://bob:{PASSWORD}@mail.example:465")
    message = str(caught.value)
    for fragment in ("Tr0ub", "4dor", "x?y", "#z"):
        assert fragment not in message
    assert "smtps://bob:***@mail.example:465" in message


def regwatch(tmp_path, *args, env=None, timeout=60):
    return subprocess.run(
        [sys.executable, "-m", "regwatch", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=tmp_path,
        env={**os.environ, "REGWATCH_DB": f"sqlite:///{tmp_path / 'r.db'}", **(env or {})},
    )


@pytest.mark.parametrize("args", [("run",), ("run", "--once")])
def test_the_daemon_refuses_to_start_with_broken_mail_settings(tmp_path, args):
    (tmp_path / "sources.yaml").write_text("federal_register:\n  enabled: false\n")
    result = regwatch(
        tmp_path,
        "--config",
        "sources.yaml",
        *args,
        env={"REGWATCH_SMTP_URL": f"smtps://bob:{PASSWORD}@mail.example:465"},
    )
    assert result.returncode == 2, result
    assert "REGWATCH_SMTP_URL" in result.stderr and "Traceback" not in result.stderr
    assert "Tr0ub" not in result.stderr + result.stdout
    assert "daemon started" not in result.stderr


def test_the_daemon_refuses_a_bad_sender_at_start(tmp_path):
    result = regwatch(tmp_path, "run", env={"REGWATCH_MAIL_FROM": "not an address"})
    assert result.returncode == 2
    assert "REGWATCH_MAIL_FROM" in result.stderr


def test_an_unreachable_database_is_a_clear_error_without_its_password(tmp_path):
    url = "postgresql+psycopg://regwatch:Tr0ub%2F4dor@127.0.0.1:1/regwatch"
    result = regwatch(tmp_path, "--db", url, "init")
    assert result.returncode == 2
    assert result.stderr.startswith("error: ") and "Traceback" not in result.stderr
    assert "Connection refused" in result.stderr or "connection failed" in result.stderr
    assert "Tr0ub" not in result.stderr + result.stdout


def test_a_database_url_with_an_unencoded_password_is_refused_unshown(tmp_path):
    url = f"postgresql+psycopg://regwatch:{PASSWORD}@127.0.0.1:1/regwatch"
    result = regwatch(tmp_path, "--db", url, "init")
    assert result.returncode == 2
    assert "must be percent-encoded" in result.stderr
    assert "postgresql+psycopg://regwatch:***@127.0.0.1:1/regwatch" in result.stderr
    for fragment in ("Tr0ub", "4dor", "x?y", "#z", "'x'"):
        assert fragment not in result.stderr + result.stdout


@pytest.mark.postgres
def test_init_never_prints_the_database_password(tmp_path, postgres_url):
    # the test server trusts local connections, so any password is accepted (and ignored)
    scheme, rest = postgres_url.split("://", 1)
    user, _, host = rest.rpartition("@")
    secret_url = f"{scheme}://{user.split(':')[0] or 'postgres'}:s3cret%2Fpw@{host}"
    first = regwatch(tmp_path, "--db", secret_url, "init")
    again = regwatch(tmp_path, "--db", secret_url, "init")
    assert first.returncode == 0 and again.returncode == 0, (first, again)
    assert "created database" in first.stdout and "is up to date" in again.stdout
    for out in (first, again):
        assert "s3cret" not in out.stdout + out.stderr
        assert ":***@" in out.stdout
