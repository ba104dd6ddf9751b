"""A live on air: /golive and its "I'm here" button, /end with summary, replay and ratings."""

from __future__ import annotations

from sqlalchemy import select

from bot.domain.model import LiveStatus, QuestionStatus, UserRef
from bot.storage.tables import ratings
from tests.chat import Chat, Said
from tests.fakes.platform import Sent

REPLAY = "https://replay.exemple.org/1"


async def member_id(chat: Chat, name: str) -> int:
    async with chat.store.unit() as uow:
        member = await uow.members.by_ref(UserRef("shell", name))
    assert member is not None
    return member.id


async def open_live(chat: Chat) -> None:
    """Live #1 by Olga; Bob and Ann signed up, Tia (Telegram) too."""
    said = await chat.as_("olga", "organizer").says(
        '/schedule title="Cours de cuisine" when="demain 18h" link=https://live.exemple.org/1'
    )
    assert said.ok, said.text
    for who in (chat.as_("bob"), chat.as_("ann"), chat.as_("tia", space="telegram")):
        assert (await who.says("/join 1")).ok


async def go_live(chat: Chat) -> None:
    chat.clock.set(chat.clock.now().replace(day=23, hour=17))
    said = await chat.as_("olga", "organizer").says("/golive 1")
    assert said.ok, said.text


def private_to(chat: Chat, name: str) -> list[Sent]:
    return [s for s in chat.platform.sent if s.dest.private and s.dest.chat_id == name]


async def rating_rows(chat: Chat) -> list[tuple[int, int, int]]:
    async with chat.store.unit() as uow:
        result = await uow.connection.execute(  # type: ignore[attr-defined]
            select(ratings.c.live_id, ratings.c.member_id, ratings.c.rating)
        )
        return [tuple(row) for row in result.all()]


async def test_golive_posts_live_now_in_both_spaces_with_an_im_here_button(
    community: Chat,
) -> None:
    await open_live(community)
    await go_live(community)
    async with community.store.unit() as uow:
        live = await uow.lives.get(1)
    assert live is not None and live.status is LiveStatus.LIVE
    for space in ("discord", "telegram"):
        live_now = [s for s in community.platform.sent if s.dest.chat_id == space][-1]
        assert "C’est parti" in live_now.text and "Cours de cuisine" in live_now.text
        assert "https://live.exemple.org/1" in live_now.text
        labels = [(b.label.key, b.action) for row in live_now.message.buttons for b in row]
        assert ("button.here", "h:1") in labels
    again = await community.as_("olga", "organizer").says("/golive 1")
    assert not again.ok and again.key == "golive.not_scheduled"
    assert len(community.posts("discord")) == 2


async def test_only_a_host_of_the_live_goes_live(community: Chat) -> None:
    await open_live(community)
    said = await community.as_("bob").says("/golive 1")
    assert not said.ok and said.key == "error.not_host_of_live"
    async with community.store.unit() as uow:
        live = await uow.lives.get(1)
    assert live is not None and live.status is LiveStatus.SCHEDULED
    assert len(community.posts("telegram")) == 1


async def test_im_here_marks_attendance_once_and_only_while_live(community: Chat) -> None:
    await open_live(community)
    early = await community.as_("bob").presses("h:1")
    assert not early.ok and early.key == "attend.not_live"
    await go_live(community)
    said = await community.as_("bob").presses("h:1")
    assert said.ok and said.key == "attend.done" and "Bienvenue" in said
    again = await community.as_("bob").presses("h:1")
    assert not again.ok and again.key == "attend.already"
    # someone who never signed up may come too
    assert (await community.as_("zoe").presses("h:1")).ok
    bob, zoe, ann = [await member_id(community, n) for n in ("bob", "zoe", "ann")]
    async with community.store.unit() as uow:
        attended = await uow.signups.attended_ids(1)
    assert set(attended) == {bob, zoe} and ann not in attended


