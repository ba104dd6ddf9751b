"""The shipped migrations build exactly the schema the code expects, on a real SQLite file."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, text
from sqlalchemy.engine import Connection

from bot.storage import tables
from bot.storage.database import SqlStore, open_store
from bot.storage.migrate import MIGRATIONS


def _differences(sync_conn: Connection) -> list[Any]:
    context = MigrationContext.configure(sync_conn, opts={"compare_type": True})
    return list(compare_metadata(context, tables.metadata))


async def test_an_empty_database_is_migrated_to_head_in_a_new_folder(db_path: Path) -> None:
    assert not db_path.parent.exists()
    store = await open_store(f"sqlite+aiosqlite:///{db_path}")
    try:
        version = await store.run_sync(
            lambda c: c.execute(text("SELECT version_num FROM alembic_version")).scalar()
        )
        names = await store.run_sync(lambda c: set(inspect(c).get_table_names()))
        assert version == "0013"
        assert set(tables.metadata.tables) <= names
    finally:
        await store.close()


async def test_the_migrated_schema_matches_the_tables_the_code_uses(store: SqlStore) -> None:
    differences = await store.run_sync(_differences)
    assert differences == []


async def test_opening_again_is_a_no_op(db_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{db_path}"
    await (await open_store(url)).close()
    again = await open_store(url)
    try:
        async with again.unit() as uow:
            assert await uow.communities.get(1) is None
    finally:
        await again.close()


async def test_every_connection_gets_the_sqlite_pragmas(sqlite_store: SqlStore) -> None:
    pragmas = await sqlite_store.run_sync(
        lambda c: {
            name: c.execute(text(f"PRAGMA {name}")).scalar()
            for name in (
                "journal_mode",
                "foreign_keys",
                "busy_timeout",
                "synchronous",
                "temp_store",
            )
        }
    )
    assert pragmas == {
        "journal_mode": "wal",
        "foreign_keys": 1,
        "busy_timeout": 5000,
        "synchronous": 1,
        "temp_store": 2,  # MEMORY: a group commit's savepoints never spill to a file
    }


def test_the_migrations_ship_inside_the_package() -> None:
    assert (MIGRATIONS / "env.py").is_file()
    assert (MIGRATIONS / "script.py.mako").is_file()
    assert (MIGRATIONS / "versions" / "0001_initial.py").is_file()
    assert "bot.storage.tables" not in (MIGRATIONS / "versions" / "0001_initial.py").read_text()
