"""A real SQLite file per test, migrated by the same code path the bot uses."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.core.ports import UnitOfWork
from bot.domain.model import Community, Live, LiveStatus, Member, UserRef
from bot.storage.database import SqlStore
from tests.postgres import store_for

NOW = datetime(2025, 3, 1, 18, 0, tzinfo=UTC)


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "data" / "solidaire.db"


@pytest.fixture(params=["sqlite", "sqlite+aiosqlite", "postgresql"])
async def store(db_path: Path, request: pytest.FixtureRequest) -> AsyncIterator[SqlStore]:
    """Every repository test runs on the three stores: the threaded SQLite default, the async
    SQLite driver and a real PostgreSQL (a fresh database per test, see tests/postgres.py)."""
    async with store_for(request, db_path) as opened:
        yield opened


@pytest.fixture(params=["sqlite", "sqlite+aiosqlite"])
async def sqlite_store(db_path: Path, request: pytest.FixtureRequest) -> AsyncIterator[SqlStore]:
    """The two SQLite stores only, for what only SQLite has (pragmas, its database thread)."""
    async with store_for(request, db_path) as opened:
        yield opened


@pytest.fixture
async def postgres_store(db_path: Path, request: pytest.FixtureRequest) -> AsyncIterator[SqlStore]:
    """PostgreSQL only, for what only a database with several writers does (row locks)."""
    async with store_for(request, db_path, "postgresql") as opened:
        yield opened


async def a_member(uow: UnitOfWork, name: str, platform: str = "telegram") -> Member:
    return await uow.members.upsert(UserRef(platform, f"id-{name}"), name.title(), name, None, NOW)


async def a_community(uow: UnitOfWork, name: str = "Makers") -> Community:
    return await uow.communities.create(name, "en", "Europe/Paris", ("24h", "15m"), False)


async def a_live(
    uow: UnitOfWork,
    community: Community,
    host: Member,
    *,
    starts_in: timedelta = timedelta(days=1),
    duration_min: int = 60,
    capacity: int | None = None,
    tags: tuple[str, ...] = (),
    title: str = "Soldering 101",
    status: LiveStatus = LiveStatus.SCHEDULED,
) -> Live:
    return await uow.lives.create(
        community.id,
        title,
        "Bring a board",
        NOW + starts_in,
        duration_min,
        "https://example.org/room",
        capacity,
        tags,
        status,
        host.id,
        None,
        NOW,
    )
