"""Runs the Alembic migrations shipped inside the package, on the application's own engine."""

from __future__ import annotations

import logging
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

log = logging.getLogger(__name__)

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def alembic_config(connection: Connection | None = None) -> Config:
    """A config built in code (no alembic.ini), so an installed wheel can migrate itself."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


async def upgrade_to_head(engine: AsyncEngine) -> None:
    """Migrates inside the running event loop: Alembic runs on a sync view of one connection."""
    async with engine.begin() as conn:
        await conn.run_sync(_upgrade)


def _upgrade(sync_conn: Connection) -> None:
    command.upgrade(alembic_config(sync_conn), "head")
    log.info("database schema at head")


def upgrade_to_head_sync(conn: Connection) -> None:
    """The same, on a plain connection (the threaded SQLite store runs it in its thread)."""
    _upgrade(conn)