async def test_end_posts_a_summary_and_follows_up_attendees_and_no_shows(community: Chat) -> None:
    await open_live(community)
    bob = await member_id(community, "bob")
    async with community.store.unit() as uow:
        await uow.questions.create(
            1, bob, "Comment réussir une pâte ?", False, QuestionStatus.APPROVED, (),
            community.clock.now(),
        )  # fmt: skip
        await uow.questions.create(
            1, bob, "Question refusée", False, QuestionStatus.REJECTED, (), community.clock.now()
        )
    await go_live(community)
    assert (await community.as_("bob").presses("h:1")).ok
    assert (await community.as_("tia", space="telegram").presses("h:1")).ok
    said = await community.as_("olga", "organizer").says(f"/end 1 {REPLAY}")
    assert said.ok and said.key == "end.done"
    assert "1 question approuvée reste sans réponse" in said
    async with community.store.unit() as uow:
        live = await uow.lives.get(1)
    assert live is not None and live.status is LiveStatus.ENDED and live.replay == REPLAY
    for space in ("discord", "telegram"):
        summary = community.posts(space)[-1]
        assert "Le live #1 « Cours de cuisine » est terminé" in summary
        assert "Présences : 2" in summary and REPLAY in summary
        assert "Comment réussir une pâte ?" in summary
        assert "Question refusée" not in summary
    for name in ("bob", "tia"):
        (feedback,) = private_to(community, name)
        assert "Merci d’avoir participé" in feedback.text and REPLAY in feedback.text
        stars = [b.action for row in feedback.message.buttons for b in row]
        assert stars == [f"t:1:{n}" for n in range(1, 6)]
    (replay_only,) = private_to(community, "ann")
    assert "Voici le replay" in replay_only.text and REPLAY in replay_only.text
    assert replay_only.message.buttons == ()
    assert private_to(community, "olga") == []


async def test_end_without_replay_asks_attendees_for_a_rating_and_sends_no_shows_nothing(
    community: Chat,
) -> None:
    await open_live(community)
    await go_live(community)
    assert (await community.as_("bob").presses("h:1")).ok
    said = await community.as_("olga", "organizer").says("/terminer 1")
    assert said.ok
    (feedback,) = private_to(community, "bob")
    assert "replay" not in feedback.text.lower()
    assert len(feedback.message.buttons[0]) == 5
    assert private_to(community, "ann") == []
    summary = community.posts("discord")[-1]
    assert "sans réponse" not in summary


async def test_end_is_refused_before_the_live_and_with_a_bad_replay_link(community: Chat) -> None:
    await open_live(community)
    olga = community.as_("olga", "organizer")
    said = await olga.says(f"/end 1 {REPLAY}")
    assert not said.ok and said.key == "end.not_live"
    await go_live(community)
    said = await olga.says("/end 1 ftp://replay")
    assert not said.ok and said.key == "error.bad_url"
    said = await community.as_("bob").says(f"/end 1 {REPLAY}")
    assert not said.ok and said.key == "error.not_host_of_live"
    async with community.store.unit() as uow:
        live = await uow.lives.get(1)
    assert live is not None and live.status is LiveStatus.LIVE and live.replay is None
    assert private_to(community, "bob") == []


async def test_a_rating_press_is_stored_once_and_refused_before_the_end(community: Chat) -> None:
    await open_live(community)
    await go_live(community)
    assert (await community.as_("bob").presses("h:1")).ok
    early = await community.as_("bob").presses("t:1:5")
    assert not early.ok and early.key == "rate.not_ended"
    assert "On pourra noter le live #1 une fois terminé" in early
    assert await rating_rows(community) == []
    assert (await community.as_("olga", "organizer").says(f"/end 1 {REPLAY}")).ok
    (feedback,) = private_to(community, "bob")
    four = feedback.message.buttons[0][3].action
    assert four == "t:1:4"
    said = await community.as_("bob").presses(four)
    assert said.ok and said.key == "rate.thanks" and "4/5" in said
    bob = await member_id(community, "bob")
    assert await rating_rows(community) == [(1, bob, 4)]
    second = await community.as_("bob").presses("t:1:1")
    assert not second.ok and second.key == "rate.already"
    assert "Tu as déjà noté le live #1" in second
    assert await rating_rows(community) == [(1, bob, 4)]
    bad = await community.as_("bob").presses("t:1:9")
    assert not bad.ok and bad.key == "rate.bad" and "« 9 »" in bad


async def test_the_live_card_shows_the_replay_after_the_end(community: Chat) -> None:
    await open_live(community)
    await go_live(community)
    assert (await community.as_("olga", "organizer").says(f"/end 1 {REPLAY}")).ok
    card = await community.as_("bob").says("/live 1")
    assert card.ok and REPLAY in card and "Terminé" in card
    assert card.buttons() == []


