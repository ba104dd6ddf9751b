"""/stats: a community's figures over a period, worded for the organizer, with a chart."""

from __future__ import annotations

import io
import struct
from datetime import UTC, datetime

import pytest
from PIL import Image

from bot.core import codec
from bot.core.messages import Attachment
from bot.core.reports.repositories import LiveFigures
from bot.core.reports.stats import ChartWords, chart_figure
from tests.chat import Chat, Persona, Said

NBSP = "\u00a0"  # French puts one before the percent sign


async def ok(who: Persona, line: str) -> Said:
    """Says it a couple of seconds after the previous line (the flood gate counts commands)."""
    who.chat.clock.advance(seconds=2)
    said = await who.says(line) if line.startswith("/") else await who.presses(line)
    assert said.ok, (line, said.text)
    return said


async def history(chat: Chat) -> None:
    """A week of Olga's community, from Sunday 22 November 2026 (times in UTC):

    #1 « Cours de cuisine », Mon 23 at 17:00, 3 seats: Bob, Ann and Tia have one, Carl waits.
       Bob and Tia come, Zoe walks in; Bob and Tia rate it 5. Bob's question goes on air, Ann's
       anonymous one is approved and left, Tia's is rejected.
    #2 « Atelier CV », Tue 24: Bob and Carl sign up, only Carl comes; he rates it 3 and his
       question still waits for moderation.
    #3 « Yoga », Wed 25: Ann signs up, then it is cancelled.
    #4 « Python », 10 December: Dana signs up; it is still to come.
    """
    olga = chat.as_("olga", "organizer")
    bob, ann, carl = chat.as_("bob"), chat.as_("ann"), chat.as_("carl")
    tia, zoe, dana = chat.as_("tia", space="telegram"), chat.as_("zoe"), chat.as_("dana")
    await ok(olga, '/schedule title="Cours de cuisine" when="2026-11-23 18:00" capacity=3')
    await ok(olga, '/schedule title="Atelier CV" when="2026-11-24 18:00"')
    await ok(olga, '/schedule title="Yoga" when="2026-11-25 18:00"')
    await ok(olga, '/schedule title="Python" when="2026-12-10 18:00"')
    for who in (bob, ann, tia, carl):
        await ok(who, "/join 1")
    for who, live in ((bob, 2), (carl, 2), (ann, 3), (dana, 4)):
        await ok(who, f"/join {live}")
    await ok(bob, "/ask 1 Comment réussir une pâte ?")
    await ok(ann, '/ask live=1 anonymous=yes question="Faut-il un robot ?"')
    await ok(tia, "/ask 1 Et les allergies ?")
    await ok(carl, "/ask 2 Quel format de CV ?")
    await ok(olga, codec.encode("approve", 1))
    await ok(olga, codec.encode("approve", 2))
    await ok(olga, "/reject 3")

    chat.clock.set(chat.clock.now().replace(day=23, hour=17, minute=0, second=0))
    await ok(olga, "/golive 1")
    for who in (bob, tia, zoe):
        await ok(who, codec.encode("here", 1))
    await ok(olga, "/next 1")
    await ok(olga, "/end 1")
    await ok(bob, codec.encode("rate", 1, 5))
    await ok(tia, codec.encode("rate", 1, 5))

    chat.clock.set(chat.clock.now().replace(day=24, hour=17, minute=0, second=0))
    await ok(olga, "/golive 2")
    await ok(carl, codec.encode("here", 2))
    await ok(olga, "/end 2")
    await ok(carl, codec.encode("rate", 2, 3))
    await ok(olga, "/cancel 3")
    chat.clock.set(chat.clock.now().replace(day=26, hour=12, minute=0, second=0))


def chart_of(said: Said) -> Attachment:
    attachment = said.reply.messages[0].attachment
    assert attachment is not None, said.text
    return attachment


