"""Sign-ups as members live them: /join, /leave, the waitlist in order and its promotions."""

from __future__ import annotations

from bot.domain.model import SignupStatus, UserRef
from tests.chat import Chat, Said

PROMOTED = "Une place s’est libérée"


async def open_live(chat: Chat, capacity: int | None = None) -> None:
    extra = f" capacity={capacity}" if capacity is not None else ""
    said = await chat.as_("olga", "organizer").says(
        f'/schedule title="Cours de cuisine" when="demain 18h"{extra}'
    )
    assert said.ok, said.text


async def join(chat: Chat, name: str, live: int = 1) -> Said:
    """A member joins a little later than the one before (the waitlist is kept in time order)."""
    chat.clock.advance(minutes=1)
    space = "telegram" if name == "tia" else "discord"
    said = await chat.as_(name, space=space).says(f"/join {live}")
    assert said.ok, said.text
    return said


async def leave(chat: Chat, name: str, live: int = 1) -> Said:
    chat.clock.advance(minutes=1)
    said = await chat.as_(name).says(f"/leave {live}")
    assert said.ok and said.key == "signup.left", said.text
    return said


async def statuses(chat: Chat, live: int = 1) -> dict[str, SignupStatus]:
    out: dict[str, SignupStatus] = {}
    async with chat.store.unit() as uow:
        for name in ("bob", "ann", "cid", "dan", "tia", "eve"):
            member = await uow.members.by_ref(UserRef("shell", name))
            signup = await uow.signups.get(live, member.id) if member else None
            if signup is not None:
                out[name] = signup.status
    return out


C, W, X = SignupStatus.CONFIRMED, SignupStatus.WAITLISTED, SignupStatus.CANCELLED


async def test_join_confirms_with_the_date_and_a_second_join_is_refused(community: Chat) -> None:
    await open_live(community)
    said = await join(community, "bob")
    assert said.key == "signup.confirmed"
    assert "tu participes au live #1 « Cours de cuisine »" in said
    assert "lundi 23 novembre 2026 à 18:00 (heure de Paris)" in said
    again = await community.as_("bob").says("/participer #1")
    assert not again.ok and again.key == "signup.already"
    assert await statuses(community) == {"bob": C}


async def test_members_of_both_platforms_share_the_seats(community: Chat) -> None:
    await open_live(community, capacity=1)
    await join(community, "tia")
    said = await join(community, "bob")
    assert said.key == "signup.waitlisted" and "liste d’attente" in said
    assert await statuses(community) == {"tia": C, "bob": W}


async def test_a_freed_seat_goes_to_the_waitlisted_member_who_is_told(community: Chat) -> None:
    await open_live(community, capacity=2)
    assert (await join(community, "bob")).key == "signup.confirmed"
    assert (await join(community, "ann")).key == "signup.confirmed"
    third = await join(community, "cid")
    assert third.key == "signup.waitlisted"
    assert community.inbox("cid") == []
    await leave(community, "bob")
    assert await statuses(community) == {"bob": X, "ann": C, "cid": C}
    (told,) = community.inbox("cid")
    assert PROMOTED in told and "Cours de cuisine" in told
    assert "lundi 23 novembre 2026 à 18:00 (heure de Paris)" in told
    assert community.inbox("ann") == [] and community.inbox("bob") == []


async def test_the_waitlist_is_served_in_order(community: Chat) -> None:
    await open_live(community, capacity=1)
    for name in ("bob", "ann", "cid", "dan"):
        await join(community, name)
    assert await statuses(community) == {"bob": C, "ann": W, "cid": W, "dan": W}
    await leave(community, "bob")
    assert await statuses(community) == {"bob": X, "ann": C, "cid": W, "dan": W}
    await leave(community, "ann")
    assert await statuses(community) == {"bob": X, "ann": X, "cid": C, "dan": W}
    assert [len(community.inbox(n)) for n in ("ann", "cid", "dan")] == [1, 1, 0]


