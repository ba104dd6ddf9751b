"""The limiter against fakes that enforce the limits strictly: no send ever earns a 429.

These take real time (the limits are in seconds); the slow limits run on a scaled clock
(`LimitProfile.scaled` and the fake's `time_scale` alike) to keep each test within a few seconds.
"""

from __future__ import annotations

import asyncio
import itertools
from dataclasses import replace

from bot.adapters.limits import DISCORD, TELEGRAM, RateLimitedPlatform
from bot.core.messages import Destination, OutMessage, SendResult, Text
from tests.fakes.limited import StrictDiscord, StrictTelegram

MESSAGE = OutMessage(Text("fr", "signup.promoted", {"id": 1, "title": "Bench"}))


def private(chat: int | str) -> Destination:
    return Destination("telegram", str(chat), True)


async def send_all(platform: RateLimitedPlatform, dests: list[Destination]) -> list[SendResult]:
    return await asyncio.gather(
        *(platform.send(dest, MESSAGE, key=f"k{i}") for i, dest in enumerate(dests))
    )


async def test_many_private_chats_at_once_get_no_429() -> None:
    fake = StrictTelegram()
    limited = RateLimitedPlatform(fake, TELEGRAM)
    results = await send_all(limited, [private(1000 + i) for i in range(120)])
    assert fake.rate_limited == 0
    assert all(r.delivered for r in results)
    assert sorted(fake.sent_keys()) == sorted(f"k{i}" for i in range(120))
    assert limited.stats().sent == 120
    assert limited.stats().rate_limited == 0


async def test_many_messages_to_one_private_chat_are_spaced() -> None:
    fake = StrictTelegram(time_scale=0.2)
    limited = RateLimitedPlatform(fake, TELEGRAM.scaled(0.2))
    results = await send_all(limited, [private(7)] * 10)
    assert fake.rate_limited == 0
    assert all(r.delivered for r in results)
    assert limited.stats().waits >= 9


async def test_many_messages_to_one_group_respect_the_group_limit() -> None:
    fake = StrictTelegram(time_scale=0.04)
    limited = RateLimitedPlatform(fake, TELEGRAM.scaled(0.04))
    group = Destination("telegram", "-1001234", False)
    results = await send_all(limited, [group] * 25 + [private(i) for i in range(20)])
    assert fake.rate_limited == 0
    assert all(r.delivered for r in results)
    assert len(fake.accepted) == 45


async def test_edits_count_against_the_same_limits() -> None:
    fake = StrictTelegram(time_scale=0.04)
    limited = RateLimitedPlatform(fake, TELEGRAM.scaled(0.04))
    group = Destination("telegram", "-1009", False)
    calls = [limited.send(group, MESSAGE, key=f"s{i}") for i in range(12)]
    calls += [limited.edit(group, "1", MESSAGE, key=f"e{i}") for i in range(12)]
    results = await asyncio.gather(*calls)
    assert fake.rate_limited == 0
    assert all(r.delivered for r in results)
    assert (len(fake.accepted), len(fake.edited)) == (12, 12)


async def test_private_chats_and_a_busy_chat_mixed_with_latency() -> None:
    fake = StrictTelegram(time_scale=0.2, latency=0.05)
    limited = RateLimitedPlatform(fake, TELEGRAM.scaled(0.2))
    dests = [private(i % 40) for i in range(80)] + [private(5)] * 10
    results = await send_all(limited, dests)
    assert fake.rate_limited == 0
    assert all(r.delivered for r in results)


async def test_discord_channels_and_threads_get_no_429() -> None:
    fake = StrictDiscord(time_scale=0.2)
    limited = RateLimitedPlatform(fake, DISCORD.scaled(0.2))
    channel = Destination("discord", "900", False)
    thread = Destination("discord", "900", False, thread_id="901")
    dms = [Destination("discord", str(500 + i), True) for i in range(100)]
    results = await send_all(limited, [channel] * 12 + [thread] * 12 + dms)
    assert fake.rate_limited == 0
    assert all(r.delivered for r in results)