def png_size(data: bytes) -> tuple[int, int]:
    assert data.startswith(b"\x89PNG\r\n\x1a\n")
    width, height = struct.unpack(">II", data[16:24])
    return width, height


# -- the figures --------------------------------------------------------------------------------


async def test_the_figures_of_a_known_week_in_french(community: Chat) -> None:
    await history(community)
    said = await community.as_("olga", "organizer").says("/chiffres")
    assert said.ok and said.key == "stats.text"
    assert said.text == "\n".join(
        [
            "📊 Les chiffres de la communauté « Olga », sur les 30 derniers jours "
            "(du 27 oct. 2026 au 26 nov. 2026) :",
            "🎬 Lives tenus : 2 · annulés : 1",
            "🙋 Inscriptions : 7",
            f"✅ Présence : 67{NBSP}% (4 sur 6 inscriptions confirmées) · absences : 33{NBSP}%",
            "⭐ Note moyenne : 4,3/5 (3 notes)",
            "❓ Questions posées : 4 · approuvées : 2 · traitées en direct : 1",
            "🏆 Les lives les plus suivis :",
            "#1 « Cours de cuisine » : 3 présences",
            "#2 « Atelier CV » : 1 présence",
        ]
    )
    assert not said.reply.public  # figures are for the organizer who asked


async def test_the_same_figures_in_english(community: Chat) -> None:
    await history(community)
    olga = community.as_("olga", "organizer")
    await ok(olga, "/settings language=en")
    said = await olga.says("/stats 30d")
    assert said.text == "\n".join(
        [
            "📊 Figures of the community “Olga”, over the last 30 days (27 Oct 2026 to 26 Nov 2026):",
            "🎬 Lives held: 2 · cancelled: 1",
            "🙋 Sign-ups: 7",
            "✅ Attendance: 67% (4 of 6 confirmed) · no-shows: 33%",
            "⭐ Average rating: 4.3/5 (3 ratings)",
            "❓ Questions asked: 4 · approved: 2 · answered on air: 1",
            "🏆 Most attended lives:",
            "#1 “Cours de cuisine”: 3 attendees",
            "#2 “Atelier CV”: 1 attendee",
        ]
    )


async def test_the_chart_is_a_png_of_confirmed_and_attended_per_live_held(
    community: Chat,
) -> None:
    await history(community)
    said = await community.as_("olga", "organizer").says("/chiffres 30j")
    chart = chart_of(said)
    assert chart.image and chart.filename == "stats.png"
    assert png_size(chart.content) == (800, 450)
    # What the bars show, oldest first: the cancelled #3 and the coming #4 are not there.
    async with community.store.unit() as uow:
        bars = await uow.stats.attendance(1, None, community.clock.now(), 30)
    assert [(b.live_id, b.expected, b.attended) for b in bars] == [(1, 4, 3), (2, 2, 1)]
    assert all(isinstance(b, LiveFigures) for b in bars)


async def test_the_chart_has_a_title_the_period_and_each_live_by_name(community: Chat) -> None:
    """The PNG says what it shows in its own text fields, from the words it is drawn with."""
    await history(community)
    chart = chart_of(await community.as_("olga", "organizer").says("/chiffres"))
    with Image.open(io.BytesIO(chart.content)) as image:
        fields = dict(image.text)  # type: ignore[attr-defined]
    assert fields["Title"] == "Inscriptions et présences par live"
    assert fields["Description"] == "\n".join(
        [
            "Inscriptions et présences par live, sur les 30 derniers jours "
            "(du 27 oct. 2026 au 26 nov. 2026)",
            "#1 « Cours de cuisine » (23 nov.) — inscriptions confirmées : 4, présences : 3",
            "#2 « Atelier CV » (24 nov.) — inscriptions confirmées : 2, présences : 1",
        ]
    )


