"""Finding lives: /lives five a page with a tag filter, /live in full, /myschedule."""

from __future__ import annotations

from tests.chat import Chat, Said


async def schedule(
    chat: Chat, title: str, when: str, extra: str = "", space: str = "discord"
) -> None:
    chat.clock.advance(seconds=2)  # keeps Olga under the command flood limit
    said = await chat.as_("olga", "organizer", space=space).says(
        f'/schedule title="{title}" when="{when}" {extra}'
    )
    assert said.ok, said.text


async def seven_lives(chat: Chat) -> None:
    for day in range(1, 8):
        tags = "tags=cuisine" if day % 3 == 0 else "tags=sport"
        await schedule(chat, f"Live numéro {day}", f"2026-12-0{day} 18:30", tags)


def actions(said: Said) -> list[str]:
    return [action for _, action in said.buttons() if action]


def titles(said: Said) -> list[str]:
    return [line.split(" · ")[-1] for line in said.text.splitlines()[1:]]


async def test_lives_shows_five_a_page_with_next_and_previous(community: Chat) -> None:
    await seven_lives(community)
    bob = community.as_("bob")
    first = await bob.says("/lives")
    assert first.ok and "7 en tout, page 1" in first
    assert titles(first) == [f"Live numéro {n}" for n in range(1, 6)]
    assert "#1 · mar. 1 déc. 18:30 · Live numéro 1" in first
    for n in range(1, 6):
        assert f"j:{n}" in actions(first) and f"d:{n}" in actions(first)
    labels = [label for label, _ in first.buttons()]
    assert "Suivant ▶" in labels and "◀ Précédent" not in labels

    second = await bob.presses_label(first, "Suivant")
    assert second.ok and "7 en tout, page 2" in second
    assert titles(second) == ["Live numéro 6", "Live numéro 7"]
    labels = [label for label, _ in second.buttons()]
    assert "◀ Précédent" in labels and "Suivant ▶" not in labels

    back = await bob.presses_label(second, "Précédent")
    assert titles(back) == titles(first)


async def test_the_details_button_opens_the_card(community: Chat) -> None:
    await seven_lives(community)
    listed = await community.as_("bob").says("/programme")
    card = await community.as_("bob").presses_label(listed, "Détails")
    assert card.ok and "#1 · Live numéro 1" in card
    assert "mardi 1 décembre 2026 à 18:30 (heure de Paris)" in card


async def test_lives_filters_by_tag(community: Chat) -> None:
    await seven_lives(community)
    bob = community.as_("bob")
    said = await bob.says("/lives cuisine")
    assert said.ok and "2 en tout" in said
    assert titles(said) == ["Live numéro 3", "Live numéro 6"]
    assert titles(await bob.says("/lives #Cuisine")) == ["Live numéro 3", "Live numéro 6"]
    none = await bob.says("/lives jardinage")
    assert none.ok and none.key == "lives.none_tag" and "« jardinage »" in none


async def test_lives_leaves_out_cancelled_drafts_and_ended(community: Chat) -> None:
    assert (await community.as_("bob").says("/lives")).key == "lives.none"
    await schedule(community, "Annulé", "demain 18h")
    await schedule(community, "Gardé", "demain 19h")
    assert (await community.as_("olga", "organizer").says("/cancel 1")).ok
    said = await community.as_("bob").says("/lives")
    assert titles(said) == ["Gardé"]


async def test_live_shows_seats_left_host_link_tags_and_join_or_leave(community: Chat) -> None:
    await schedule(
        community,
        "Cours de cuisine",
        "demain 18h",
        'capacity=10 link=https://exemple.org/l tags=cuisine description="Des pâtes"',
    )
    bob = community.as_("bob")
    card = await bob.says("/live 1")
    assert card.ok and "10 places restantes" in card
    for part in ("Olga", "https://exemple.org/l", "cuisine", "Des pâtes", "60 min"):
        assert part in card
    assert "lundi 23 novembre 2026 à 18:00 (heure de Paris)" in card
    assert ("Participer", "j:1") in card.buttons()
    assert (await bob.says("/join 1")).ok
    assert (await community.as_("ann").says("/join 1")).ok
    card = await bob.says("/direct #1")
    assert "8 places restantes" in card
    assert ("Me désinscrire", "l:1") in card.buttons()


