"""`solidaire backup` and the start's refusals, run as the operator runs them (a subprocess): a
checked copy of the SQLite database even while another connection is writing to it, never over
an existing file; the pg_dump line for PostgreSQL (without the password); a wrong or
unreachable database stops the start with one message, not a traceback."""

from __future__ import annotations

import contextlib
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest


def solidaire(
    folder: Path, *args: str, stdin: str = "", **env: str
) -> subprocess.CompletedProcess[str]:
    environ = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("TELEGRAM_", "DISCORD_", "SOLIDAIRE_"))
    }
    environ |= {
        "SOLIDAIRE_DATABASE_URL": f"sqlite:///{folder / 'data' / 'bot.sqlite3'}",
        "SOLIDAIRE_WEB_LISTEN": "off",
        **env,
    }
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        input=stdin, capture_output=True, text=True, cwd=folder, env=environ, timeout=120,
        check=False,
    )  # fmt: skip


@pytest.fixture
def database(tmp_path: Path) -> Path:
    """A bot's database with a live in it, made through the shell."""
    script = '/schedule title="Atelier vélo" when="demain 18h" capacity=5\n'
    done = solidaire(tmp_path, "shell", stdin=script)
    assert done.returncode == 0, done.stderr
    assert "C’est noté ! Live #1 « Atelier vélo »" in done.stdout, done.stdout
    return tmp_path / "data" / "bot.sqlite3"


def titles(path: Path) -> list[str]:
    with contextlib.closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as conn:
        return [row[0] for row in conn.execute("SELECT title FROM lives ORDER BY id")]


def test_a_backup_is_a_checked_copy_taken_while_another_connection_writes(
    tmp_path: Path, database: Path
) -> None:
    writer = sqlite3.connect(database, isolation_level=None)
    try:
        writer.execute("BEGIN IMMEDIATE")  # a write under way, not committed: not in the copy
        writer.execute("UPDATE lives SET title = 'half-written'")
        done = solidaire(tmp_path, "backup", str(tmp_path / "copy.sqlite3"))
    finally:
        writer.execute("ROLLBACK")
        writer.close()
    assert done.returncode == 0, done.stderr
    copy = tmp_path / "copy.sqlite3"
    assert done.stdout.startswith(f"Sauvegarde écrite dans {copy} ("), done.stdout
    assert "relue et vérifiée (schéma 0" in done.stdout
    assert titles(copy) == ["Atelier vélo"]
    # One self-contained file: nothing beside it, no leftover of the copy under way.
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith("copy")) == [
        "copy.sqlite3"
    ]


def test_a_backup_never_overwrites_and_defaults_beside_the_database(
    tmp_path: Path, database: Path
) -> None:
    target = tmp_path / "taken.sqlite3"
    target.write_text("precious")
    done = solidaire(tmp_path, "backup", "--lang", "en", str(target))
    assert done.returncode == 1
    assert done.stderr.strip() == (
        f"{target} exists already: choose another path (a backup never overwrites another)."
    )
    assert target.read_text() == "precious"
    done = solidaire(tmp_path, "backup", "--lang", "en")
    assert done.returncode == 0, done.stderr
    made = [p for p in database.parent.iterdir() if p.name.startswith("bot-backup-")]
    assert len(made) == 1, made
    assert titles(made[0]) == ["Atelier vélo"]


def test_no_database_to_back_up(tmp_path: Path) -> None:
    done = solidaire(tmp_path, "backup", "--lang", "en")
    assert done.returncode == 1
    assert "No database to back up" in done.stderr
    assert "Traceback" not in done.stderr


def test_for_postgresql_the_pg_dump_line_without_the_password(tmp_path: Path) -> None:
    url = "postgresql+asyncpg://solidaire:s3cret@db.internal:5432/solidaire"
    done = solidaire(tmp_path, "backup", "/backups/sol.dump", SOLIDAIRE_DATABASE_URL=url)
    assert done.returncode == 1  # nothing was copied: a cron job must not believe otherwise
    assert done.stdout.strip() == (
        "pg_dump --format=custom --file='/backups/sol.dump'"
        " 'postgresql://solidaire@db.internal:5432/solidaire'"
    )
    assert "rien n’a été sauvegardé" in done.stderr
    assert "s3cret" not in done.stdout + done.stderr


@pytest.mark.parametrize(
    "url",
    # (a scheme no store reads, `nosuchdb://`, is refused earlier with the settings: exit 2,
    # tests/integration/test_database_start.py)
    ["postgresql+asyncpg://bot:pa55word@127.0.0.1:9/solidaire", "sqlite:////proc/nowhere/x.db"],
)
def test_a_database_that_cannot_be_opened_stops_the_start_with_one_message(
    tmp_path: Path, url: str
) -> None:
    done = solidaire(tmp_path, SOLIDAIRE_DATABASE_URL=url, TELEGRAM_TOKEN="123:not-used")
    assert done.returncode == 1, done.stderr
    said = [line for line in done.stderr.splitlines() if line.startswith("solidaire:")]
    assert len(said) == 1, done.stderr
    assert said[0].startswith("solidaire: cannot open the database "), said
    assert said[0].endswith(
        "check SOLIDAIRE_DATABASE_URL (or [database] url), and that the database server is running"
    )
    assert "Traceback" not in done.stderr
    assert "pa55word" not in done.stderr
