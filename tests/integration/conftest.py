"""A real SQLite file per test, migrated by the same code path the bot uses."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.core.ports import UnitOfWork
from bot.domain.model import Community, Live, LiveStatus, Member, UserRef
from bot.storage.database import SqlStore, open_store

NOW = datetime(2025, 3, 1, 18, 0, tzinfo=UTC)


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "data" / "solidaire.db"


@pytest.fixture(params=["sqlite", "sqlite+aiosqlite"])
async def store(db_path: Path, request: pytest.FixtureRequest) -> AsyncIterator[SqlStore]:
    """Every repository test runs on both stores: the threaded default and the async driver."""
    opened = await open_store(f"{request.param}:///{db_path}")
    try:
        yield opened
    finally:
        await opened.close()


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
