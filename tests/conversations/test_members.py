"""A member's own things: /settings (typed and with buttons) and /forgetme."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path

import pytest

from bot.core import codec
from bot.core.delivery.payloads import dump_message
from bot.core.messages import Destination, OutMessage, Text
from bot.domain.model import Member, QuestionStatus, SignupStatus, UserRef
from bot.i18n.catalog import render
from tests.chat import Chat

LIVE_AT = '/schedule title="Cuisine facile" when="2026-12-01 18:30"'


async def member(chat: Chat, name: str) -> Member | None:
    async with chat.store.unit() as uow:
        return await uow.members.by_ref(UserRef("shell", name))


async def known(chat: Chat, name: str) -> Member:
    found = await member(chat, name)
    assert found is not None
    return found


# -- /settings -----------------------------------------------------------------------------------


async def test_settings_shows_the_current_values_with_buttons(community: Chat) -> None:
    said = await community.as_("bob").says("/reglages")
    assert said.ok
    assert said.key == "settings.show"
    assert "français" in said.text and "Europe/Paris" in said.text and "24h, 15m" in said.text
    actions = [action for _, action in said.buttons()]
    assert codec.encode("settings", "language", "en") in actions
    assert any(a and a.startswith("s:dms:") for a in actions)


async def test_settings_language_en_makes_the_next_replies_english(community: Chat) -> None:
    bob = community.as_("bob")
    said = await bob.says("/settings language=en")
    assert said.ok, said.text
    assert said.key == "settings.saved"
    assert "English" in said.text or "english" in said.text
    assert (await known(community, "bob")).language == "en"
    help_ = await bob.says("/help")
    assert render(Text("en", "help.privacy")) in help_.text
    refused = await bob.says("/join 99")
    assert refused.text == render(Text("en", "error.unknown_live", {"live": "99"}))
    # Olga still reads French: the setting is bob's own.
    assert render(Text("fr", "help.privacy")) in (await community.as_("olga").says("/aide")).text


async def test_settings_language_by_button_and_back(community: Chat) -> None:
    bob = community.as_("bob")
    shown = await bob.says("/settings")
    said = await bob.presses_label(shown, "English")
    assert said.ok, said.text
    assert said.key == "settings.saved"
    assert (await known(community, "bob")).language == "en"
    said = await bob.presses_label(said, "français")
    assert (await known(community, "bob")).language == "fr"
    assert said.key == "settings.saved"
    assert "français" in said.text


async def test_settings_timezone_changes_how_dates_are_shown(community: Chat) -> None:
    assert (await community.as_("hugo", "host").says(LIVE_AT)).ok
    bob = community.as_("bob")
    paris = await bob.says("/live 1")
    assert "18:30" in paris.text and "heure de Paris" in paris.text
    said = await bob.says("/settings timezone=America/New_York")
    assert said.ok, said.text
    assert "America/New_York" in said.text
    assert (await known(community, "bob")).timezone == "America/New_York"
    new_york = await bob.says("/live 1")
    assert "12:30" in new_york.text and "heure de New York" in new_york.text
    joined = await bob.says("/join 1")
    assert "12:30" in joined.text


async def test_settings_reminders(community: Chat) -> None:
    bob = community.as_("bob")
    said = await bob.says("/settings reminders=24h,15m")
    assert said.ok, said.text
    assert (await known(community, "bob")).reminders == ("24h", "15m")
    said = await bob.says("/settings reminders=2h")
    assert said.ok, said.text
    assert (await known(community, "bob")).reminders == ("2h",)
    assert "2h" in said.text


@pytest.mark.parametrize("bad", ["abc", "0m", "15", "30d", "1h,2h,3h,4h,5h,6h", "24h;;x", ","])
async def test_bad_reminders_are_refused_and_nothing_changes(community: Chat, bad: str) -> None:
    bob = community.as_("bob")
    assert (await bob.says("/settings reminders=2h")).ok
    said = await bob.says(f'/settings language=en reminders="{bad}"')
    assert not said.ok
    assert said.key == "error.bad_reminders", said.text
    after = await known(community, "bob")
    assert after.reminders == ("2h",)
    assert after.language is None


async def test_settings_dms_typed_and_by_button(community: Chat) -> None:
    bob = community.as_("bob")
    said = await bob.says("/settings dms=off")
    assert said.ok, said.text
    assert (await known(community, "bob")).dms is False
    said = await bob.presses_label(said, render(Text("fr", "settings.dms_on")))
    assert said.ok
    assert (await known(community, "bob")).dms is True
    said = await bob.presses_label(said, render(Text("fr", "settings.dms_off")))
    assert (await known(community, "bob")).dms is False


@pytest.mark.parametrize(
    ("line", "key"),
    [
        ("/settings dms=peut-être", "error.bad_bool"),
        ("/settings language=klingon", "error.bad_language"),
        ("/settings timezone=Lune/Base", "error.bad_timezone"),
        ("/settings couleur rouge", "settings.unknown_field"),
        ("/settings colour=red", "settings.unknown_field"),
    ],
)
async def test_each_bad_setting_has_its_own_message(community: Chat, line: str, key: str) -> None:
    bob = community.as_("bob")
    said = await bob.says(line)
    assert not said.ok
    assert said.key == key, said.text
    after = await known(community, "bob")
    assert (after.language, after.timezone, after.dms, after.reminders) == (None, None, None, None)


async def test_a_forged_settings_button_is_refused(community: Chat) -> None:
    said = await community.as_("bob").presses(codec.encode("settings", "admin", "yes"))
    assert said.key == "settings.unknown_field"


async def test_settings_in_a_private_chat(chat: Chat) -> None:
    bob = chat.as_("bob", space=None)
    said = await bob.says("/settings timezone=Europe/Brussels")
    assert said.ok, said.text
    assert (await known(chat, "bob")).timezone == "Europe/Brussels"


# -- /forgetme -----------------------------------------------------------------------------------


async def forgetme_world(chat: Chat) -> dict[str, int]:
    """Live #1 with one seat: bob has it, carl waits. Bob has a pending question, an answered one,
    a vote on dana's question, and a message owed to him in the ledger."""
    hugo = chat.as_("hugo", "host")
    assert (await hugo.says(LIVE_AT.replace("/schedule", "/schedule capacity=1"))).ok
    assert (await chat.as_("bob").says("/join 1")).key == "signup.confirmed"
    assert (await chat.as_("carl").says("/join 1")).key == "signup.waitlisted"
    assert (await chat.as_("dana").says("/help")).ok
    bob, dana = await known(chat, "bob"), await known(chat, "dana")
    now = chat.clock.now()
    async with chat.store.unit() as uow:
        pending = await uow.questions.create(
            1, bob.id, "Comment débuter ?", False, QuestionStatus.PENDING, (), now
        )
        answered = await uow.questions.create(
            1, bob.id, "Quel matériel ?", False, QuestionStatus.ANSWERED, (), now
        )
        danas = await uow.questions.create(
            1, dana.id, "Et le sel ?", False, QuestionStatus.APPROVED, (), now
        )
        assert await uow.questions.vote(danas.id, bob.id, now)
        dest = Destination("shell", "bob", private=True)
        later = now.replace(year=now.year + 1)
        message = dump_message(OutMessage(Text("fr", "guide.none")))
        assert await uow.deliveries.add(
            "reminder:test:bob", "reminder", later, dest, message, bob.id, 1
        )
    return {"bob": bob.id, "pending": pending.id, "answered": answered.id, "danas": danas.id}


