"""`solidaire backup [path]`: a checked copy of the SQLite database, safe while the bot runs.

For PostgreSQL the database server's own tool does it better (and without this process holding a
connection for the whole copy): the command prints the `pg_dump` line to run and copies nothing,
so it exits non-zero (a cron job that expected a file must not believe it has one).
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import TextIO

from sqlalchemy.engine import URL, make_url

from bot.core.messages import Param, Text
from bot.i18n.catalog import render
from bot.settings import Settings
from bot.storage.backup import BackupError, backup_sqlite
from bot.storage.database import sqlite_file


def pg_dump_line(url: str, path: str | None, now: datetime) -> str:
    """The README's line for this database: the URL without its driver (pg_dump speaks libpq)
    and without its password (pg_dump reads it from ~/.pgpass or PGPASSWORD)."""
    given = make_url(url)
    parsed = URL.create(
        "postgresql",
        username=given.username,
        host=given.host,
        port=given.port,
        database=given.database,
        query=given.query,
    )
    target = path or f"solidaire-{now:%Y-%m-%d}.dump"
    address = parsed.render_as_string(hide_password=False)
    return f"pg_dump --format=custom --file={_quoted(target)} {_quoted(address)}"


def _quoted(text: str) -> str:
    return "'" + text.replace("'", "'\\''") + "'"


def default_target(source: Path, now: datetime) -> Path:
    return source.with_name(f"{source.stem}-backup-{now:%Y%m%d-%H%M%S}{source.suffix}")


def run_backup(settings: Settings, locale: str, path: str | None, out: TextIO, err: TextIO) -> int:
    def t(key: str, **params: Param) -> str:
        return render(Text(locale, key, params))

    now = datetime.now(UTC)
    url = settings.database_url
    if make_url(url).get_backend_name() == "postgresql":
        print(t("backup.postgresql"), file=err)
        print(pg_dump_line(url, path, now), file=out)
        return 1
    file = sqlite_file(url)
    source = Path(file).expanduser() if file else None
    if source is None or not source.is_file():
        print(t("backup.no_database", path=str(source or url)), file=err)
        return 1
    target = Path(path).expanduser() if path else default_target(source, now)
    if target.is_dir():
        target = target / default_target(source, now).name
    if target.exists():
        print(t("backup.exists", path=str(target)), file=err)
        return 1
    try:
        revision = backup_sqlite(source, target)
    except (BackupError, OSError) as error:
        print(t("backup.failed", reason=str(error), path=str(target)), file=err)
        return 1
    size = max(1, round(target.stat().st_size / 1024))
    print(t("backup.done", path=str(target), size=size, revision=revision), file=out)
    return 0
