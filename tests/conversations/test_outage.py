"""SQLite that cannot be written for a while (another program holds the file's write lock longer
than the bot waits for it; a read-only or full disk is said the same way): the member is told
the database does not answer and that nothing was done, not that the bot failed; nothing is
half-written; the same command works once the file is free, with no restart."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from sqlalchemy.engine import Connection

from tests.chat import Chat
from tests.conversations.test_signups import open_live, statuses


def wait_briefly(conn: Connection) -> None:
    """The bot waits 5 s for a lock (`busy_timeout`); here a tenth of that keeps the test short."""
    conn.exec_driver_sql("PRAGMA busy_timeout=500")


async def test_a_locked_sqlite_file_is_said_then_the_same_command_works(
    community: Chat, tmp_path: Path
) -> None:
    await open_live(community)
    await community.store.run_sync(wait_briefly)
    other = sqlite3.connect(tmp_path / "test.sqlite3", isolation_level=None)
    try:
        other.execute("BEGIN IMMEDIATE")  # another program writes, and takes its time
        said = await community.as_("bob").says("/participer 1")
        assert not said.ok and said.key == "error.store_unavailable", said.text
        assert said.text.startswith("La base de données ne répond pas"), said.text
        other.execute("ROLLBACK")
    finally:
        other.close()
    assert await statuses(community) == {}  # nothing half-written
    said = await community.as_("bob").says("/participer 1")
    assert said.ok and said.key == "signup.confirmed", said.text


async def test_a_guided_forms_last_answer_while_the_file_is_locked_is_kept(
    community: Chat, tmp_path: Path
) -> None:
    """The form waits in the database: the answer that could not be handled is typed again
    and finishes it (before, the form was gone and the answer was not one)."""
    await open_live(community)
    bob = community.as_("bob")
    for line in ("/question", "1", "Comment débuter ?"):
        said = await bob.says(line)
        assert said.key.startswith("guide."), (line, said.text)
    await community.store.run_sync(wait_briefly)
    other = sqlite3.connect(tmp_path / "test.sqlite3", isolation_level=None)
    try:
        other.execute("BEGIN IMMEDIATE")
        said = await bob.says("-")  # the last, optional field: anonymous or not
        assert said.key == "error.store_unavailable", said.text
        other.execute("ROLLBACK")
    finally:
        other.close()
    said = await bob.says("-")
    assert said.ok and said.key.startswith("question.received"), said.text
    said = await bob.says("-")  # done: nothing waits any more
    assert not said.ok and not said.key.startswith("question."), said.text
