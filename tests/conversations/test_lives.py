"""Lives as hosts run them: /schedule (one or a series), /publish, /edit and /cancel."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.domain.model import Live, LiveStatus, SignupStatus, UserRef
from tests.chat import Chat, Said

PARIS = ZoneInfo("Europe/Paris")


async def schedule(chat: Chat, fields: str, who: str = "olga", role: str = "organizer") -> Said:
    chat.clock.advance(seconds=1)  # a host typing: keeps Olga under the command flood limit
    said = await chat.as_(who, role).says(f"/schedule {fields}")
    assert said.ok, said.text
    return said


async def live_of(chat: Chat, live_id: int) -> Live:
    async with chat.store.unit() as uow:
        live = await uow.lives.get(live_id)
    assert live is not None
    return live


async def member_id(chat: Chat, name: str) -> int:
    async with chat.store.unit() as uow:
        member = await uow.members.by_ref(UserRef("shell", name))
    assert member is not None
    return member.id


# -- /schedule -------------------------------------------------------------------------------


async def test_schedule_takes_every_field_and_repeats_the_date_in_full_words(
    community: Chat,
) -> None:
    said = await schedule(
        community,
        'title="Cours de cuisine" when="demain 18h" duration=90 description="Des pâtes maison" '
        "link=https://exemple.org/live capacity=50 tags=Cuisine,#facile",
    )
    assert said.key == "live.scheduled"
    assert "lundi 23 novembre 2026 à 18:00 (heure de Paris)" in said
    assert "#1" in said and "Cours de cuisine" in said
    live = await live_of(community, 1)
    assert live.title == "Cours de cuisine"
    assert live.starts_at == datetime(2026, 11, 23, 17, 0, tzinfo=UTC)
    assert live.duration_min == 90
    assert live.description == "Des pâtes maison"
    assert live.link == "https://exemple.org/live"
    assert live.capacity == 50
    assert live.tags == ("cuisine", "facile")
    assert live.status is LiveStatus.SCHEDULED and live.series_id is None


async def test_schedule_defaults_one_hour_unlimited_without_link_or_tags(community: Chat) -> None:
    await schedule(community, 'title="Cours de cuisine" when="demain 18h"')
    live = await live_of(community, 1)
    assert (live.duration_min, live.capacity, live.link, live.tags, live.description) == (
        60,
        None,
        None,
        (),
        "",
    )


@pytest.mark.parametrize(
    ("when", "utc", "words"),
    [
        ("2026-12-01 18:30", datetime(2026, 12, 1, 17, 30), "mardi 1 décembre 2026 à 18:30"),
        ("1er décembre 18h30", datetime(2026, 12, 1, 17, 30), "mardi 1 décembre 2026 à 18:30"),
        ("demain 18h", datetime(2026, 11, 23, 17, 0), "lundi 23 novembre 2026 à 18:00"),
        ("mardi prochain 19h", datetime(2026, 11, 24, 18, 0), "mardi 24 novembre 2026 à 19:00"),
        ("dans 2 heures", datetime(2026, 11, 22, 15, 0, 1), "dimanche 22 novembre 2026 à 16:00"),
        ("tomorrow 6pm", datetime(2026, 11, 23, 17, 0), "lundi 23 novembre 2026 à 18:00"),
        ("next tuesday 7pm", datetime(2026, 11, 24, 18, 0), "mardi 24 novembre 2026 à 19:00"),
    ],
)
async def test_when_is_read_in_iso_french_and_english_in_paris_time(
    community: Chat, when: str, utc: datetime, words: str
) -> None:
    said = await schedule(community, f'title="Cours de cuisine" when="{when}"')
    assert f"{words} (heure de Paris)" in said
    live = await live_of(community, 1)
    assert live.starts_at.replace(microsecond=0) == utc.replace(tzinfo=UTC)


async def test_french_alias_and_english_member_get_the_date_in_their_words(
    community: Chat,
) -> None:
    said = await community.as_("olga", "organizer").says(
        '/planifier title="Cours de cuisine" when="demain 18h"'
    )
    assert said.ok and said.key == "live.scheduled"
    hugo = community.as_("hugo", "host")
    assert (await hugo.says("/settings language=en")).ok
    said = await hugo.says('/schedule title="Cooking class" when="tomorrow 6pm"')
    assert said.ok, said.text
    assert "Monday 23 November 2026 at 18:00 (Paris time)" in said


@pytest.mark.parametrize(
    ("when", "words"),
    [
        ("8 heures ce soir", "dimanche 22 novembre 2026 à 20:00"),  # never 08:00, never past
        ("8h du soir", "dimanche 22 novembre 2026 à 20:00"),
        ("le 16 vers 18h", "mercredi 16 décembre 2026 à 18:00"),
        ("midi et quart", "lundi 23 novembre 2026 à 12:15"),
        ("vendredi 15 à 16h", "vendredi 15 janvier 2027 à 16:00"),
        ("à quinze heures trente", "dimanche 22 novembre 2026 à 15:30"),
        ("dans 2 semaines à 19h", "dimanche 6 décembre 2026 à 19:00"),
        ("mardi en huit à 18h", "mardi 1 décembre 2026 à 18:00"),
        ("2026-12-16T18:00+01:00", "mercredi 16 décembre 2026 à 18:00"),
        ("2026-12-16T12:00-05:00", "mercredi 16 décembre 2026 à 18:00"),
    ],
)
async def test_when_is_read_as_people_write_it(community: Chat, when: str, words: str) -> None:
    said = await schedule(community, f'title="Cours de cuisine" when="{when}"')
    assert f"{words} (heure de Paris)" in said


async def test_an_iso_offset_fixes_the_instant_whatever_the_hosts_zone(community: Chat) -> None:
    await schedule(community, 'title="Cours de cuisine" when="2026-12-16T18:00+01:00"')
    assert (await live_of(community, 1)).starts_at == datetime(2026, 12, 16, 17, 0, tzinfo=UTC)


async def test_numbers_are_read_in_the_readers_own_convention(community: Chat) -> None:
    hugo = community.as_("hugo", "host")
    assert (await hugo.says("/settings language=en")).ok
    said = await schedule(community, 'title="Cooking class" when="4/25 at 4pm"', "hugo", "host")
    assert "Sunday 25 April 2027 at 16:00 (Paris time)" in said  # month first in English
    said = await schedule(
        community, 'title="Cooking class" when="next friday at noon"', "hugo", "host"
    )
    assert "Friday 27 November 2026 at 12:00 (Paris time)" in said
    # Without am/pm, an English 6:30 is the next 6:30 on a 12-hour dial, echoed in full.
    said = await schedule(community, 'title="Cooking class" when="6:30"', "hugo", "host")
    assert "Sunday 22 November 2026 at 18:30 (Paris time)" in said
    # French: day first, and a 24-hour clock.
    said = await schedule(community, 'title="Cours de cuisine" when="1/12 6:30"')
    assert "mardi 1 décembre 2026 à 06:30 (heure de Paris)" in said
    refused = await community.as_("olga", "organizer").says(
        '/schedule title="Cours de cuisine" when="4/25 16h"'
    )
    assert not refused.ok and refused.key == "when.unparsed"
    assert "Je n’ai pas compris la date « 4/25 16h »" in refused


async def test_the_announcement_goes_to_both_spaces_with_join_ask_and_details(
    community: Chat,
) -> None:
    await schedule(community, 'title="Cours de cuisine" when="demain 18h" capacity=20')
    for space in ("discord", "telegram"):
        (post,) = community.posts(space)
        assert "Cours de cuisine" in post and "#1" in post
        assert "lundi 23 novembre 2026 à 18:00 (heure de Paris)" in post
        assert "20 places restantes" in post and "Olga" in post
    sent = [s for s in community.platform.sent if not s.dest.private]
    assert len(sent) == 2
    for post in sent:
        (row,) = post.message.buttons
        assert [b.action for b in row] == ["j:1", "k:1", "d:1"]
        assert [b.label.key for b in row] == ["button.join", "button.ask", "button.details"]
    assert community.inbox("olga") == []


async def test_an_announced_join_button_signs_up_whoever_presses_it(community: Chat) -> None:
    await schedule(community, 'title="Cours de cuisine" when="demain 18h"')
    (post,) = [s for s in community.platform.sent if s.dest.chat_id == "telegram"]
    join = post.message.buttons[0][0].action
    assert join is not None
    said = await community.as_("tia", space="telegram").presses(join)
    assert said.ok and said.key == "signup.confirmed"


async def test_a_weekly_series_keeps_1830_paris_across_the_march_clock_change(
    community: Chat,
) -> None:
    said = await schedule(
        community, 'title="Yoga du soir" when="2026-12-01 18:30" repeat=weekly count=20'
    )
    assert said.key == "live.scheduled_series"
    assert "20" in said and "chaque semaine" in said
    assert "mardi 1 décembre 2026 à 18:30" in said and "mardi 13 avril 2027 à 18:30" in said
    lives = [await live_of(community, i) for i in range(1, 21)]
    assert len({live.series_id for live in lives}) == 1 and lives[0].series_id is not None
    for i, live in enumerate(lives):
        day = datetime(2026, 12, 1, tzinfo=UTC).date() + timedelta(weeks=i)
        assert live.starts_at.date() == day
        summer = day > datetime(2027, 3, 28).date()
        assert (live.starts_at.hour, live.starts_at.minute) == ((16, 30) if summer else (17, 30))
        local = live.starts_at.astimezone(PARIS)
        assert (local.hour, local.minute) == (18, 30)
    assert lives[16].starts_at == datetime(2027, 3, 23, 17, 30, tzinfo=UTC)
    assert lives[17].starts_at == datetime(2027, 3, 30, 16, 30, tzinfo=UTC)
    # one announcement per space, for the first occurrence, saying it is a series
    for space in ("discord", "telegram"):
        (post,) = community.posts(space)
        assert "série de 20 lives" in post


async def test_a_monthly_series_on_the_31st_clamps_to_the_end_of_shorter_months(
    community: Chat,
) -> None:
    await schedule(community, 'title="Club lecture" when="2026-12-31 18:30" repeat=monthly count=5')
    days = [(await live_of(community, i)).starts_at.astimezone(PARIS) for i in range(1, 6)]
    assert [(d.year, d.month, d.day) for d in days] == [
        (2026, 12, 31),
        (2027, 1, 31),
        (2027, 2, 28),
        (2027, 3, 31),
        (2027, 4, 30),
    ]
    assert all((d.hour, d.minute) == (18, 30) for d in days)


async def test_a_biweekly_series_is_two_weeks_apart_and_hebdo_means_weekly(
    community: Chat,
) -> None:
    await schedule(community, 'title="Atelier CV" when="2026-12-01 18:30" repeat=biweekly count=3')
    starts = [(await live_of(community, i)).starts_at for i in range(1, 4)]
    assert [b - a for a, b in itertools.pairwise(starts)] == [timedelta(weeks=2)] * 2
    await schedule(community, 'title="Atelier CV" when="2026-12-02 18:30" repeat=hebdo count=2')
    fourth, fifth = await live_of(community, 4), await live_of(community, 5)
    assert fifth.starts_at - fourth.starts_at == timedelta(weeks=1)


async def test_a_series_must_fit_within_one_year(community: Chat) -> None:
    olga = community.as_("olga", "organizer")
    said = await olga.says('/schedule title="Club" when="2026-12-31 18:30" repeat=monthly count=14')
    assert not said.ok and said.key == "series.too_long"
    async with community.store.unit() as uow:
        assert await uow.lives.get(1) is None


# -- /publish --------------------------------------------------------------------------------


async def make_draft(chat: Chat, host: str = "hugo") -> int:
    """A draft as an accepted proposal leaves it: hosted by a member without the host role."""
    assert (await chat.as_(host).says("/lives")).ok  # the member is known to the bot
    hugo = await member_id(chat, host)
    async with chat.store.unit() as uow:
        live = await uow.lives.create(
            1, "Tricot pour débutants", "", datetime(2026, 12, 5, 17, 0, tzinfo=UTC), 60,
            None, None, ("tricot",), LiveStatus.DRAFT, hugo, None, chat.clock.now(),
        )  # fmt: skip
        await uow.lives.add_host(live.id, hugo)
    return live.id


async def test_a_draft_is_unknown_to_others_until_its_host_publishes_it(community: Chat) -> None:
    draft = await make_draft(community)
    bob = community.as_("bob")
    said = await bob.says(f"/live {draft}")
    assert not said.ok and said.key == "error.unknown_live"
    said = await bob.says(f"/join {draft}")
    assert not said.ok and said.key == "error.live_draft"
    assert "pas encore publié" in said
    assert (await bob.says("/lives")).key == "lives.none"
    assert community.posts("discord") == [] and community.posts("telegram") == []
    shown = await community.as_("hugo").says(f"/live {draft}")
    assert shown.ok and "Brouillon" in shown

    said = await community.as_("hugo").says(f"/publish {draft}")
    assert said.ok and said.key == "live.published"
    assert "samedi 5 décembre 2026 à 18:00 (heure de Paris)" in said
    assert (await live_of(community, draft)).status is LiveStatus.SCHEDULED
    for space in ("discord", "telegram"):
        (post,) = community.posts(space)
        assert "Tricot pour débutants" in post and "Hugo" in post
    said = await bob.says(f"/join {draft}")
    assert said.ok and said.key == "signup.confirmed"


async def test_only_the_host_of_a_draft_publishes_it_and_only_once(community: Chat) -> None:
    draft = await make_draft(community)
    said = await community.as_("bob").says(f"/publish {draft}")
    assert not said.ok and said.key == "error.not_host_of_live"
    assert (await live_of(community, draft)).status is LiveStatus.DRAFT
    assert (await community.as_("hugo").says(f"/publier {draft}")).ok
    again = await community.as_("hugo").says(f"/publish {draft}")
    assert not again.ok and again.key == "live.not_draft"
    assert len(community.posts("discord")) == 1


# -- /edit -----------------------------------------------------------------------------------


async def test_a_time_change_tells_everyone_signed_up_with_the_new_date_in_words(
    community: Chat,
) -> None:
    await schedule(community, 'title="Cours de cuisine" when="demain 18h" capacity=1')
    assert (await community.as_("bob").says("/join 1")).key == "signup.confirmed"
    tia = community.as_("tia", space="telegram")
    assert (await tia.says("/join 1")).key == "signup.waitlisted"
    assert (await community.as_("ann").says("/join 1")).ok
    assert (await community.as_("ann").says("/leave 1")).ok
    said = await community.as_("olga", "organizer").says('/edit 1 when="2026-11-24 19:30"')
    assert said.ok and said.key == "live.edited"
    assert "mardi 24 novembre 2026 à 19:30 (heure de Paris)" in said
    for name in ("bob", "tia"):
        (notice,) = community.inbox(name)
        assert "Changement d’horaire" in notice and "Cours de cuisine" in notice
        assert "mardi 24 novembre 2026 à 19:30 (heure de Paris)" in notice
    assert community.inbox("ann") == []
    assert (await live_of(community, 1)).starts_at == datetime(2026, 11, 24, 18, 30, tzinfo=UTC)


async def test_an_edit_that_keeps_the_time_tells_nobody(community: Chat) -> None:
    await schedule(community, 'title="Cours de cuisine" when="demain 18h"')
    assert (await community.as_("bob").says("/join 1")).ok
    said = await community.as_("olga", "organizer").says(
        '/edit 1 title="Cuisine du monde" duration=45 description="Voyage" tags=monde '
        "link=https://exemple.org/monde"
    )
    assert said.ok and "Cuisine du monde" in said
    live = await live_of(community, 1)
    assert (live.title, live.duration_min, live.description, live.tags, live.link) == (
        "Cuisine du monde",
        45,
        "Voyage",
        ("monde",),
        "https://exemple.org/monde",
    )
    assert community.inbox("bob") == []


async def test_a_cohost_may_edit_and_another_member_may_not(community: Chat) -> None:
    await schedule(community, 'title="Cours de cuisine" when="demain 18h"')
    bob = community.as_("bob")
    said = await bob.says('/edit 1 title="Pris par Bob"')
    assert not said.ok and said.key == "error.not_host_of_live"
    assert "personnes qui animent le live #1" in said
    assert (await live_of(community, 1)).title == "Cours de cuisine"
    assert (await bob.says("/myschedule")).ok  # a refusal changes nothing: Bob says hello first
    said = await community.as_("olga", "organizer").says("/edit 1 cohost=bob")
    assert said.ok, said.text
    said = await bob.says('/edit 1 title="Cuisine à deux"')
    assert said.ok and said.key == "live.edited"
    assert (await live_of(community, 1)).title == "Cuisine à deux"
    said = await community.as_("tia", space="telegram").says('/modifier 1 title="Non"')
    assert not said.ok and said.key == "error.not_host_of_live"
    assert (await live_of(community, 1)).title == "Cuisine à deux"


async def test_an_unknown_cohost_is_refused(community: Chat) -> None:
    await schedule(community, 'title="Cours de cuisine" when="demain 18h"')
    said = await community.as_("olga", "organizer").says("/edit 1 cohost=personne")
    assert not said.ok and said.key == "error.unknown_member"


async def test_series_all_edits_this_occurrence_and_the_rest_only(community: Chat) -> None:
    await schedule(community, 'title="Yoga" when="2026-12-01 18:30" repeat=weekly count=4')
    olga = community.as_("olga", "organizer")
    said = await olga.says('/edit 2 title="Yoga doux" when="2026-12-08 19:00" series=all')
    assert said.ok and said.key == "live.edited"
    assert "3 lives" in said
    lives = [await live_of(community, i) for i in range(1, 5)]
    assert [x.title for x in lives] == ["Yoga", "Yoga doux", "Yoga doux", "Yoga doux"]
    local = [x.starts_at.astimezone(PARIS) for x in lives]
    assert [(d.day, d.hour, d.minute) for d in local] == [
        (1, 18, 30),
        (8, 19, 0),
        (15, 19, 0),
        (22, 19, 0),
    ]
    said = await olga.says('/edit 3 title="Yoga seul"')
    assert said.ok
    assert [(await live_of(community, i)).title for i in (3, 4)] == ["Yoga seul", "Yoga doux"]


async def test_series_all_on_a_single_live_and_an_empty_edit_are_refused(community: Chat) -> None:
    await schedule(community, 'title="Cours de cuisine" when="demain 18h"')
    olga = community.as_("olga", "organizer")
    said = await olga.says('/edit 1 title="Autre" series=all')
    assert not said.ok and said.key == "live.not_series"
    said = await olga.says("/edit 1")
    assert not said.ok
    assert (await live_of(community, 1)).title == "Cours de cuisine"


# -- /cancel ---------------------------------------------------------------------------------


async def test_cancel_tells_members_with_the_reason_posts_everywhere_and_closes_sign_ups(
    community: Chat,
) -> None:
    await schedule(community, 'title="Cours de cuisine" when="demain 18h" capacity=1')
    assert (await community.as_("bob").says("/join 1")).ok
    assert (await community.as_("tia", space="telegram").says("/join 1")).ok  # waitlisted
    said = await community.as_("olga", "organizer").says("/cancel 1 Je suis malade")
    assert said.ok and said.key == "live.cancelled"
    assert said.text == (
        "Le live #1 « Cours de cuisine » est annulé. 2 personnes inscrites sont prévenues."
    )
    for name in ("bob", "tia"):
        (notice,) = community.inbox(name)
        assert "Cours de cuisine" in notice and "est annulé" in notice
        assert "Raison : Je suis malade" in notice
    for space in ("discord", "telegram"):
        assert any(
            "Le live #1 « Cours de cuisine » est annulé" in p for p in community.posts(space)
        )
    assert (await live_of(community, 1)).status is LiveStatus.CANCELLED
    said = await community.as_("ann").says("/join 1")
    assert not said.ok and said.key == "error.live_cancelled"
    assert "a été annulé" in said
    bob, tia = await member_id(community, "bob"), await member_id(community, "tia")
    async with community.store.unit() as uow:
        kept = await uow.signups.member_ids(1, [SignupStatus.CONFIRMED, SignupStatus.WAITLISTED])
    assert kept == [bob, tia]  # nobody added, nobody dropped


async def test_cancel_without_reason_and_by_a_non_host(community: Chat) -> None:
    await schedule(community, 'title="Cours de cuisine" when="demain 18h"')
    assert (await community.as_("bob").says("/join 1")).ok
    said = await community.as_("bob").says("/cancel 1")
    assert not said.ok and said.key == "error.not_host_of_live"
    assert (await live_of(community, 1)).status is LiveStatus.SCHEDULED
    assert (await community.as_("olga", "organizer").says("/annuler 1")).ok
    (notice,) = community.inbox("bob")
    assert "Raison" not in notice
    again = await community.as_("olga", "organizer").says("/cancel 1")
    assert not again.ok and again.key == "live.not_cancellable"


async def test_cancel_series_all_cancels_the_rest_of_the_series(community: Chat) -> None:
    await schedule(community, 'title="Yoga" when="2026-12-01 18:30" repeat=weekly count=4')
    assert (await community.as_("bob").says("/join 3")).ok
    said = await community.as_("olga", "organizer").says("/cancel 2 series=all")
    assert said.ok and "3 lives annulés" in said
    statuses = [(await live_of(community, i)).status for i in range(1, 5)]
    assert statuses == [LiveStatus.SCHEDULED] + [LiveStatus.CANCELLED] * 3
    assert len(community.inbox("bob")) == 1
    bob = await member_id(community, "bob")
    async with community.store.unit() as uow:
        signup = await uow.signups.get(3, bob)
    assert signup is not None and signup.status is SignupStatus.CONFIRMED


async def test_the_announcement_is_in_the_communitys_time_whatever_the_hosts_zone(
    community: Chat,
) -> None:
    hugo = community.as_("hugo", "host")
    assert (await hugo.says("/settings timezone=America/New_York")).ok
    said = await hugo.says('/schedule title="Brunch" when="2026-12-01 18:30"')
    assert said.ok and "mardi 1 décembre 2026 à 18:30 (heure de New York)" in said
    assert (await live_of(community, 1)).starts_at == datetime(2026, 12, 1, 23, 30, tzinfo=UTC)
    for space in ("discord", "telegram"):
        (post,) = community.posts(space)
        assert "mercredi 2 décembre 2026 à 00:30 (heure de Paris)" in post
        assert "Hugo" in post


async def test_an_organizer_publishing_a_draft_announces_its_own_host(community: Chat) -> None:
    draft = await make_draft(community)
    assert (await community.as_("olga", "organizer").says(f"/publish {draft}")).ok
    for space in ("discord", "telegram"):
        (post,) = community.posts(space)
        assert "animé par Hugo" in post and "Olga" not in post


async def test_a_time_change_notice_speaks_each_members_language_and_time(
    community: Chat,
) -> None:
    await schedule(community, 'title="Cours de cuisine" when="demain 18h"')
    bob = community.as_("bob")
    assert (await bob.says("/settings language=en timezone=America/New_York")).ok
    assert (await bob.says("/join 1")).ok
    assert (await community.as_("ann").says("/join 1")).ok
    said = await community.as_("olga", "organizer").says('/edit 1 when="2026-11-24 19:30"')
    assert said.ok
    (notice,) = community.inbox("bob")
    assert "Time change" in notice
    assert "Tuesday 24 November 2026 at 13:30 (New York time)" in notice
    (notice,) = community.inbox("ann")
    assert "mardi 24 novembre 2026 à 19:30 (heure de Paris)" in notice
