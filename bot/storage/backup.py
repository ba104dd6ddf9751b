"""`solidaire backup`: a copy of a SQLite database taken while the bot runs.

SQLite's online backup API copies the pages under a read transaction, so the copy is one
consistent moment even while the bot writes (WAL mode). The copy is then opened on its own and
checked (`PRAGMA integrity_check`, and the schema revision it holds) before it is called a
backup. It is written beside its final name and renamed only once checked: a failed backup never
leaves a file that looks like one.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
from pathlib import Path

PAGES_A_STEP = 1024  # pages copied per step: the bot's writers get the database between steps


class BackupError(Exception):
    """The copy could not be made or did not check out."""


def backup_sqlite(source: Path, target: Path) -> str:
    """Copies `source` to `target` (which must not exist); returns the schema revision of the
    copy."""
    partial = target.with_name(target.name + ".partial")
    try:
        with contextlib.closing(sqlite3.connect(f"file:{source}?mode=ro", uri=True)) as src:
            with contextlib.closing(sqlite3.connect(partial)) as dst:
                src.backup(dst, pages=PAGES_A_STEP)
                # The copy is one self-contained file: no -wal or -shm beside it to forget.
                dst.execute("PRAGMA journal_mode=DELETE")
        revision = _check(partial)
        os.replace(partial, target)
    except sqlite3.Error as error:
        partial.unlink(missing_ok=True)
        raise BackupError(str(error)) from None
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    return revision


def _check(copy: Path) -> str:
    with contextlib.closing(sqlite3.connect(f"file:{copy}?mode=ro", uri=True)) as conn:
        verdict = conn.execute("PRAGMA integrity_check").fetchone()[0]
        if verdict != "ok":
            raise BackupError(f"the copy is damaged: {verdict}")
        try:
            row = conn.execute("SELECT version_num FROM alembic_version").fetchone()
        except sqlite3.Error:
            raise BackupError("the copy holds no Solidaire schema") from None
    if row is None:
        raise BackupError("the copy holds no Solidaire schema")
    return str(row[0])
