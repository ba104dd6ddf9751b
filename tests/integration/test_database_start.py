"""Starting `solidaire` on PostgreSQL, and on a database it cannot open: one clear line, no
traceback, exit status 1 (a settings mistake is 2), nothing written anywhere."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.integration.test_shell_script import SCRIPT, run_shell, section
from tests.postgres import Server, drop_database, fresh_database


def start(folder: Path, url: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.endswith("_TOKEN")}
    env["SOLIDAIRE_DATABASE_URL"] = url
    env["SOLIDAIRE_WEB_LISTEN"] = "off"
    env.pop("SOLIDAIRE_CONFIG", None)
    return subprocess.run(
        [sys.executable, "-m", "bot", "shell"],
        input="/lives\n",
        capture_output=True,
        text=True,
        cwd=folder,
        env=env,
        timeout=60,
        check=False,
    )


def test_the_shell_script_runs_whole_on_postgresql(tmp_path: Path, postgres_server: Server) -> None:
    name = asyncio.run(fresh_database(postgres_server))
    try:
        out = run_shell(tmp_path, SCRIPT, url=postgres_server.url_of(name))
    finally:
        asyncio.run(drop_database(postgres_server, name))
    assert "Live #1 « Initiation à Python »" in section(out, "alice@discord> /schedule")
    assert "liste d’attente" in section(out, "cid@discord> /join 1")
    assert "→ cid: 🎉 Une place s’est libérée" in section(out, "ann@discord> /leave 1")
    assert not list(tmp_path.glob("**/*.sqlite3"))  # nothing fell back to a local file


@pytest.mark.parametrize(
    ("url", "said"),
    [
        (
            "postgresql+asyncpg://solidaire:secret-pw@127.0.0.1:1/solidaire",
            "cannot open the database postgresql+asyncpg://solidaire:***@127.0.0.1:1/solidaire: ",
        ),
        (
            "postgres://solidaire:secret-pw@host.invalid/solidaire",
            "cannot open the database postgresql+asyncpg://solidaire:***@host.invalid/solidaire: ",
        ),
        ("sqlite:////proc/no-such-folder/x.sqlite3", "cannot open the database sqlite:////proc/"),
    ],
)
def test_a_database_that_cannot_be_opened_is_one_clear_line(
    tmp_path: Path, url: str, said: str
) -> None:
    done = start(tmp_path, url)
    assert done.returncode == 1, done.stderr
    assert said in done.stderr
    assert "Traceback" not in done.stderr
    assert "secret-pw" not in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1, done.stderr
    assert list(tmp_path.iterdir()) == []


def test_a_database_the_bot_has_no_driver_for_is_a_settings_error(tmp_path: Path) -> None:
    done = start(tmp_path, "mysql://u:p@db/solidaire")
    assert done.returncode == 2, done.stderr
    assert "SQLite (sqlite:///file) or PostgreSQL" in done.stderr
    assert "Traceback" not in done.stderr
