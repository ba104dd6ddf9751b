"""When Telegram says no: a 429 is waited out and tried again, a 403 marks the member as not
reachable privately and they are mentioned in the group instead."""

from __future__ import annotations

from tests.adapters.telegram.test_first_steps import set_up
from tests.adapters.telegram.world import ANNOUNCE, World


async def test_a_429_on_an_answer_is_waited_out_and_the_answer_arrives_once(world: World) -> None:
    bob = world.people["Bob"]
    await bob.says("/start")
    world.fake.fail_next(
        "sendMessage",
        error_code=429,
        description="Too Many Requests: retry after 1",
        retry_after=1,
        chat_id=bob.id,
    )
    said = await bob.says("/aide")
    assert len(said) == 1 and "/participer" in said[0]["text"]
    to_bob = [c for c in world.fake.calls_of("sendMessage") if c.params["chat_id"] == bob.id]
    assert len(to_bob) == 3  # the /start answer, the refused try, the retry
    assert to_bob[2].at - to_bob[1].at >= 0.9  # retry_after honoured


async def test_a_429_on_an_announcement_is_retried_from_the_ledger(world: World) -> None:
    await set_up(world)
    world.fake.fail_next(
        "sendMessage",
        error_code=429,
        description="Too Many Requests: retry after 1",
        retry_after=1,
        chat_id=ANNOUNCE,
    )
    await world.people["Alice"].says('/planifier title="Atelier vélo" when="2027-01-12 18:30"')
    await world.fake.wait_for(
        lambda: any("Atelier vélo" in m["text"] for m in world.group(ANNOUNCE)), timeout=10
    )
    posts = [m for m in world.group(ANNOUNCE) if "Atelier vélo" in m["text"]]
    assert len(posts) == 1


async def test_a_member_who_blocked_the_bot_is_mentioned_in_the_group_instead(world: World) -> None:
    await set_up(world)
    alice, bob, mia = world.people["Alice"], world.people["Bob"], world.people["Mia"]
    await alice.says('/planifier title="Atelier vélo" when="2027-01-12 18:30" capacity=1')
    await mia.says("/start")
    await mia.says("/participer 1")
    await bob.says("/start")
    await bob.says("/participer 1")  # waitlisted
    world.fake.user_blocks_bot(bob.id)
    await mia.says("/desinscrire 1")  # Bob gets the seat: the promotion notice is refused
    await world.fake.wait_for(
        lambda: any(f"tg://user?id={bob.id}" in m["html"] for m in world.group(ANNOUNCE)),
        timeout=10,
    )
    mention = next(m for m in world.group(ANNOUNCE) if f"tg://user?id={bob.id}" in m["html"])
    assert "Atelier vélo" in mention["text"] and ">Bob</a>" in mention["html"]
    refused = [c for c in world.fake.calls_of("sendMessage") if c.params["chat_id"] == bob.id]
    # Once refused, Bob is not tried privately again: the next notice goes to the group at once.
    await alice.says('/modifier 1 when="2027-01-13 18:30"')
    await world.fake.wait_for(
        lambda: sum(f"tg://user?id={bob.id}" in m["html"] for m in world.group(ANNOUNCE)) == 2,
        timeout=10,
    )
    assert [
        c for c in world.fake.calls_of("sendMessage") if c.params["chat_id"] == bob.id
    ] == refused
