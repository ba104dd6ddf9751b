"""Which driver errors are an outage (StoreUnavailable, and its kind as `/healthz` shows it) and
which are not: each raised for real by the driver, never built by hand."""

from __future__ import annotations

import asyncio
import socket
import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.exc import IntegrityError

from bot.core.ports import StoreUnavailable, UnitOfWork
from bot.storage.database import PING_AFTER_IDLE, open_store
from bot.storage.outage import kind_of, outages_said
from tests.fakes.cut import CutDatabase, cut_database

__all__ = ["cut_database"]  # the fixture


def raised(work: object) -> BaseException:
    try:
        work()  # type: ignore[operator]
    except Exception as error:
        return error
    raise AssertionError("nothing was raised")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_a_read_only_sqlite_file_is_an_outage(tmp_path: Path) -> None:
    path = tmp_path / "x.sqlite3"
    sqlite3.connect(path).execute("CREATE TABLE t (a)").connection.commit()
    engine = create_engine(f"sqlite:///file:{path}?mode=ro&uri=true")

    def write() -> None:
        with engine.begin() as conn:
            conn.execute(text("INSERT INTO t VALUES (1)"))

    assert kind_of(raised(write)) == "read-only"


def test_a_locked_sqlite_file_is_an_outage(tmp_path: Path) -> None:
    path = tmp_path / "x.sqlite3"
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("CREATE TABLE t (a)")
    holder.execute("BEGIN IMMEDIATE")
    try:
        engine = create_engine(f"sqlite:///{path}", connect_args={"timeout": 0.05})

        def write() -> None:
            with engine.begin() as conn:
                conn.execute(text("INSERT INTO t VALUES (1)"))

        assert kind_of(raised(write)) == "locked by another program"
    finally:
        holder.close()


def test_a_missing_folder_is_an_outage() -> None:
    engine = create_engine("sqlite:////proc/no-such-folder/x.sqlite3")
    assert kind_of(raised(engine.connect)) == "cannot open the file"


async def test_a_refused_postgresql_connection_is_an_outage() -> None:
    pytest.importorskip("asyncpg", reason="the asyncpg driver is not installed")
    from sqlalchemy.ext.asyncio import create_async_engine

    engine = create_async_engine(f"postgresql+asyncpg://u:p@127.0.0.1:{free_port()}/x")
    try:
        with pytest.raises(StoreUnavailable) as said:
            with outages_said():
                async with engine.connect():
                    pass
    finally:
        await engine.dispose()
    assert said.value.kind == "unreachable (ConnectionRefusedError)"
    assert "p@" not in str(said.value)  # nothing of the URL


def test_a_constraint_is_no_outage(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite:///{tmp_path / 'x.sqlite3'}")
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE t (a UNIQUE)"))
        conn.execute(text("INSERT INTO t VALUES (1)"))

    def again() -> None:
        with engine.begin() as conn:
            conn.execute(text("INSERT INTO t VALUES (1)"))

    error = raised(again)
    assert isinstance(error, IntegrityError) and kind_of(error) is None
    with pytest.raises(IntegrityError), outages_said():
        again()


async def test_the_first_unit_after_an_idle_outage_finds_a_live_connection(
    cut_database: CutDatabase,
) -> None:
    """The pool's connections died while the bot had nothing to do (a server restart at
    night): the first unit after is not failed on a dead pooled connection."""
    store = await open_store(cut_database.url)
    try:

        async def one(uow: UnitOfWork) -> int:
            return int(await uow.connection.scalar(text("SELECT 1")))  # type: ignore[attr-defined]

        assert await store.run(one) == 1
        await cut_database.proxy.cut()
        await asyncio.sleep(PING_AFTER_IDLE + 0.2)  # nothing asked meanwhile
        await cut_database.proxy.restore()
        assert await store.run(one) == 1
    finally:
        await store.close()
