"""The SQL store: one engine, migrated on open, handing out one-transaction units of work."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine

from bot.core.ports import (
    CommunityRepo,
    DeliveryRepo,
    LiveRepo,
    MemberRepo,
    ModerationRepo,
    ProposalRepo,
    QuestionRepo,
    SignupRepo,
    Store,
    UnitOfWork,
)
from bot.storage.communities import SqlCommunityRepo
from bot.storage.deliveries import SqlDeliveryRepo
from bot.storage.lives import SqlLiveRepo
from bot.storage.members import SqlMemberRepo
from bot.storage.migrate import upgrade_to_head
from bot.storage.moderation import SqlModerationRepo
from bot.storage.proposals import SqlProposalRepo
from bot.storage.questions import SqlQuestionRepo
from bot.storage.signups import SqlSignupRepo

log = logging.getLogger(__name__)

SQLITE_PRAGMAS = (
    "PRAGMA journal_mode=WAL",
    "PRAGMA foreign_keys=ON",  # ON DELETE CASCADE / SET NULL rely on it
    "PRAGMA busy_timeout=5000",
    "PRAGMA synchronous=NORMAL",
)


class SqlUnit:
    """Every repository of one unit, all on the same connection and so the same transaction."""

    def __init__(self, conn: AsyncConnection) -> None:
        self.connection = conn
        self.communities: CommunityRepo = SqlCommunityRepo(conn)
        self.members: MemberRepo = SqlMemberRepo(conn)
        self.lives: LiveRepo = SqlLiveRepo(conn)
        self.signups: SignupRepo = SqlSignupRepo(conn)
        self.questions: QuestionRepo = SqlQuestionRepo(conn)
        self.moderation: ModerationRepo = SqlModerationRepo(conn)
        self.proposals: ProposalRepo = SqlProposalRepo(conn)
        self.deliveries: DeliveryRepo = SqlDeliveryRepo(conn)


class SqlStore:
    """Hands out units of work; on SQLite they run one at a time (the file has one writer)."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine
        self._serial = engine.dialect.name == "sqlite"
        self._lock = asyncio.Lock()

    @contextlib.asynccontextmanager
    async def unit(self) -> AsyncIterator[SqlUnit]:
        """One transaction: committed when the block ends, rolled back if it raises."""
        # Group commit would go here: instead of one transaction per unit, queued units could
        # share one connection, each inside a SAVEPOINT (`conn.begin_nested()`), with a single
        # COMMIT for the batch. Callers only see this context manager, so the Protocol stays.
        lock = self._lock if self._serial else contextlib.nullcontext()
        async with lock, self.engine.begin() as conn:
            yield SqlUnit(conn)

    async def close(self) -> None:
        """Closes every pooled connection."""
        await self.engine.dispose()


async def open_store(url: str) -> SqlStore:
    """Connects, migrates the schema to head and returns the store (close it when done)."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        _ensure_folder(parsed.database)
    engine = create_async_engine(url)
    if engine.dialect.name == "sqlite":
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
    try:
        await upgrade_to_head(engine)
    except BaseException:
        await engine.dispose()
        raise
    log.info("store open on %s", parsed.render_as_string(hide_password=True))
    return SqlStore(engine)


def _ensure_folder(database: str | None) -> None:
    """Creates the folder of a SQLite file; memory databases and URIs are left alone."""
    if not database or database == ":memory:" or database.startswith("file:"):
        return
    Path(database).expanduser().parent.mkdir(parents=True, exist_ok=True)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    try:
        for pragma in SQLITE_PRAGMAS:
            cursor.execute(pragma)
    finally:
        cursor.close()


def _conforms(store: SqlStore, unit: SqlUnit) -> tuple[Store, UnitOfWork]:
    """Never called: makes mypy check the store and unit against the Protocols."""
    return store, unit
