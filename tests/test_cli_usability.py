"""What a newcomer meets first: unknown filter values are errors that say what was meant (CLI
and Python API), tables fit the terminal, CSV is CSV everywhere it is offered."""

from __future__ import annotations

import contextlib
import csv
import datetime
import io
from pathlib import Path

import pytest

import regwatch

SAMPLES = Path(regwatch.__file__).parent / "samples"


@pytest.fixture
def world(cli):
    """Three Federal Register documents, the first CSL snapshot and Acme's watch list."""
    assert cli("init").code == 0
    for args in (
        ("import", "federal_register", SAMPLES / "federal_register" / "documents.json"),
        ("import", "csl", SAMPLES / "csl" / "consolidated-1.json"),
        ("watch", "import", SAMPLES / "watchlist.yaml"),
    ):
        result = cli(*args)
        assert result.code == 0, result
    return cli


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--source", "fr"), "unknown source 'fr'; did you mean 'federal_register'"),
        (("--company", "Acme"), "unknown company 'Acme'; did you mean 'Acme Corp'?"),
        (("--kind", "entity.add"), "unknown event kind 'entity.add'; did you mean 'entity.added'"),
        (("--list", "ELL"), "unknown list 'ELL'; did you mean 'EL'?"),
        (("--country", "Chnia"), "unknown country 'Chnia'; did you mean 'China'"),
        (
            ("--since", "2026-12-01", "--until", "2026-11-01"),
            "the date range is inverted: since 2026-12-01 is after until 2026-11-01",
        ),
    ],
)
def test_an_unknown_filter_value_is_an_error_that_says_what_was_meant(world, args, message):
    result = world("events", *args, "--format", "json")
    assert result.code == 2, result
    assert message in result.stderr
    assert result.stdout == ""


def test_country_names_are_resolved_to_codes(world):
    by_name = world("events", "--country", "China", "--format", "json")
    by_code = world("events", "--country", "cn", "--format", "json")
    assert by_name.code == by_code.code == 0
    assert by_name.json() == by_code.json()
    keys = {e["country"] for e in by_name.json()}
    assert keys == {"CN"} or by_name.json() == []  # the sample's CN events, if any
    assert world("events", "--list", "el", "--format", "json").json()  # list codes any case


def test_the_python_api_checks_the_same_way():
    with pytest.raises(regwatch.ConfigError, match=r"did you mean 'entity\.added'"):
        regwatch.EventQuery(kinds=("entity.add",))
    query = regwatch.EventQuery(kinds="entity.added", countries="China", lists="el")
    assert (query.kinds, query.countries, query.lists) == (("entity.added",), ("CN",), ("EL",))
    with pytest.raises(regwatch.ConfigError, match="inverted"):
        regwatch.EventQuery(since=datetime.date(2026, 2, 1), until=datetime.date(2026, 1, 1))


def test_the_python_api_single_string_kind_queries_the_store(world, tmp_path):
    with regwatch.open_store(f"sqlite:///{tmp_path / 'regwatch.db'}") as store:
        listed = store.events(regwatch.EventQuery(kinds="list.revised"))
        assert {e.event.list_code for e in listed} == {"EL", "MEU", "UVL", "DPL"}
        with pytest.raises(regwatch.ConfigError, match="did you mean 'Acme Corp'"):
            store.events(regwatch.EventQuery(company="acme corp"))
        with pytest.raises(ValueError, match="unknown source 'fr'; did you mean 'federal_reg"):
            store.events(regwatch.EventQuery(sources="fr"))
        assert store.events(regwatch.EventQuery(sources="meti")) == []  # known, nothing yet