async def test_live_says_full_and_unlimited(community: Chat) -> None:
    await schedule(community, "Petit comité", "demain 18h", "capacity=1")
    await schedule(community, "Grand public", "demain 19h")
    for name in ("bob", "ann"):
        assert (await community.as_(name).says("/join 1")).ok
    assert (await community.as_("bob").says("/join 2")).ok
    assert "complet, 1 en liste d’attente" in await community.as_("cid").says("/live 1")
    assert "places illimitées (inscriptions : 1)" in await community.as_("cid").says("/live 2")


async def test_live_shows_the_date_in_the_members_timezone_and_language(community: Chat) -> None:
    await schedule(community, "Cours de cuisine", "demain 18h")
    bob = community.as_("bob")
    assert (await bob.says("/settings language=en timezone=America/New_York")).ok
    card = await bob.says("/live 1")
    assert "Monday 23 November 2026 at 12:00 (New York time)" in card


async def test_myschedule_lists_confirmed_and_waitlisted(community: Chat) -> None:
    bob = community.as_("bob")
    assert (await bob.says("/myschedule")).key == "myschedule.none"
    await schedule(community, "Petit comité", "demain 18h", "capacity=1")
    await schedule(community, "Grand public", "demain 19h")
    await schedule(community, "Quitté", "demain 20h")
    assert (await community.as_("ann").says("/join 1")).ok
    for live in (1, 2, 3):
        assert (await bob.says(f"/join {live}")).ok
    assert (await bob.says("/leave 3")).ok
    said = await bob.says("/mesinscriptions")
    assert said.ok and said.key == "myschedule.list"
    lines = said.text.splitlines()
    assert lines[0] == "Tes prochains lives :"
    assert lines[1].startswith("⏳ #1") and "Petit comité" in lines[1]
    assert "(liste d’attente)" in lines[1]
    assert lines[2].startswith("✅ #2") and "Grand public" in lines[2]
    assert "Quitté" not in said


async def test_in_a_private_chat_lives_shows_every_community_of_the_member(chat: Chat) -> None:
    for organizer, space, title in (("olga", "discord", "Cuisine"), ("zed", "other", "Jardin")):
        assert (await chat.as_(organizer, "organizer", space=space).says("/setup")).ok
        said = await chat.as_(organizer, "organizer", space=space).says(
            f'/schedule title="{title}" when="demain 18h"'
        )
        assert said.ok, said.text
    assert (await chat.as_("bob", space="discord").says("/myschedule")).ok
    private = chat.as_("bob", space=None)
    said = await private.says("/lives")
    assert said.ok and titles(said) == ["Cuisine"]
    assert (await chat.as_("bob", space="other").says("/myschedule")).ok
    said = await private.says("/lives")
    assert sorted(titles(said)) == ["Cuisine", "Jardin"]
    stranger = await chat.as_("nina", space=None).says("/lives")
    assert stranger.ok and stranger.key == "lives.none"


async def test_paging_keeps_the_tag_filter(community: Chat) -> None:
    for day in range(1, 8):
        await schedule(community, f"Cuisine {day}", f"2026-12-0{day} 18:30", "tags=cuisine")
    await schedule(community, "Football", "2026-12-08 18:30", "tags=sport")
    first = await community.as_("bob").says("/lives cuisine")
    assert "7 en tout" in first
    second = await community.as_("bob").presses_label(first, "Suivant")
    assert titles(second) == ["Cuisine 6", "Cuisine 7"]
