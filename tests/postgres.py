"""A real PostgreSQL for the tests: one fresh database per test, copied from a migrated template.

The server is the system's (`.ci/run` installs and starts it and exports
SOLIDAIRE_TEST_POSTGRES_URL); without the variable the local default below is tried. A role
allowed to CREATE DATABASE is all it needs. Migrating takes a second, copying a template a few
milliseconds, so the migrations run once per session and each test gets `CREATE DATABASE ...
TEMPLATE`. When no server answers, the tests that need it skip saying so, and fail when CI is set:
a CI machine without PostgreSQL would otherwise pass while testing one store less.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import os
import uuid
from collections.abc import AsyncIterator, Coroutine, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from sqlalchemy.engine import URL, make_url

if TYPE_CHECKING:
    from bot.storage.database import SqlStore

LOCAL_DEFAULT = "postgresql+asyncpg://solidaire:solidaire@127.0.0.1:5432/postgres"


@dataclass
class Server:
    """Where to create databases (`admin`), and the migrated template each test copies."""

    admin: URL
    template: str

    def url_of(self, database: str) -> str:
        return self.admin.set(database=database).render_as_string(hide_password=False)


def admin_url() -> URL:
    return make_url(os.environ.get("SOLIDAIRE_TEST_POSTGRES_URL") or LOCAL_DEFAULT)


def _dsn(url: URL, database: str | None = None) -> str:
    """asyncpg's own DSN (no `+asyncpg`), on another database when asked."""
    plain = url.set(drivername="postgresql")
    if database is not None:
        plain = plain.set(database=database)
    return plain.render_as_string(hide_password=False)


async def admin(url: URL, *statements: str) -> None:
    """Runs statements outside a transaction (CREATE/DROP DATABASE refuse one)."""
    import asyncpg  # here: without the driver, the tests that need it say so, the rest run

    conn = await asyncpg.connect(_dsn(url), timeout=5)
    try:
        for statement in statements:
            await conn.execute(statement)
    finally:
        await conn.close()


def unavailable(reason: str) -> None:
    """Skip, naming why; in CI a missing PostgreSQL is a failure, not a skip."""
    message = f"no PostgreSQL for the tests: {reason} (set SOLIDAIRE_TEST_POSTGRES_URL)"
    if os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message)


_server: Server | None = None
_problem: str | None = None


def _run_aside(work: Coroutine[Any, Any, None]) -> None:
    """Runs a coroutine to its end on a loop of its own in another thread: the session's setup
    may be asked for from inside a test's running loop, where asyncio.run refuses."""
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        pool.submit(asyncio.run, work).result()


def server() -> Server:
    """The session's server, its template migrated on first use (skips or fails when missing)."""
    global _server, _problem
    if _server is None and _problem is None:
        url = admin_url()
        template = f"solidaire_tpl_{os.getpid()}_{uuid.uuid4().hex[:6]}"
        try:
            _run_aside(_make_template(url, template))
            _server = Server(url, template)
        except ImportError as error:
            _problem = f"the asyncpg driver is not installed ({error})"
        except _Unreachable as error:
            shown = url.render_as_string(hide_password=True)
            _problem = f"{shown} could not be used ({error})"
        # Anything else (a migration failing on PostgreSQL) is a failure, not a skip.
    if _server is None:
        unavailable(_problem or "unknown")
    assert _server is not None
    return _server


class _Unreachable(Exception):
    """The server did not answer or refused the role: no PostgreSQL for these tests."""


async def _make_template(url: URL, template: str) -> None:
    from bot.storage.database import open_store  # the bot's own migration path

    try:
        await admin(url, f'CREATE DATABASE "{template}"')
    except ImportError:
        raise
    except Exception as error:  # OSError, a timeout, asyncpg's refusals (password, role)
        raise _Unreachable(f"{type(error).__name__}: {error}") from error
    store = await open_store(url.set(database=template).render_as_string(hide_password=False))
    await store.close()


def drop_template() -> None:
    """At the session's end: the template and any database a crashed test left behind."""
    if _server is None:
        return
    _run_aside(admin(_server.admin, f'DROP DATABASE IF EXISTS "{_server.template}" WITH (FORCE)'))


async def fresh_database(srv: Server) -> str:
    """A new database, already at head, and its URL."""
    name = f"solidaire_t_{uuid.uuid4().hex[:12]}"
    await admin(srv.admin, f'CREATE DATABASE "{name}" TEMPLATE "{srv.template}"')
    return name


async def drop_database(srv: Server, name: str) -> None:
    """Drops a test's database, again after a moment if a server process holds it.

    `WITH (FORCE)` must end every other connection to it, and a role without
    pg_signal_backend may not end the server's own (an autovacuum worker on the fresh
    database): the drop then fails with InsufficientPrivilegeError until that worker is done.
    """
    import asyncpg

    for attempt in range(20):
        try:
            await admin(srv.admin, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            return
        except asyncpg.InsufficientPrivilegeError:
            if attempt == 19:
                raise
            await asyncio.sleep(0.25)


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[Server]:
    yield server()
    drop_template()


@pytest.fixture
async def database(postgres_server: Server) -> AsyncIterator[str]:
    """A fresh PostgreSQL database at head, by URL: for whole bots sharing it."""
    name = await fresh_database(postgres_server)
    try:
        yield postgres_server.url_of(name)
    finally:
        await drop_database(postgres_server, name)


@contextlib.asynccontextmanager
async def store_for(
    request: pytest.FixtureRequest, sqlite_path: Path, kind: str | None = None
) -> AsyncIterator[SqlStore]:
    """The store `kind` names (else the parametrized fixture's param): "sqlite" and
    "sqlite+aiosqlite" on `sqlite_path`, "postgresql" on a fresh database of the session's
    server."""
    from bot.storage.database import open_store

    kind = kind or request.param
    if kind != "postgresql":
        opened = await open_store(f"{kind}:///{sqlite_path}")
        try:
            yield opened
        finally:
            await opened.close()
        return
    srv: Server = request.getfixturevalue("postgres_server")
    name = await fresh_database(srv)
    try:
        opened = await open_store(srv.url_of(name))
        try:
            yield opened
        finally:
            await opened.close()
    finally:
        await drop_database(srv, name)