async def test_a_waitlisted_member_leaving_frees_no_seat(community: Chat) -> None:
    await open_live(community, capacity=1)
    for name in ("bob", "ann", "cid"):
        await join(community, name)
    await leave(community, "ann")
    assert await statuses(community) == {"bob": C, "ann": X, "cid": W}
    assert community.inbox("cid") == []


async def test_joining_again_after_leaving_goes_to_the_back_of_the_waitlist(
    community: Chat,
) -> None:
    await open_live(community, capacity=1)
    for name in ("bob", "ann", "cid"):
        await join(community, name)
    await leave(community, "ann")
    assert (await join(community, "ann")).key == "signup.waitlisted"
    await leave(community, "bob")
    assert await statuses(community) == {"bob": X, "ann": W, "cid": C}
    await leave(community, "cid")
    assert (await statuses(community))["ann"] is C


async def test_leaving_twice_or_without_signing_up_is_refused(community: Chat) -> None:
    await open_live(community)
    said = await community.as_("bob").says("/leave 1")
    assert not said.ok and said.key == "signup.not_signed_up"
    await join(community, "bob")
    await leave(community, "bob")
    said = await community.as_("bob").says("/desinscrire 1")
    assert not said.ok and said.key == "signup.not_signed_up"
    assert "Tu ne participes pas au live #1" in said


async def test_raising_capacity_promotes_the_first_waitlisted_and_tells_them(
    community: Chat,
) -> None:
    await open_live(community, capacity=1)
    for name in ("bob", "ann", "cid", "dan"):
        await join(community, name)
    said = await community.as_("olga", "organizer").says("/edit 1 capacity=3")
    assert said.ok and said.key == "live.edited"
    assert await statuses(community) == {"bob": C, "ann": C, "cid": C, "dan": W}
    for name in ("ann", "cid"):
        (told,) = community.inbox(name)
        assert PROMOTED in told
    assert community.inbox("dan") == [] and community.inbox("bob") == []
    shown = await community.as_("dan").says("/live 1")
    assert "complet, 1 en liste d’attente" in shown


async def test_removing_the_limit_promotes_everyone_waiting(community: Chat) -> None:
    await open_live(community, capacity=1)
    for name in ("bob", "ann", "cid"):
        await join(community, name)
    assert (await community.as_("olga", "organizer").says("/edit 1 capacity=100000")).ok
    assert await statuses(community) == {"bob": C, "ann": C, "cid": C}


async def test_capacity_cannot_go_below_the_confirmed_count(community: Chat) -> None:
    await open_live(community, capacity=3)
    for name in ("bob", "ann", "cid", "dan"):
        await join(community, name)
    before = await statuses(community)
    said = await community.as_("olga", "organizer").says('/edit 1 capacity=2 title="Autre titre"')
    assert not said.ok and said.key == "live.capacity_below"
    assert "3 personnes sont déjà inscrites" in said
    async with community.store.unit() as uow:
        live = await uow.lives.get(1)
    assert live is not None and live.capacity == 3 and live.title == "Cours de cuisine"
    assert await statuses(community) == before
    assert all(community.inbox(n) == [] for n in ("bob", "ann", "cid", "dan"))
    assert (await community.as_("olga", "organizer").says("/edit 1 capacity=3")).ok


async def test_the_join_button_signs_up_like_the_command(community: Chat) -> None:
    await open_live(community)
    listed = await community.as_("bob").says("/lives")
    said = await community.as_("bob").presses_label(listed, "Participer")
    assert said.ok and said.key == "signup.confirmed"
    assert await statuses(community) == {"bob": C}


async def test_a_promotion_notice_speaks_the_members_language_and_time(community: Chat) -> None:
    await open_live(community, capacity=1)
    await join(community, "bob")
    assert (await community.as_("ann").says("/settings language=en timezone=Asia/Tokyo")).ok
    await join(community, "ann")
    await leave(community, "bob")
    (told,) = community.inbox("ann")
    assert "A seat freed up" in told
    assert "Tuesday 24 November 2026 at 02:00 (Tokyo time)" in told