@pytest.mark.parametrize("columns", [80, 200])
def test_tables_fit_the_terminal(world, monkeypatch, columns):
    monkeypatch.setenv("COLUMNS", str(columns))
    for args in (("events",), ("matches",), ("sources",), ("watch", "list")):
        result = world(*args)
        assert result.code == 0, (args, result)
        lines = result.stdout.splitlines()
        assert lines, args
        assert max(len(line) for line in lines) <= columns, (args, result.stdout)
    events = world("events").stdout
    if columns == 80:
        assert "…" in events  # titles cut, with a mark
        assert "federal_register" not in events  # the source column gave way to the title
    else:
        assert "…" not in events.split("\n", 2)[2]  # nothing needed cutting
        assert "Additions to the Entity List" in events
    assert "\x1b[" not in events  # no colour codes in a pipe


def test_status_and_errors_are_never_cut(world, monkeypatch):
    """A long error wraps onto more lines rather than losing its end."""
    monkeypatch.setenv("COLUMNS", "80")
    sources = world("sources", "--format", "json").json()
    assert {s["status"] for s in sources} <= {"ok", "never", "disabled", "failing", "stale"}
    from regwatch.cli._output import print_table

    out = io.StringIO()
    long_error = "connection refused by www.federalregister.gov:443 " * 3 + "THE-END"
    with contextlib.redirect_stdout(out):
        print_table(
            [{"name": "federal_register", "status": "failing", "last_error": long_error}],
            [("name", "source"), ("status", "status"), ("last_error", "last error")],
            width=60,
        )
    text = out.getvalue()
    assert "THE-END" in text and "…" not in text
    assert max(len(line) for line in text.splitlines()) <= 60
    assert len(text.splitlines()) > 3  # wrapped


def test_no_color_is_respected_on_a_terminal(monkeypatch):

    from regwatch.cli import _output

    rows = [{"id": 1, "status": "ok"}]
    columns = [("id", "id"), ("status", "status")]
    monkeypatch.setenv("FORCE_COLOR", "1")  # as if on a terminal
    coloured = io.StringIO()
    with contextlib.redirect_stdout(coloured):
        _output.print_table(rows, columns, width=40)
    assert "\x1b[" in coloured.getvalue()
    monkeypatch.setenv("NO_COLOR", "1")
    plain = io.StringIO()
    with contextlib.redirect_stdout(plain):
        _output.print_table(rows, columns, width=40)
    assert "\x1b[" not in plain.getvalue()


def test_limited_listings_say_how_many_there_are(world):
    result = world("events", "--limit", "2")
    assert result.code == 0
    assert result.stdout.rstrip().endswith("2 of 7")
    everything = world("events")
    assert " of " not in everything.stdout.splitlines()[-1]
    matches = world("matches", "--limit", "1")
    assert matches.stdout.rstrip().endswith("1 of 5")
    assert "event title" in matches.stdout


