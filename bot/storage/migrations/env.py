"""Alembic environment: runs on the connection handed over in `config.attributes`."""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine
from sqlalchemy.engine import Connection, make_url

from bot.storage.tables import metadata

config = context.config


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=True,  # SQLite alters tables by copying them
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def _run_online() -> None:
    """The app hands over its own (async-driven) connection; the CLI gets a sync engine."""
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    url = make_url(config.get_main_option("sqlalchemy.url") or "sqlite:///data/solidaire.db")
    engine = create_engine(url.set(drivername=url.get_backend_name()))
    try:
        with engine.begin() as conn:
            _run(conn)
    finally:
        engine.dispose()


if context.is_offline_mode():
    raise SystemExit("offline (--sql) migrations are not supported")
_run_online()
