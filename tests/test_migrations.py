"""The migrations build exactly the tables the models describe."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlmodel import SQLModel

import regwatch.store._schema  # noqa: F401  (registers the core tables)
from regwatch.store import Store


def _import_all_models():
    # every module that declares tables must be imported for the comparison to see them
    import importlib
    import pkgutil

    import regwatch

    for module in pkgutil.walk_packages(regwatch.__path__, "regwatch."):
        if ".cli" not in module.name and not module.name.endswith("__main__"):
            importlib.import_module(module.name)


def test_migrated_schema_matches_the_models(tmp_path):
    _import_all_models()
    url = f"sqlite:///{tmp_path / 'm.db'}"
    with Store.open(url, create=True) as store, store.engine.connect() as conn:
        context = MigrationContext.configure(
            conn,
            opts={
                "include_name": lambda name, type_, parent: (
                    not (
                        type_ == "table"
                        and (name.startswith("event_fts") or name == "alembic_version")
                    )
                ),
            },
        )
        diff = compare_metadata(context, SQLModel.metadata)
    assert diff == []
