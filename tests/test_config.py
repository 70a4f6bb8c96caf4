"""Bad configuration and usage: a clear message naming file, line and key, and exit status 2."""

from __future__ import annotations

import pytest

from regwatch.config import load_config
from regwatch.exceptions import ConfigError


def write(tmp_path, text):
    path = tmp_path / "sources.yaml"
    path.write_text(text)
    return path


def test_defaults_without_a_file(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("REGWATCH_CONFIG", raising=False)
    config = load_config()
    assert config.path is None
    assert config.sources["federal_register"].agencies == ["industry-and-security-bureau"]
    assert "federal_register" in config.enabled_sources()


def test_a_full_file_is_read(tmp_path):
    path = write(
        tmp_path,
        """
http:
  user_agent: "regwatch (ops@example.com)"
  min_interval: 0.5
federal_register:
  enabled: true
  every: 30m
  base_url: http://mirror.example/api/v1
  agencies: [industry-and-security-bureau, foreign-assets-control-office]
  document_types: [RULE, NOTICE]
  cfr: "15 CFR 744"
  terms: [entity list]
""",
    )
    config = load_config(str(path))
    fr = config.sources["federal_register"]
    assert fr.base_url == "http://mirror.example/api/v1"
    assert fr.agencies == ["industry-and-security-bureau", "foreign-assets-control-office"]
    assert fr.document_types == ["RULE", "NOTICE"]
    assert config.http.min_interval == 0.5


def test_sections_may_be_grouped_under_sources(tmp_path):
    path = write(tmp_path, "sources:\n  federal_register:\n    enabled: false\n")
    assert load_config(str(path)).enabled_sources() == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "federal_register:\n  every: 30m\n  agencies: industry\n",
            ":3: federal_register.agencies: Input should be a valid list",
        ),
        (
            "federal_register:\n  base_url: x\n  evry: 1h\n",
            ":3: federal_register.evry: unknown key",
        ),
        (
            "federal_register:\n  every: soon\n",
            ":2: federal_register.every: expected a duration such as 30m, 1h or 1d, got 'soon'",
        ),
        (
            "federal_register:\n  every: 1h\n  cron: '0 * * * *'\n",
            ":1: federal_register: give either `every` or `cron`, not both",
        ),
        (
            "federal_register:\n  cfr: 'part 744'\n",
            ':2: federal_register.cfr: expected a CFR filter such as "15 CFR 744"',
        ),
        (
            "federal_register:\n  document_types: [RULE, MEMO]\n",
            ":2: federal_register.document_types.1:",
        ),
        (
            "federal_register:\n  cron: '61 * * * *'\n",
            ':2: federal_register.cron: expected a crontab line such as "0 6 * * 1-5"',
        ),
        ("http:\n  timeout: -1\n", ":2: http.timeout: Input should be greater than 0"),
        ("fedreg:\n  enabled: true\n", ":1: fedreg: unknown section"),
        ("sources:\n  nosuch:\n    enabled: true\n", ":2: nosuch: unknown source"),
        ("federal_register:\n  every: 1h\n   bad: indent\n", ":3: invalid YAML"),
        ("- just\n- a list\n", "expected a mapping of sections"),
    ],
)
def test_bad_files_name_the_line_and_key(tmp_path, text, expected):
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as info:
        load_config(str(path))
    assert str(path) in str(info.value)
    assert expected in str(info.value)


def test_every_problem_is_reported_at_once(tmp_path):
    path = write(tmp_path, "federal_register:\n  every: soon\nhttp:\n  retries: many\nfoo: 1\n")
    with pytest.raises(ConfigError) as info:
        load_config(str(path))
    assert len(str(info.value).splitlines()) == 3


def test_bad_config_exits_2(cli, tmp_path):
    write(tmp_path, "federal_register:\n  evry: 1h\n")
    result = cli("poll")
    assert result.code == 2
    assert "sources.yaml:2: federal_register.evry: unknown key" in result.stderr


def test_missing_explicit_config_exits_2(cli, tmp_path):
    result = cli("--config", str(tmp_path / "nope.yaml"), "poll")
    assert result.code == 2 and "nope.yaml: configuration file not found" in result.stderr


def test_unknown_source_name_exits_2(cli):
    result = cli("poll", "federal_registr")
    assert result.code == 2
    assert "unknown source 'federal_registr'; known sources: " in result.stderr
    assert "federal_register" in result.stderr


@pytest.mark.parametrize("since", ["2024-13-01", "yesterday", "2024/01/01"])
def test_bad_since_date_exits_2(cli, since):
    cli("init")
    result = cli("events", "--since", since)
    assert result.code == 2
    assert "YYYY-MM-DD" in result.stderr


def test_bad_kind_exits_2(cli):
    cli("init")
    result = cli("events", "--kind", "entity.addded")
    assert result.code == 2 and "entity.added" in result.stderr


def test_reading_commands_on_a_missing_database_say_run_init(cli):
    result = cli("events")
    assert result.code == 2 and "regwatch init" in result.stderr


def test_bad_database_url_exits_2(cli):
    result = cli("--db", "mysql://x/y", "events")
    assert result.code == 2 and "unsupported database" in result.stderr