def test_events_csv_carries_what_a_spreadsheet_needs(world):
    result = world("events", "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert len(rows) == 7
    for column in ("url", "detected_at", "effective_on", "published_on", "entity_name",
                   "entity_aliases", "entity_addresses", "key", "citation"):  # fmt: skip
        assert column in rows[0], column
    rule = next(r for r in rows if r["title"].startswith("Additions to the Entity List"))
    assert rule["url"].startswith("http") and rule["detected_at"]
    assert rule["effective_on"]


@pytest.mark.parametrize(
    "args",
    [
        ("events",),
        ("matches",),
        ("watch", "list"),
        ("deliveries",),
        ("screen", "Moskva"),
        ("sources",),
    ],
)
def test_every_csv_is_csv(world, args):
    """Every command that offers --format csv writes CSV: a header and rows of its width."""
    result = world(*args, "--format", "csv")
    assert result.code == 0, result
    rows = list(csv.reader(io.StringIO(result.stdout)))
    assert rows and len({len(r) for r in rows}) == 1  # a header and rows of its width


# -- no hidden dependence on the current folder; options where a user types them ---------------


def test_config_says_what_is_in_use_and_where_it_came_from(cli, tmp_path, monkeypatch):
    monkeypatch.delenv("REGWATCH_DB")
    default = cli("config", "--format", "json").json()
    assert default["database"] == "sqlite:///regwatch.db"
    assert default["database_from"].startswith("the default (no --db, no REGWATCH_DB)")
    assert default["database_file"] == str(tmp_path / "regwatch.db")
    assert default["database_exists"] is False
    assert default["config"] is None and "built-in defaults" in default["config_from"]
    assert default["enabled_sources"] == ["federal_register"]

    (tmp_path / "sources.yaml").write_text("csl:\n  enabled: true\n")
    monkeypatch.setenv("REGWATCH_DB", "postgresql+psycopg://rw:s3cret@db.example/regwatch")
    from_env = cli("config", "--format", "json").json()
    assert from_env["database"] == "postgresql+psycopg://rw:***@db.example/regwatch"
    assert "s3cret" not in str(from_env)
    assert from_env["database_from"] == "the REGWATCH_DB environment variable"
    assert from_env["config"] == str(tmp_path / "sources.yaml")
    assert from_env["config_from"].startswith("./sources.yaml in ")
    assert "csl" in from_env["enabled_sources"]

    other = tmp_path / "other.yaml"
    other.write_text("meti:\n  enabled: true\n")
    given = cli("config", "--db", "x.db", "--config", other, "--format", "json").json()
    assert (given["database"], given["database_from"]) == ("sqlite:///x.db", "the --db option")
    assert (given["config"], given["config_from"]) == (str(other), "the --config option")
    readable = cli("config").stdout
    assert "database:" in readable and "REGWATCH_DB environment variable" in readable


def test_db_and_config_are_accepted_after_the_command_name(cli, tmp_path):
    elsewhere = tmp_path / "elsewhere.db"
    assert cli("init", "--db", elsewhere).code == 0
    assert elsewhere.exists() and not (tmp_path / "regwatch.db").exists()
    assert cli("events", "--limit", "1", f"--db={elsewhere}").code == 0
    bad = tmp_path / "bad.yaml"
    bad.write_text("federal_register:\n  evry: 1h\n")
    result = cli("sources", "--config", bad)
    assert result.code == 2 and "evry" in result.stderr
    from regwatch.cli import hoist_global_options

    assert hoist_global_options(["events", "--q", "x", "--db", "a.db", "--", "--db"]) == [
        "--db", "a.db", "events", "--q", "x", "--", "--db"
    ]  # fmt: skip


def test_dash_h_and_every_help_text_has_examples_and_no_internal_placeholders(cli):
    from regwatch.cli import command

    def walk(cmd, path):
        yield path, cmd
        for name, sub in getattr(cmd, "commands", {}).items():
            yield from walk(sub, [*path, name])

    for path, _ in walk(command(), []):
        result = cli(*path, "-h")
        assert result.code == 0, path
        text = result.stdout
        assert "Examples:" in text, path
        for internal in ("<str>", "<int", "<list", "<path>", "<Path>", "{"):
            assert internal not in text, (path, internal, text)
        assert "DESIGN" not in text and "README" not in text


def test_shell_completion_is_installable_and_completes():
    import os
    import subprocess
    import sys

    run = [sys.executable, "-m", "regwatch"]
    # Typer finds the user's shell among the parent processes; under CI (nohup, no shell
    # above) there is none, so the shell is named, through Typer's own switch for that.
    named = {**os.environ, "_TYPER_COMPLETE_TEST_DISABLE_SHELL_DETECTION": "1"}
    script = subprocess.run(
        [*run, "--show-completion", "bash"], capture_output=True, text=True, check=False,
        env=named,
    )  # fmt: skip
    assert script.returncode == 0 and "_REGWATCH_COMPLETE" in script.stdout
    env = {**os.environ, "_REGWATCH_COMPLETE": "complete_bash", "COMP_CWORD": "1"}
    done = subprocess.run(
        run, env={**env, "COMP_WORDS": "regwatch eve"}, capture_output=True, text=True,
        check=False,
    )  # fmt: skip
    assert done.stdout.split() == ["events"]
    option = subprocess.run(
        run, env={**env, "COMP_WORDS": "regwatch screen --fail", "COMP_CWORD": "2"},
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert option.stdout.split() == ["--fail-on-match"]


def test_quiet_prints_only_errors(world, tmp_path):
    result = world("--quiet", "import", "csl", SAMPLES / "csl" / "consolidated-2.json")
    assert (result.code, result.stdout) == (0, "")
    watch = world("-q", "watch", "import", SAMPLES / "watchlist.yaml")
    assert (watch.code, watch.stdout) == (0, "")
    failed = world("--quiet", "import", "csl", tmp_path / "missing.json")
    assert failed.code == 2 and failed.stderr


def test_the_cli_s_copies_of_the_matcher_s_choices_agree():
    """The CLI writes them out so that its help loads no matcher."""
    from regwatch.cli import _watch
    from regwatch.matching import STATUSES
    from regwatch.matching._analyze import SCHEMAS

    assert (_watch.SCHEMAS, _watch.STATUSES) == (SCHEMAS, STATUSES)


def test_events_loads_no_source_matcher_or_configuration(tmp_path):
    """`regwatch events` imports what it needs: not the sources, matching, digests or the
    configuration (their import is most of a slow start)."""
    import os
    import subprocess
    import sys

    env = {**os.environ, "REGWATCH_DB": f"sqlite:///{tmp_path / 'r.db'}"}
    subprocess.run([sys.executable, "-m", "regwatch", "init"], env=env, check=True,
                   capture_output=True)  # fmt: skip
    code = (
        "import sys; from regwatch.cli import main\n"
        "try:\n    main(['events', '--limit', '10'])\nexcept SystemExit: pass\n"
        "print(sorted(m for m in sys.modules if m.startswith('regwatch.')), file=sys.stderr)"
    )
    run = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                         check=True)  # fmt: skip
    loaded = run.stderr
    for heavy in ("regwatch.sources", "regwatch.matching", "regwatch.digest", "regwatch.config",
                  "regwatch.http", "regwatch.daemon", "regwatch.demo"):  # fmt: skip
        assert f"'{heavy}'" not in loaded, heavy
    version = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "regwatch", "--version"],
        env=env, capture_output=True, text=True, check=True,
    )  # fmt: skip
    assert version.stdout.startswith("regwatch ")
    assert "regwatch.sources" not in version.stderr and "regwatch.store" not in version.stderr
    timed = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "regwatch", "events", "--limit", "10"],
        env=env, capture_output=True, text=True, check=True,
    )  # fmt: skip
    assert " alembic\n" not in timed.stderr  # a current schema is recognised without Alembic


