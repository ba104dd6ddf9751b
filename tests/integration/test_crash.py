"""A real sender process killed with SIGKILL in the middle of a fan-out, then started again.

The ledger must lose nothing: every message owed is sent, and sent twice only if it was in
flight when the process died (at most the outbox's concurrency).
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.core.delivery.payloads import dump_message
from bot.core.messages import Destination, OutMessage, Param, Text
from bot.domain.model import LiveStatus
from bot.storage.database import open_store
from tests.fakes.crash_child import CONCURRENCY, PLATFORM
from tests.integration.conftest import a_community, a_member

ROOT = Path(__file__).resolve().parents[2]
CHILD = ROOT / "tests" / "fakes" / "crash_child.py"
RECIPIENTS = 500
KILL_AFTER = 100  # lines in the sent log
DEADLINE = 60.0  # seconds any one wait may take before the test fails


def keys_sent(log: Path) -> list[str]:
    """Complete lines only: a line cut by the kill was not a send the child finished."""
    if not log.exists():
        return []
    text = log.read_text(encoding="utf-8")
    return [line for line in text.split("\n")[:-1] if line]


def start_child(db: Path | str, log: Path, *more: str) -> subprocess.Popen[bytes]:
    """`more`: the process's name and lease length, for several processes on one database."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.Popen(
        [sys.executable, str(CHILD), str(db), str(log), *more],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )


def stop(child: subprocess.Popen[bytes]) -> None:
    if child.poll() is None:
        child.kill()
    child.wait(timeout=10)


def url_of(db: Path | str) -> str:
    return db if isinstance(db, str) else f"sqlite:///{db}"


async def owe_a_fan_out(db: Path | str, recipients: int = RECIPIENTS) -> list[str]:
    """A live starting tomorrow, `recipients` members confirmed, and a reminder to each already
    due, each to their own private chat."""
    now = datetime.now(UTC)
    store = await open_store(url_of(db))
    try:
        async with store.unit() as uow:
            community = await a_community(uow)
            host = await a_member(uow, "olga")
            live = await uow.lives.create(
                community.id,
                "Soldering 101",
                "",
                now + timedelta(days=1),
                60,
                None,
                None,
                (),
                LiveStatus.SCHEDULED,
                host.id,
                None,
                now,
            )
            keys = []
            for i in range(recipients):
                member = await a_member(uow, f"member{i}")
                await uow.signups.join(live.id, member.id, None, now)
                key = f"reminder:live={live.id}:member={member.id}:offset=24h"
                params: dict[str, Param] = {"id": live.id, "title": live.title, "when": "demain"}
                payload = dump_message(OutMessage(Text("fr", "reminder.dm", params)))
                planned = await uow.deliveries.plan(
                    key,
                    "reminder",
                    now - timedelta(minutes=1),
                    Destination(PLATFORM, member.external_id, True),
                    payload,
                    member.id,
                    live.id,
                )
                assert planned
                keys.append(key)
        return keys
    finally:
        await store.close()


async def ledger(db: Path | str) -> Counter[str]:
    store = await open_store(url_of(db))
    try:
        async with store.unit() as uow:
            return Counter(await uow.deliveries.counts())
    finally:
        await store.close()


@pytest.mark.timeout(120)
async def test_a_sender_killed_mid_fan_out_loses_nothing_and_doubles_only_in_flight(
    tmp_path: Path,
) -> None:
    db, log = tmp_path / "solidaire.db", tmp_path / "sent.log"
    owed = await owe_a_fan_out(db)

    first = start_child(db, log)
    try:
        deadline = time.monotonic() + DEADLINE
        while len(keys_sent(log)) < KILL_AFTER:
            assert first.poll() is None, (
                f"the child ended before the kill ({first.returncode}): "
                f"{first.stderr.read().decode() if first.stderr else ''}"
            )
            assert time.monotonic() < deadline, "the child sent nothing for a minute"
            await asyncio.sleep(0.002)
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=10)
    finally:
        stop(first)
    assert first.returncode == -signal.SIGKILL
    before = keys_sent(log)
    assert KILL_AFTER <= len(before) < RECIPIENTS, "the kill did not land mid fan-out"
    half = await ledger(db)
    assert half["sent"] + half["sending"] + half["pending"] == RECIPIENTS
    assert half["pending"] > 0  # some were still owed when it died

    second = start_child(db, log)
    try:
        _, err = second.communicate(timeout=DEADLINE)
    finally:
        stop(second)
    assert second.returncode == 0, err.decode()

    sent = Counter(keys_sent(log))
    assert set(sent) == set(owed), f"lost: {sorted(set(owed) - set(sent))[:5]}"
    doubled = {key: n for key, n in sent.items() if n > 1}
    assert all(n == 2 for n in doubled.values())
    assert len(doubled) <= CONCURRENCY, f"{len(doubled)} sent twice: {sorted(doubled)[:10]}"
    assert await ledger(db) == {"sent": RECIPIENTS}