def deliveries_of(folder: Path, member_id: int) -> int:
    """Read straight from the SQLite file, past every repository."""
    with closing(sqlite3.connect(folder / "test.sqlite3")) as db:
        row = db.execute("SELECT COUNT(*) FROM deliveries WHERE member_id = ?", (member_id,))
        return int(row.fetchone()[0])


async def test_forgetme_asks_first_and_erases_nothing(community: Chat, tmp_path: Path) -> None:
    ids = await forgetme_world(community)
    owed_to_bob = deliveries_of(tmp_path, ids["bob"])
    assert owed_to_bob >= 1  # at least his reminders
    bob = community.as_("bob")
    said = await bob.says("/forgetme")
    assert said.ok
    assert said.key == "forgetme.ask"
    assert [label for label, _ in said.buttons()] == [render(Text("fr", "forgetme.confirm_button"))]
    said = await bob.says("/forgetme non")
    assert said.key == "forgetme.ask"
    assert await member(community, "bob") is not None
    async with community.store.unit() as uow:
        signup = await uow.signups.get(1, ids["bob"])
        assert signup is not None and signup.status is SignupStatus.CONFIRMED
        assert await uow.questions.get(ids["pending"]) is not None
        danas = await uow.questions.get(ids["danas"])
        assert danas is not None and danas.votes == 1
    assert deliveries_of(tmp_path, ids["bob"]) == owed_to_bob


