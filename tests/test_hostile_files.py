"""Bad files and databases end in one clear line and exit status 2, never a traceback:
damaged spreadsheets, absurdly nested JSON, foreign, truncated, newer, read-only or locked
databases, and addresses that could never be sent to."""

from __future__ import annotations

import io
import json
import os
import sqlite3
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

import pytest

from regwatch.store import Store

# -- input files ----------------------------------------------------------------------------------


def test_a_damaged_xlsx_sheet_is_a_clear_error(cli, tmp_path):
    import openpyxl

    book = openpyxl.Workbook()
    book.active.append(["No.", "国名、地域名", "企業名、組織名", "別名", "懸念区分", "通常兵器"])
    book.active.append([1, "中国 China", "X Co", "", "N", ""])
    buffer = io.BytesIO()
    book.save(buffer)
    damaged = io.BytesIO()
    with zipfile.ZipFile(buffer) as good, zipfile.ZipFile(damaged, "w") as bad:
        for item in good.infolist():
            data = good.read(item)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = data[: len(data) // 2]  # the sheet's XML cut in the middle
            bad.writestr(item, data)
    (tmp_path / "eul_20250929.xlsx").write_bytes(damaged.getvalue())
    result = cli("import", "meti_eul", "eul_20250929.xlsx")
    assert result.code == 2, result
    assert "eul_20250929.xlsx sheet 'Sheet': not a readable worksheet" in result.stderr
    assert "Traceback" not in result.stderr


def test_deeply_nested_json_to_import_is_a_clear_error(cli, tmp_path):
    (tmp_path / "deep.json").write_text("[" * 200_000 + "]" * 200_000)
    result = cli("import", "federal_register", "deep.json")
    assert result.code == 2, result
    assert "deep.json: JSON nested too deeply" in result.stderr


def test_watch_list_addresses_that_could_never_be_sent_to_are_refused(cli, tmp_path):
    bad = ["a\x00b@acme.example", "a@acme.example, b@acme.example", "a\x1b[2J@acme.example",
           "Name <a@acme.example>", "a@acme.example\r\nBcc: x@evil.example"]  # fmt: skip
    for index, address in enumerate(bad):
        path = tmp_path / f"w{index}.yaml"
        path.write_text(
            "company: Acme\nrecipients:\n  - email: " + json.dumps(address) + "\n"
            "watch:\n  keywords: [x]\n"
        )
        result = cli("watch", "import", path.name)
        assert result.code == 2, (address, result)
        assert f"{path.name}:3: recipients.0.email: expected one e-mail address" in result.stderr
        assert "\x1b" not in result.stderr and "\x00" not in result.stderr


@pytest.mark.parametrize("address", ["ops@acme.example\r\nBcc: x@evil.example", "a@x, b@y"])
def test_ops_email_is_validated_at_config_load(cli, tmp_path, address):
    (tmp_path / "sources.yaml").write_text("ops:\n  email: " + json.dumps(address) + "\n")
    result = cli("sources")
    assert result.code == 2
    assert "sources.yaml:2: ops.email" in result.stderr


# -- databases ------------------------------------------------------------------------------------


def test_a_file_that_is_not_a_database(cli, tmp_path):
    (tmp_path / "regwatch.db").write_bytes(b"this is a spreadsheet, honest\n" * 200)
    result = cli("events")
    assert result.code == 2, result
    assert "not an SQLite database" in result.stderr and "Traceback" not in result.stderr


def test_a_truncated_database(cli, tmp_path):
    assert cli("init").code == 0
    db = tmp_path / "regwatch.db"
    with sqlite3.connect(db) as conn:  # fold the WAL in, so the file is the whole database
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.write_bytes(db.read_bytes()[: 3 * 4096 + 100])
    result = cli("events")
    assert result.code == 2, result
    assert result.stderr.startswith("error: ") and "Traceback" not in result.stderr


def test_init_refuses_to_add_tables_to_another_programs_database(cli, tmp_path):
    db = tmp_path / "regwatch.db"
    with sqlite3.connect(db) as conn:
        conn.execute("CREATE TABLE invoices (id INTEGER PRIMARY KEY, total REAL)")
    for args in (("init",), ("poll", "federal_register"), ("events",)):
        result = cli(*args)
        assert result.code == 2, (args, result)
        assert "invoices" in result.stderr or "not a regwatch database" in result.stderr
    with sqlite3.connect(db) as conn:
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert tables == {"invoices"}  # nothing was added
    forced = cli("init", "--force")
    assert forced.code == 0 and "created database" in forced.stdout


def test_init_on_a_newer_schema(cli, tmp_path):
    assert cli("init").code == 0
    with sqlite3.connect(tmp_path / "regwatch.db") as conn:
        conn.execute("UPDATE alembic_version SET version_num = '9999_from_the_future'")
    result = cli("init")
    assert result.code == 2, result
    assert "schema 9999_from_the_future, made by a newer regwatch" in result.stderr


def test_a_lock_held_past_the_busy_timeout(cli, tmp_path, monkeypatch):
    import regwatch.store._engine as engine

    monkeypatch.setattr(engine, "BUSY_TIMEOUT_MS", 300)
    assert cli("init").code == 0
    holder = sqlite3.connect(tmp_path / "regwatch.db", isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        (tmp_path / "w.yaml").write_text("company: Acme\nwatch:\n  keywords: [x]\n")
        result = cli("watch", "import", "w.yaml")
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert result.code == 2, result
    assert "the database is locked" in result.stderr and "Traceback" not in result.stderr


@pytest.mark.skipif(os.geteuid() != 0, reason="switches to the nobody user to lose write access")
def test_a_read_only_database_serves_the_read_only_commands():
    folder = Path(tempfile.mkdtemp(prefix="regwatch-ro-"))
    folder.chmod(0o755)  # nobody may enter and read, not write
    db = folder / "regwatch.db"
    env = {**os.environ, "HOME": str(folder), "PYTHONDONTWRITEBYTECODE": "1"}
    env.pop("REGWATCH_CONFIG", None)

    nobody = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"]

    def regwatch(*args, user=False):
        prefix = nobody if user else []
        return subprocess.run(
            [*prefix, sys.executable, "-m", "regwatch", "--db", f"sqlite:///{db}", *args],
            capture_output=True, text=True, timeout=120, cwd=folder, env=env,
        )  # fmt: skip

    reach = subprocess.run(
        [*nobody, sys.executable, "-c", "import regwatch"], capture_output=True, cwd=folder
    )
    if reach.returncode != 0:  # a checkout in a private folder (mktemp -d makes one 0700)
        pytest.skip("the nobody user cannot read this installation of regwatch")
    assert regwatch("init").returncode == 0
    with Store.open(f"sqlite:///{db}") as store:
        store.close()
    db.chmod(0o644)
    for args in (("events", "--format", "json"), ("sources",), ("watch", "list")):
        result = regwatch(*args, user=True)
        assert result.returncode == 0, (args, result.stderr)
    (folder / "w.yaml").write_text("company: Acme\nwatch:\n  keywords: [x]\n")
    (folder / "w.yaml").chmod(0o644)
    write = regwatch("watch", "import", "w.yaml", user=True)
    assert write.returncode == 2
    assert "the database is read-only" in write.stderr and "Traceback" not in write.stderr


def test_a_database_failure_is_described_without_its_sql(tmp_path):
    import sqlalchemy

    from regwatch.store._engine import describe_failure

    engine = sqlalchemy.create_engine(f"sqlite:///{tmp_path / 'x.db'}")
    with engine.begin() as conn:
        conn.exec_driver_sql("CREATE TABLE t (k TEXT PRIMARY KEY)")
        conn.exec_driver_sql("INSERT INTO t VALUES ('secret-title \x1b[2J')")
    with pytest.raises(sqlalchemy.exc.IntegrityError) as caught, engine.begin() as conn:
        conn.execute(sqlalchemy.text("INSERT INTO t VALUES (:k)"), {"k": "secret-title \x1b[2J"})
    engine.dispose()
    assert "INSERT" in str(caught.value)  # what used to be stored and shown
    described = describe_failure(caught.value)
    assert described == "IntegrityError: database error: UNIQUE constraint failed: t.k"