def test_the_chart_is_drawn_with_its_words() -> None:
    """A single live reads as its title and day under its bars, not a lone `#6`."""
    start = datetime(2026, 11, 23, 17, tzinfo=UTC)
    lives = [LiveFigures(6, "Initiation à Python", start, 2, 1)]
    words = ChartWords(
        title="Inscriptions et présences par live",
        period="Sur les 30 derniers jours",
        legend=("Inscriptions confirmées", "Présences"),
        axis=("Lives tenus", "Personnes"),
        labels=("#6 Initiation à Python\n23 nov.",),
        description="",
    )
    figure = chart_figure(lives, words)
    (axes,) = figure.axes
    assert figure.get_suptitle() == "Inscriptions et présences par live"
    assert axes.get_title() == "Sur les 30 derniers jours"
    assert (axes.get_xlabel(), axes.get_ylabel()) == ("Lives tenus", "Personnes")
    assert [t.get_text() for t in axes.get_xticklabels()] == ["#6 Initiation à Python\n23 nov."]
    legend = axes.get_legend()
    assert [t.get_text() for t in legend.get_texts()] == ["Inscriptions confirmées", "Présences"]


async def test_many_lives_keep_their_number_and_day(community: Chat) -> None:
    olga = community.as_("olga", "organizer")
    for day in range(1, 15):
        await ok(
            olga, f'/schedule title="Atelier numéro {day} du mois" when="2026-12-{day:02} 18:00"'
        )
    for live in range(1, 15):
        community.clock.set(datetime(2026, 12, live, 17, 1, tzinfo=UTC))
        await ok(olga, f"/golive {live}")
        await ok(olga, f"/end {live}")
    said = await ok(olga, "/chiffres")
    with Image.open(io.BytesIO(chart_of(said).content)) as image:
        description = image.text["Description"]  # type: ignore[attr-defined]
    assert "#14 « Atelier numéro 14 du mois » (14 déc.)" in description


async def test_the_chart_keeps_the_latest_lives_held(community: Chat) -> None:
    await history(community)
    async with community.store.unit() as uow:
        latest = await uow.stats.attendance(1, None, community.clock.now(), 1)
    assert [b.live_id for b in latest] == [2]


# -- periods ------------------------------------------------------------------------------------


@pytest.mark.parametrize("period", ["7j", "7d", "30D", "90j", "90d", "1a", "1y", "tout", "all"])
async def test_every_period_word_in_both_languages_covers_this_week(
    community: Chat, period: str
) -> None:
    await history(community)
    said = await community.as_("olga", "organizer").says(f"/chiffres {period}")
    assert said.key == "stats.text", said.text
    assert "🎬 Lives tenus : 2 · annulés : 1" in said


async def test_a_period_with_nothing_in_it_says_so_kindly_without_a_chart(
    community: Chat,
) -> None:
    await history(community)
    community.clock.set(community.clock.now().replace(month=12, day=6))
    olga = community.as_("olga", "organizer")
    said = await olga.says("/chiffres 7j")
    assert said.ok and said.key == "stats.empty"
    assert said.text.startswith("📊 Rien à compter pour l’instant, sur les 7 derniers jours")
    assert said.reply.messages[0].attachment is None
    # Since the start, the week of November is still there (#4, on 10 December, is to come).
    since_start = await olga.says("/chiffres tout")
    assert "depuis le début :" in since_start
    assert "🙋 Inscriptions : 7" in since_start


async def test_a_new_community_has_nothing_to_count_yet(community: Chat) -> None:
    said = await community.as_("olga", "organizer").says("/stats")
    assert said.ok and said.key == "stats.empty"
    assert said.reply.messages[0].attachment is None


async def test_lives_planned_but_none_held_give_figures_without_a_chart(community: Chat) -> None:
    await ok(community.as_("olga", "organizer"), '/schedule title="Yoga" when="demain 18h"')
    await ok(community.as_("bob"), "/join 1")
    community.clock.advance(days=2)  # its time has passed; nobody ran /golive
    said = await community.as_("olga", "organizer").says("/chiffres")
    assert said.key == "stats.text"
    assert "🎬 Lives tenus : 0 · annulés : 0" in said
    assert "🙋 Inscriptions : 1" in said
    assert "✅ Présence : pas encore de live tenu avec des inscriptions." in said
    assert "⭐ Note moyenne : pas encore de note." in said
    assert "🏆" not in said.text
    assert said.reply.messages[0].attachment is None


