"""The layers point down: a module never imports one of a higher layer (nor a peer it must not
know).  Checked on the source with the standard library's parser, so that a wrong import fails
here, whatever the import order at run time.  Run ``pytest tests/test_layers.py`` after moving
code between modules."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parent.parent / "src" / "regwatch"

#: every top-level module or package of regwatch, by layer, lowest first
LAYERS: list[set[str]] = [
    {"exceptions", "_version", "_terminal", "_masking", "_hosts"},
    {"model", "keys", "timeutil", "_entity_names", "japanese", "logs", "yamlfile", "events"}
    | {"_httpio", "_bounds"},
    {"_countries", "_suggest", "_dburl"},
    {"alerts", "_extraction"},
    {"http", "store", "sources"},
    {
        "matching",
        "digest",
        "entities",
        "health",
        "ops",
        "_entity_history",
        "schedule",
        "reconcile",
        "audit",
    },
    {"config", "pipeline"},
    {"daemon", "_docs", "reprocess", "web"},
    {"cli", "demo", "__main__", "__init__"},
]
#: peers of one layer that must not import each other: (importer, imported)
FORBIDDEN_PEERS = {
    ("sources", "store"),
    ("store", "sources"),
    ("store", "http"),
    ("http", "store"),
    ("http", "sources"),
    ("matching", "digest"),
}


def layer_of(component: str) -> int:
    for index, names in enumerate(LAYERS):
        if component in names:
            return index
    raise AssertionError(f"regwatch.{component} is in no layer: add it to LAYERS")


def component(path: Path) -> str:
    return path.relative_to(SRC).parts[0].removesuffix(".py")


def imported_components(path: Path) -> set[tuple[str, int]]:
    """``(component, line)`` of every regwatch module ``path`` imports."""
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    package = path.relative_to(SRC.parent).with_suffix("").parts
    package = package[:-1]  # the package a relative import starts from
    out = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - (node.level - 1)]
                parts = [*base, *(node.module.split(".") if node.module else [])]
                if not node.module:  # from . import a, b
                    for alias in node.names:
                        full = [*parts, alias.name]
                        if len(full) > 1:
                            out.add((full[1], node.lineno))
                    continue
            else:
                parts = (node.module or "").split(".")
            if parts[0] == "regwatch" and len(parts) > 1:
                out.add((parts[1], node.lineno))
        elif isinstance(node, ast.Import):
            for alias in node.names:
                parts = alias.name.split(".")
                if parts[0] == "regwatch" and len(parts) > 1:
                    out.add((parts[1], node.lineno))
    return out


def violations(root: Path = SRC) -> list[str]:
    found = []
    for path in sorted(root.rglob("*.py")):
        if "migrations" in path.parts:
            continue
        mine = component(path)
        for other, line in sorted(imported_components(path)):
            if other == mine:
                continue
            if layer_of(other) > layer_of(mine) or (mine, other) in FORBIDDEN_PEERS:
                found.append(f"{path.relative_to(SRC.parent)}:{line}: {mine} imports {other}")
    return found


def test_no_module_imports_a_higher_layer():
    assert violations() == []


def test_the_checker_catches_a_wrong_import(tmp_path, monkeypatch):
    fake = tmp_path / "regwatch"
    (fake / "sources").mkdir(parents=True)
    (fake / "sources" / "bad.py").write_text(
        "from ..store import Store\nfrom ..model import Payload\n"
    )
    (fake / "model.py").write_text("from .cli import app\n")
    monkeypatch.setattr(sys.modules[__name__], "SRC", fake)
    assert violations(fake) == [
        "regwatch/model.py:1: model imports cli",
        "regwatch/sources/bad.py:1: sources imports store",
    ]


#: the store owns SQL: only its modules import these
SQL_PACKAGES = ("sqlalchemy", "sqlmodel")


def sql_imports(root: Path = SRC) -> list[str]:
    """``path:line: imports package`` for every import of SQLAlchemy or SQLModel outside
    ``store/`` (lazy imports inside functions included)."""
    found = []
    for path in sorted(root.rglob("*.py")):
        if component(path) == "store":
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and not node.level:
                names = [node.module or ""]
            else:
                continue
            for name in names:
                if name.split(".")[0] in SQL_PACKAGES:
                    where = path.relative_to(root.parent)
                    found.append(f"{where}:{node.lineno}: imports {name}")
    return found


def test_only_the_store_imports_sqlalchemy_or_sqlmodel():
    assert sql_imports() == []


def test_the_sql_checker_catches_an_import_outside_the_store(tmp_path, monkeypatch):
    fake = tmp_path / "regwatch"
    (fake / "matching").mkdir(parents=True)
    (fake / "store").mkdir()
    (fake / "matching" / "bad.py").write_text(
        "from ..store import Store\n"
        "from sqlalchemy import select\n"
        "def later():\n"
        "    import sqlmodel.sql\n"
    )
    (fake / "store" / "fine.py").write_text("from sqlalchemy import select\nimport sqlmodel\n")
    (fake / "cli.py").write_text("import sqlalchemy.exc as errors\n")
    monkeypatch.setattr(sys.modules[__name__], "SRC", fake)
    assert sql_imports(fake) == [
        "regwatch/cli.py:1: imports sqlalchemy.exc",
        "regwatch/matching/bad.py:2: imports sqlalchemy",
        "regwatch/matching/bad.py:4: imports sqlmodel.sql",
    ]


@pytest.mark.parametrize(
    ("module", "absent"),
    [
        ("regwatch.model", "sqlalchemy"),
        ("regwatch.model", "regwatch.store"),
        ("regwatch", "sqlalchemy"),
        ("regwatch.events", "pydantic"),
    ],
)
def test_the_bottom_layer_loads_no_database_code(module, absent):
    code = (
        f"import sys, {module}; "
        f"print(any(m == {absent!r} or m.startswith({absent!r} + '.') for m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
