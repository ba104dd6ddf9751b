"""Forms on a phone: a bare /planifier asks its fields one by one in the private chat (a Stop
button leaves it); the same live fits in one message too; bad input is answered and changes
nothing."""

from __future__ import annotations

from tests.adapters.telegram.test_commands import answered
from tests.adapters.telegram.test_first_steps import set_up
from tests.adapters.telegram.world import ANNOUNCE, World


async def test_a_guided_schedule_in_the_private_chat(world: World) -> None:
    await set_up(world)
    alice = world.people["Alice"]
    said = await alice.says("/planifier")
    assert said[-1]["text"] == "Quel est le titre du live ?"
    assert "Arrêter" in str(said[-1]["reply_markup"]) or "Stop" in str(said[-1]["reply_markup"])
    await alice.says("Initiation à Python")
    said = await alice.says("demain")  # no time: said at once, and asked again
    assert "Il manque l’heure" in said[-2]["text"]
    assert said[-1]["text"].startswith("Quand ?")
    for answer in ("2027-01-12 18:30", "90", "-", "https://example.org/live"):
        said = await alice.says(answer)
    said = await alice.says("50")
    answered(said, "#1", "Initiation à Python", "mardi 12 janvier 2027 à 18:30")
    assert any("Initiation à Python" in m["text"] for m in world.group(ANNOUNCE))


async def test_the_stop_button_leaves_the_form_and_nothing_is_saved(world: World) -> None:
    await set_up(world)
    alice = world.people["Alice"]
    said = await alice.says("/planifier")
    await alice.says("Brouillon")
    said = await alice.presses("Arrêter|Stop", said[-1])
    assert said[-1]["text"] == "D’accord, on arrête là. Rien n’a été enregistré."
    said = await alice.says("/programme")
    assert "Brouillon" not in said[-1]["text"]


async def test_cancel_keeps_its_meaning_inside_a_form(world: World) -> None:
    """/annuler cancels a live; it is not a way out of a form (that is /arreter)."""
    await set_up(world)
    alice = world.people["Alice"]
    await alice.says('/planifier title="Atelier" when="2027-01-12 18:30"')
    await alice.says("/planifier")
    said = await alice.says("/annuler 1 imprévu")
    assert "#1" in said[-1]["text"] and "annul" in said[-1]["text"].lower()


async def test_bad_input_is_answered_in_the_members_language_and_changes_nothing(
    world: World,
) -> None:
    await set_up(world)
    alice, chloe = world.people["Alice"], world.people["Chloe"]
    for line, expected in (
        (
            '/planifier title="Atelier" when="31 février 18h"',
            "Je n’ai pas compris la date « 31 février 18h »",
        ),
        (
            '/planifier title="Atelier" when="2020-01-01 10:00"',
            "il faut au moins 5 minutes d’avance",
        ),
        (
            '/planifier title="Atelier" when="2027-01-12 18:30" link=ftp://x',
            "n’est pas un lien valide",
        ),
        (
            f'/planifier title="{"x" * 101}" when="2027-01-12 18:30"',
            "Le titre doit faire entre 3 et 100 caractères",
        ),
        ("/participer 99", "Je ne trouve pas le live « 99 »"),
    ):
        said = await alice.says(line)
        assert expected in said[-1]["text"], (line, said[-1]["text"])
    await chloe.says("/start")
    said = await chloe.says("/join 42")
    assert said[-1]["text"].startswith("I can’t find the live “42”"), said[-1]["text"]
    said = await chloe.says("/schedule title=Nope when=tomorrow")
    assert "not allowed" in said[-1]["text"] or "can't use" in said[-1]["text"], said[-1]["text"]
    said = await alice.says("/programme")
    assert "Aucun live" in said[-1]["text"]


async def test_user_text_is_escaped_and_pings_no_one(world: World) -> None:
    await set_up(world)
    alice = world.people["Alice"]
    title = "<b>Pas gras</b> & @everyone @bob"
    await alice.says(f'/planifier title="{title}" when="2027-01-12 18:30"')
    post = world.group(ANNOUNCE)[-1]
    assert "&lt;b&gt;Pas gras&lt;/b&gt; &amp;" in post["html"]
    assert "@everyone" not in post["text"] and "@bob" not in post["text"]  # defused
    assert "@\u2060everyone" in post["text"]