async def test_once_on_air_a_leave_frees_no_seat_for_the_waitlist(community: Chat) -> None:
    olga = community.as_("olga", "organizer")
    said = await olga.says('/schedule title="Cours de cuisine" when="demain 18h" capacity=1')
    assert said.ok, said.text
    assert (await community.as_("bob").says("/join 1")).key == "signup.confirmed"
    assert (await community.as_("ann").says("/join 1")).key == "signup.waitlisted"
    await go_live(community)
    assert (await community.as_("bob").says("/leave 1")).key == "signup.left"
    assert [s.text for s in private_to(community, "ann") if "place" in s.text] == []
    ann_id = await member_id(community, "ann")
    async with community.store.unit() as uow:
        ann = await uow.signups.get(1, ann_id)
        counts = await uow.signups.counts(1)
    assert ann is not None and ann.status.value == "waitlisted"
    assert (counts.confirmed, counts.waitlisted) == (0, 1)


async def test_here_and_present_check_in_while_on_air_only(community: Chat) -> None:
    await open_live(community)
    bob, ann = community.as_("bob"), community.as_("ann")
    early = await bob.says("/present 1")
    assert not early.ok and early.text == "Le live #1 n’est pas en direct en ce moment."
    await go_live(community)
    said = await bob.says("/present 1")
    assert said.ok and said.text == "Bienvenue au live #1 « Cours de cuisine » !"
    assert (await bob.says("/here #1")).key == "attend.already"
    assert (await ann.says("/settings language=en")).ok
    assert (await ann.says("/here 1")).text == "Welcome to live #1 “Cours de cuisine”!"
    assert {await member_id(community, n) for n in ("bob", "ann")} == set(await attended(community))
    shown = (await bob.says("/aide")).text
    assert "/present <live> : " in shown


# -- on air, /live and /lives offer to check in rather than to sign up -------------------------------


def labels_of(said: Said) -> list[str]:
    return [label for label, _ in said.buttons()]


async def test_live_offers_im_here_while_on_air_and_checks_in(community: Chat) -> None:
    await open_live(community)
    bob = community.as_("bob")
    assert labels_of(await bob.says("/live 1")) == ["Me désinscrire", "Poser une question"]
    await go_live(community)
    card = await bob.says("/live 1")
    assert labels_of(card) == ["Je suis là", "Poser une question"]  # no leaving it now
    said = await bob.presses_label(card, "Je suis là")
    assert said.ok and said.key == "attend.done", said.text
    assert labels_of(await bob.says("/live 1")) == ["Poser une question"]  # checked in already
    # as on the "live now" post, someone not signed up may come in too
    assert labels_of(await community.as_("zoe").says("/live 1")) == [
        "Je suis là",
        "Poser une question",
    ]
    assert await member_id(community, "bob") in await attended(community)


async def test_lives_marks_a_live_on_air_and_offers_no_join_for_it(community: Chat) -> None:
    await open_live(community)
    said = await community.as_("olga", "organizer").says(
        '/schedule title="Atelier vélo" when="2026-11-30 18:00"'
    )
    assert said.ok, said.text
    await go_live(community)
    bob, zoe = community.as_("bob"), community.as_("zoe")
    listed = await bob.says("/lives")
    lines = listed.text.splitlines()
    assert lines[1].startswith("🔴 en direct · #1 ·") and lines[1].endswith("Cours de cuisine")
    assert "en direct" not in lines[2]
    assert [a for _, a in listed.buttons()] == ["h:1", "d:1", "j:2", "d:2"]
    assert labels_of(listed)[:2] == ["Je suis là", "Détails"]
    assert [a for _, a in (await zoe.says("/lives")).buttons()] == ["d:1", "j:2", "d:2"]
    assert (await bob.presses("h:1")).ok
    assert [a for _, a in (await bob.says("/lives")).buttons()] == ["d:1", "j:2", "d:2"]
    assert (await zoe.says("/settings language=en")).ok
    assert (await zoe.says("/lives")).text.splitlines()[1].startswith("🔴 live now · #1 ·")


async def attended(chat: Chat) -> list[int]:
    async with chat.store.unit() as uow:
        return await uow.signups.attended_ids(1)
