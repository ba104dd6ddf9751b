"""Two sender processes on one PostgreSQL, one SIGKILLed in the middle of the fan-out: the other
takes over its rows once their leases expire. Every member is reminded; only what the killed
process had in flight may go twice; the survivor never re-sends the other's work while it lives.
"""

from __future__ import annotations

import asyncio
import signal
import time
from collections import Counter
from pathlib import Path

import pytest

from tests.fakes.crash_child import CONCURRENCY
from tests.integration.test_crash import DEADLINE, keys_sent, ledger, owe_a_fan_out, start_child
from tests.postgres import Server, drop_database, fresh_database

RECIPIENTS = 300
KILL_AFTER = 40  # lines the process to be killed has sent (it is then in the middle of its work)
LEASE = "2"  # seconds: the survivor takes over this long after the kill


@pytest.mark.timeout(120)
async def test_two_processes_one_killed_mid_fan_out_every_member_is_reminded(
    tmp_path: Path, postgres_server: Server
) -> None:
    name = await fresh_database(postgres_server)
    url = postgres_server.url_of(name)
    logs = {who: tmp_path / f"sent-{who}.log" for who in ("a", "b")}
    try:
        owed = await owe_a_fan_out(url, RECIPIENTS)
        a = start_child(url, logs["a"], "proc-a", LEASE)
        b = start_child(url, logs["b"], "proc-b", LEASE)
        try:
            deadline = time.monotonic() + DEADLINE
            while len(keys_sent(logs["a"])) < KILL_AFTER:
                assert a.poll() is None and b.poll() is None, "a child ended before the kill"
                assert time.monotonic() < deadline, "the children sent nothing for a minute"
                await asyncio.sleep(0.002)
            a.send_signal(signal.SIGKILL)
            a.wait(timeout=10)
            assert b.wait(timeout=DEADLINE) == 0, b.stderr.read().decode() if b.stderr else ""
        finally:
            for child in (a, b):
                if child.poll() is None:
                    child.kill()
                child.wait(timeout=10)
        assert a.returncode == -signal.SIGKILL
        by_a, by_b = keys_sent(logs["a"]), keys_sent(logs["b"])
        assert by_a and by_b, "both processes sent part of the fan-out"
        sent = Counter(by_a + by_b)
        assert set(sent) == set(owed)  # every member reminded
        doubled = [key for key, times in sent.items() if times > 1]
        assert len(doubled) <= CONCURRENCY, doubled  # only what `a` had in flight
        assert all(key in by_a for key in doubled)  # and each doubled by the survivor
        assert len(by_a) < RECIPIENTS  # the kill landed mid fan-out
        assert await ledger(url) == Counter({"sent": RECIPIENTS})
    finally:
        await drop_database(postgres_server, name)