async def test_a_429_pauses_that_chat_and_the_next_send_gets_through() -> None:
    fake = StrictTelegram()
    limited = RateLimitedPlatform(fake, TELEGRAM)
    fake.inject_429("42", retry_after=0.3)
    first = await limited.send(private(42), MESSAGE, key="a")
    assert first == SendResult(False, retry_after=0.3, reason="chat")  # returned as is
    # The fake keeps answering 429 to that chat until retry_after is over: no new 429 means the
    # limiter waited; other chats were not held back meanwhile.
    again, other = await asyncio.gather(
        limited.send(private(42), MESSAGE, key="a"), limited.send(private(43), MESSAGE, key="b")
    )
    assert again.delivered and other.delivered
    assert fake.rate_limited == 1
    assert limited.stats().rate_limited == 1
    assert fake.accepted[0].key == "b"


async def test_a_global_429_pauses_every_chat() -> None:
    fake = StrictTelegram()
    limited = RateLimitedPlatform(fake, TELEGRAM)
    fake.inject_429(None, retry_after=0.3, reason="global")
    first = await limited.send(private(1), MESSAGE, key="a")
    assert first.retry_after == 0.3 and first.reason == "global"
    results = await send_all(limited, [private(2), private(3), private(4)])
    assert all(r.delivered for r in results)
    assert fake.rate_limited == 1


async def test_transient_failures_pass_through_unchanged() -> None:
    fake = StrictTelegram(time_scale=0.1, fail_rate=0.3, seed=7)
    limited = RateLimitedPlatform(fake, TELEGRAM.scaled(0.1))
    results = await send_all(limited, [private(i) for i in range(60)])
    failed = [r for r in results if not r.delivered]
    assert failed and all(r == SendResult(False, reason="5xx") for r in failed)
    assert len(failed) == fake.failed == limited.stats().failed
    assert limited.stats().sent == len(fake.accepted) == 60 - len(failed)
    assert fake.rate_limited == 0


async def test_idle_chats_are_forgotten() -> None:
    fake = StrictTelegram(time_scale=0.05)
    # Forgotten after a second idle: long enough that thirty sends end before any is forgotten,
    # even on a loaded machine (0.1 s was not, under xdist).
    limited = RateLimitedPlatform(fake, replace(TELEGRAM.scaled(0.05), idle_after=1.0))
    await send_all(limited, [private(i) for i in range(30)])
    assert limited.stats().chats >= 20
    await asyncio.sleep(1.2)
    await limited.send(private(99), MESSAGE, key="late")
    assert limited.stats().chats == 1
    assert fake.rate_limited == 0


async def test_sends_booked_ahead_keep_the_limits_and_get_no_429() -> None:
    """The sender books a slot before it sends (issue 13): a chat's next free time moves one
    chat interval on (a group's: 20 a minute), the platform's one global interval; sends made
    at their booked times all pass, none refused."""
    fake = StrictTelegram(time_scale=0.01)
    limited = RateLimitedPlatform(fake, TELEGRAM.scaled(0.01))
    group = Destination("telegram", "-100", False)
    assert limited.free_in(group) == 0
    delays = [limited.book(group) for _ in range(4)]
    interval = TELEGRAM.scaled(0.01).chat_interval(group)
    assert delays[0] == 0
    for before, after in itertools.pairwise(delays):
        assert abs(after - before - interval) < 0.005, delays  # the loop's clock moved a bit
    # Another chat waits for the platform's spacing only, not for the group's last booking.
    assert limited.free_in(private(7)) < delays[1]

    async def at(delay: float, n: int) -> SendResult:
        await asyncio.sleep(delay)
        return await limited.send(group, MESSAGE, key=f"g{n}")

    results = await asyncio.gather(*(at(delay, n) for n, delay in enumerate(delays)))
    assert all(r.delivered for r in results) and fake.rate_limited == 0


async def test_requests_reaching_the_server_unevenly_get_no_429() -> None:
    """Between the limiter letting a send go and the server counting it lie the event loop's
    turns and the network: under a burst of presses they stretched unevenly (a 429 or two in a
    fan-out of 2,000 reminders). A send's slot is only given back a window after its answer came
    back, when the server has counted it whatever its way there took."""
    # One request in seven takes 4 % of a window longer to arrive than the others (and 30,
    # the window's count, is no multiple of 7: such a request and the 30th after it are
    # counted closer together than they left). 4 429s out of 150 before.
    fake = StrictTelegram(time_scale=0.5, delays=(0.02, 0, 0, 0, 0, 0, 0))
    limited = RateLimitedPlatform(fake, TELEGRAM.scaled(0.5))
    results = await send_all(limited, [private(5000 + i) for i in range(150)])
    assert fake.refusals == []
    assert all(r.delivered for r in results)
    assert limited.stats().sent == 150