@pytest.mark.parametrize(
    ("line", "choices"),
    [("/chiffres 2s", "7j, 30j, 90j, 1a ou tout"), ("/stats hier", "7j, 30j, 90j, 1a ou tout")],
)
async def test_a_period_i_do_not_know_gets_the_choices(
    community: Chat, line: str, choices: str
) -> None:
    said = await community.as_("olga", "organizer").says(line)
    assert not said.ok and said.key == "stats.bad_period"
    assert choices in said
    assert line.split()[1] in said


async def test_a_bad_period_in_english(community: Chat) -> None:
    olga = community.as_("olga", "organizer")
    await ok(olga, "/settings language=en")
    said = await olga.says("/stats forever")
    assert said.text == (
        "I don’t know the period “forever”. Pick 7d, 30d, 90d, 1y or all. Example: /stats 30d"
    )


# -- who may see them ---------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["member", "host", "moderator"])
async def test_only_organizers_see_the_figures(community: Chat, role: str) -> None:
    await history(community)
    said = await community.as_("bob", role).says("/chiffres")
    assert not said.ok and said.key == "error.forbidden"
    assert said.reply.messages[0].attachment is None


async def test_the_figures_are_of_this_community_only(community: Chat) -> None:
    await history(community)
    lyon = community.as_("olga", "organizer", space="lyon")
    await ok(lyon, '/setup name="Lyon"')
    await ok(lyon, '/schedule title="Vélo" when="2026-11-26 14:00"')
    await ok(community.as_("bob", space="lyon"), "/join 5")
    community.clock.advance(hours=2)  # Lyon's live has started, without /golive
    said = await lyon.says("/chiffres")
    assert said.text.startswith("📊 Les chiffres de la communauté « Lyon »")
    assert "🙋 Inscriptions : 1" in said and "🎬 Lives tenus : 0 · annulés : 0" in said
    # and Olga's first community has not gained Lyon's sign-up
    assert "🙋 Inscriptions : 7" in await community.as_("olga", "organizer").says("/chiffres")


# -- counted by what happened, not by the planned start ----------------------------------------------


async def test_lives_held_and_cancelled_before_their_planned_start_are_counted(
    community: Chat,
) -> None:
    """Three lives planned for next week, all held today, ahead of time; a fourth cancelled."""
    olga, bob = community.as_("olga", "organizer"), community.as_("bob")
    for day, title in ((30, "Pain"), (1, "Tarte"), (2, "Soupe"), (3, "Gratin")):
        month = 11 if day == 30 else 12
        await ok(olga, f'/schedule title="{title}" when="2026-{month}-{day:02d} 18:00"')
    for live in (1, 2, 3, 4):
        await ok(bob, f"/join {live}")
    for live in (1, 2, 3):
        await ok(olga, f"/golive {live}")
        await ok(bob, codec.encode("here", live))
        await ok(olga, f"/end {live}")
    await ok(olga, "/cancel 4")
    said = await olga.says("/chiffres 7j")
    assert said.key == "stats.text", said.text
    assert "🎬 Lives tenus : 3 · annulés : 1" in said
    assert "🙋 Inscriptions : 3" in said
    assert f"✅ Présence : 100{NBSP}% (3 sur 3 inscriptions confirmées)" in said
    assert chart_of(said).image
    # Eight days on, they are in the last 30 days, no longer in the last 7.
    community.clock.advance(days=8)
    assert (await olga.says("/chiffres 7j")).key == "stats.empty"
    assert "🎬 Lives tenus : 3 · annulés : 1" in await olga.says("/chiffres 30j")
