"""The command line answers and the local test server works (a base for the other tests)."""

from __future__ import annotations


def test_version(cli):
    result = cli("--version")
    assert result.code == 0
    assert result.stdout.startswith("regwatch ")


def test_init_creates_then_reports_up_to_date(cli, tmp_path):
    first = cli("init")
    assert first.code == 0, first
    assert "created database" in first.stdout
    assert (tmp_path / "regwatch.db").exists()
    again = cli("init")
    assert "up to date" in again.stdout
