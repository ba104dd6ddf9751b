"""Which failures mean "the database is not there now", said once for every store.

The drivers say it in many ways (measured through a TCP proxy cut between the bot and
PostgreSQL, `tests/integration/test_outage.py`):
- a connection dropped under a statement: SQLAlchemy's `DBAPIError` with `connection_invalidated`
  (asyncpg's "connection was closed in the middle of operation"); a pooled connection that died
  while idle: `InterfaceError` "connection is closed", also invalidated (the pool's pre-ping,
  `database._engine_options`, replaces those before a unit sees them);
- a new connection refused or timing out: the bare `ConnectionRefusedError` / `OSError` /
  `TimeoutError` of the socket, which SQLAlchemy's asyncpg dialect does not wrap;
- the server refusing for now: SQLSTATE class 08 (connection exception), 57P01-57P03 (shutting
  down, crashed, starting), 53300 (too many connections), 53100 (disk full), 25006 (a read-only
  standby: a managed database's failover in progress);
- SQLite: `SQLITE_BUSY`/`SQLITE_LOCKED` once `busy_timeout` has passed (another program holds the
  file), `SQLITE_READONLY`, `SQLITE_CANTOPEN`, `SQLITE_IOERR`, `SQLITE_FULL`.

Anything else (a constraint, a bad statement, a wrong password) is a bug or a settings mistake,
and stays what it is.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from bot.core.ports import StoreUnavailable

_STATES = {
    "57P01": "server shutting down",
    "57P02": "server crashed",
    "57P03": "server starting",
    "53300": "too many connections",
    "53100": "disk full",
    "25006": "read-only (a standby)",
}
_SQLITE = {
    "SQLITE_BUSY": "locked by another program",
    "SQLITE_LOCKED": "locked by another program",
    "SQLITE_READONLY": "read-only",
    "SQLITE_CANTOPEN": "cannot open the file",
    "SQLITE_IOERR": "disk error",
    "SQLITE_FULL": "disk full",
}
_CLOSED = ("connection is closed", "connection was closed")


def kind_of(error: BaseException) -> str | None:
    """The kind of outage `error` is (a short phrase, safe to show), None when it is none."""
    if isinstance(error, StoreUnavailable):
        return error.kind
    if isinstance(error, PoolTimeout):
        return "no free connection"
    if isinstance(error, DBAPIError):
        if error.connection_invalidated:
            return "connection lost"
        if error.orig is not None:
            return kind_of(error.orig)
        return None
    if isinstance(error, TimeoutError):
        return "no answer in time"
    if isinstance(error, OSError):  # refused, reset, unreachable host, DNS
        return f"unreachable ({type(error).__name__})"
    state = getattr(error, "sqlstate", None) or getattr(error, "pgcode", None)
    if isinstance(state, str):
        if state.startswith("08"):
            return "connection lost"
        if state in _STATES:
            return _STATES[state]
    name = getattr(error, "sqlite_errorname", None)
    if isinstance(name, str):
        return _SQLITE.get("_".join(name.split("_")[:2]))  # SQLITE_IOERR_WRITE: SQLITE_IOERR
    if type(error).__name__ == "InterfaceError" and str(error).startswith(_CLOSED):
        return "connection lost"  # asyncpg's own, when SQLAlchemy did not wrap it
    return None


@contextlib.contextmanager
def outages_said() -> Iterator[None]:
    """Around a store's unit: an outage leaves the block as StoreUnavailable (its cause kept),
    anything else as it came."""
    try:
        yield
    except StoreUnavailable:
        raise
    except Exception as error:
        kind = kind_of(error)
        if kind is None:
            raise
        raise StoreUnavailable(kind) from error