@pytest.mark.parametrize("args", [("show", "1"), ("entity", "Moskva"), ("config",)])
def test_commands_that_print_one_record_do_not_offer_csv(world, args):
    result = world(*args, "--format", "csv")
    assert result.code == 2
    assert "'csv' is not one of 'table', 'json'" in result.stderr
    assert result.stdout == ""
    assert world(*args, "--format", "json").code == 0


def test_the_quick_schema_check_agrees_with_alembic(tmp_path, monkeypatch):
    """Opening a store decides "schema current" without importing Alembic; anything not in
    the plain form hands the decision back to Alembic."""
    import shutil

    from regwatch.store import _migrate

    head = _migrate.head_revision()
    assert _migrate.quick_head() == head
    scripts = tmp_path / "migrations"
    shutil.copytree(_migrate._SCRIPTS, scripts)
    monkeypatch.setattr(_migrate, "_SCRIPTS", scripts)
    (scripts / "versions" / "9999_merge.py").write_text(
        'revision = "9999_merge"\ndown_revision = ("0001_initial", "0002_entities")\n'
    )
    assert _migrate.quick_head() is None  # a merge revision: Alembic decides
    (scripts / "versions" / "9999_merge.py").write_text(
        f'revision = "9999_next"\ndown_revision = "{head}"\n'
    )
    assert _migrate.quick_head() == "9999_next"  # a database at the old head is not current