async def test_forgetme_confirmed_by_button_erases_what_the_notice_says(
    community: Chat, tmp_path: Path
) -> None:
    ids = await forgetme_world(community)
    bob = community.as_("bob")
    asked = await bob.says("/oubliemoi")
    said = await bob.presses_label(asked, "Oui")
    assert said.ok, said.text
    assert said.key == "forgetme.done"

    assert await member(community, "bob") is None  # identity and settings gone
    async with community.store.unit() as uow:
        carl = await uow.members.by_ref(UserRef("shell", "carl"))
        assert carl is not None
        seat = await uow.signups.get(1, carl.id)
        assert seat is not None and seat.status is SignupStatus.CONFIRMED  # the seat went on
        assert await uow.signups.get(1, ids["bob"]) is None or (
            (await uow.signups.get(1, ids["bob"])).status is SignupStatus.CANCELLED  # type: ignore[union-attr]
        )
        assert await uow.questions.get(ids["pending"]) is None
        answered = await uow.questions.get(ids["answered"])
        assert answered is not None
        assert answered.author_id is None
        assert answered.text == "Quel matériel ?"
        danas = await uow.questions.get(ids["danas"])
        assert danas is not None and danas.votes == 0
    assert deliveries_of(tmp_path, ids["bob"]) == 0
    # Carl is told that he has a seat now.
    assert any("Cuisine facile" in m for m in community.inbox("carl"))


async def test_forgetme_typed_confirmation_works_too(community: Chat) -> None:
    await forgetme_world(community)
    said = await community.as_("bob").says("/forgetme oui")
    assert said.key == "forgetme.done"
    assert await member(community, "bob") is None


async def test_forgetme_keeps_the_moderation_log_with_deleted_member(community: Chat) -> None:
    assert (await community.as_("hugo", "host").says(LIVE_AT)).ok
    assert (await community.as_("mona", "moderator").says("/help")).ok
    mona = await known(community, "mona")
    async with community.store.unit() as uow:
        await uow.moderation.log(1, 1, mona.id, "approve", "Q7", community.clock.now())
    assert (await community.as_("mona", "moderator").says("/forgetme yes")).ok
    said = await community.as_("olga", "organizer").says("/modlog 1")
    assert said.ok, said.text
    assert "membre supprimé" in said.text
    assert "Mona" not in said.text


@pytest.mark.parametrize("locale", ["fr", "en"])
def test_the_confirmation_says_exactly_what_is_erased_and_kept(locale: str) -> None:
    words = {
        "fr": ["identité", "réglages", "inscriptions", "questions en attente", "votes",
               "messages", "journal de modération", "membre supprimé"],
        "en": ["identity", "settings", "sign-ups", "pending questions", "votes",
               "messages", "moderation log", "deleted member"],
    }[locale]  # fmt: skip
    for key in ("forgetme.ask", "forgetme.done"):
        said = render(Text(locale, key))
        missing = [w for w in words if w not in said]
        assert missing == [], (key, missing)


async def test_after_forgetme_the_member_starts_afresh(community: Chat) -> None:
    bob = community.as_("bob")
    assert (await bob.says("/settings language=en")).ok
    old = await known(community, "bob")
    assert (await bob.says("/forgetme yes")).key == "forgetme.done"
    assert (await bob.says("/help")).ok
    new = await known(community, "bob")
    assert old.language == "en"
    assert new.language is None
