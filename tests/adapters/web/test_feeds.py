"""Issue 15's calendar feeds, fetched from the running web server and read back with the
`icalendar` library: a member's feed holds exactly their lives with alarms at their own
offsets; a move and a cancellation reach the next fetch under the same UID with a higher
SEQUENCE; an unchanged feed answers 304 and is not written again; a wrong, reset or forgotten
token gets the same 404 as anything else; a weekly series keeps its local hour across a
change of daylight saving time."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from bot.core import codec
from tests.adapters.web.feeds_world import Site, events, live_of, serving, url_button

PARIS = ZoneInfo("Europe/Paris")


async def schedule(site: Site, title: str, when: str, *extra: str) -> None:
    said = await site.chat.as_("hugo", "host").says(
        f'/schedule title="{title}" when="{when}" {" ".join(extra)}'
    )
    assert said.ok, said.text


async def feed_path(site: Site, name: str) -> str:
    """What the member's chat button opens, and the feed that page offers."""
    said = await site.chat.as_(name).says("/calendar")
    page = url_button(said)
    assert page.startswith(f"{site.base}/cal/"), page
    status, body, headers = await site.get(page)
    assert status == 200, body
    assert headers["Referrer-Policy"] == "no-referrer"
    token = page.rsplit("/", 1)[1]
    assert f"webcal://127.0.0.1:{site.server.port}/cal/{token}.ics" in body
    assert "calendar.google.com/calendar/r?cid=webcal%3A%2F%2F" in body
    assert f'value="{site.base}/cal/{token}.ics"' in body  # the copy-the-link field
    return f"/cal/{token}.ics"


async def test_a_members_feed_holds_exactly_their_lives_with_their_own_alarms(
    tmp_path: Path,
) -> None:
    async with serving(tmp_path) as site:
        await schedule(site, "Cuisine facile", "demain 18h", "capacity=1")
        await schedule(site, "Vélo en ville", "après-demain 19h")
        await schedule(site, "Jardin partagé", "dans 3 jours à 10h")
        ann, bob = site.chat.as_("ann"), site.chat.as_("bob")
        assert (await ann.says("/settings reminders=2h,10m")).ok
        assert (await bob.says("/join 1")).ok
        for live in (1, 2, 3):  # the first is full: Ann waits for a seat
            assert (await ann.says(f"/join {live}")).ok
        assert (await bob.says("/join 3")).ok
        mine = events(await site.calendar(await feed_path(site, "ann")))
        assert sorted(live_of(uid) for uid in mine) == [1, 2, 3]
        for uid, event in mine.items():
            triggers = sorted(a.decoded("trigger") for a in event.walk("VALARM"))
            if live_of(uid) == 1:  # on the waiting list: tentative, no alarm
                assert str(event["status"]) == "TENTATIVE" and triggers == []
            else:
                assert str(event["status"]) == "CONFIRMED"
                assert triggers == [-timedelta(hours=2), -timedelta(minutes=10)]
            assert event.decoded("dtstart").tzinfo.key == "Europe/Paris"
            assert "Animé par Hugo" in str(event["description"])
        # Bob has the community's offsets (24 h and 15 min) on his two lives, and nobody's names
        bobs = events(await site.calendar(await feed_path(site, "bob")))
        assert sorted(live_of(uid) for uid in bobs) == [1, 3]
        for event in bobs.values():
            triggers = sorted(a.decoded("trigger") for a in event.walk("VALARM"))
            assert triggers == [-timedelta(hours=24), -timedelta(minutes=15)]
        # Leaving takes the live out of her next fetch.
        assert (await ann.says("/leave 2")).ok
        again = events(await site.calendar(await feed_path(site, "ann")))
        assert sorted(live_of(uid) for uid in again) == [1, 3]


async def test_a_move_and_a_cancellation_reach_the_next_fetch_under_the_same_uid(
    tmp_path: Path,
) -> None:
    async with serving(tmp_path) as site:
        await schedule(site, "Cuisine facile", "demain 18h")
        await schedule(site, "Vélo en ville", "après-demain 19h")
        status, _, headers = await site.get("/c/1.ics")
        assert status == 200
        first = events(await site.calendar("/c/1.ics"))
        assert {str(e["sequence"]) for e in first.values()} == {"0"}
        uid = next(u for u in first if live_of(u) == 1)
        assert uid.endswith("@127.0.0.1")
        # Unchanged: a 304 from the kept feed; written once for all these fetches.
        written = site.calendars.cache.writings
        status, _, again = await site.get("/c/1.ics", **{"If-None-Match": headers["ETag"]})
        assert status == 304 and again["ETag"] == headers["ETag"]
        assert site.calendars.cache.writings == written
        hugo = site.chat.as_("hugo", "host")
        assert (await hugo.says('/edit 1 when="demain 20h"')).ok
        assert (await hugo.says("/cancel 2")).ok
        status, _, moved = await site.get("/c/1.ics", **{"If-None-Match": headers["ETag"]})
        assert status == 200 and moved["ETag"] != headers["ETag"]
        now = events(await site.calendar("/c/1.ics"))
        assert set(now) == set(first)  # same UIDs: calendars update, never duplicate
        one, two = (now[u] for u in sorted(now, key=live_of))
        assert str(one["sequence"]) == "1" and str(one["status"]) == "CONFIRMED"
        assert one.decoded("dtstart").astimezone(PARIS).hour == 20
        assert one.decoded("dtstamp") == site.chat.clock.now()  # stamped by the bot's clock
        assert str(two["sequence"]) == "1" and str(two["status"]) == "CANCELLED"


async def test_a_wrong_reset_or_forgotten_token_gets_the_same_404(tmp_path: Path) -> None:
    async with serving(tmp_path) as site:
        await schedule(site, "Cuisine facile", "demain 18h")
        ann = site.chat.as_("ann")
        assert (await ann.says("/join 1")).ok
        old = await feed_path(site, "ann")
        _, nothing, _ = await site.get("/c/999")
        wrong = f"/cal/{secrets.token_urlsafe(24)}.ics"
        for path in (wrong, wrong.removesuffix(".ics"), "/cal/short.ics"):
            status, body, _ = await site.get(path)
            assert status == 404 and body == nothing, path
        said = await ann.says("/calendar reset")
        assert said.ok and "ne marche plus" in said.text
        new = url_button(said).removeprefix(site.base) + ".ics"
        assert new != old
        status, body, _ = await site.get(old)
        assert status == 404 and body == nothing and "Cuisine" not in body
        assert (await site.calendar(new)) is not None
        # /calendar again gives the same link (it is kept, not made anew each time)
        assert url_button(await ann.says("/calendrier")).removeprefix(site.base) + ".ics" == new
        forgot = await ann.presses(codec.encode("forgetme", "yes"))
        assert forgot.ok, forgot.text
        status, body, _ = await site.get(new)
        assert status == 404 and body == nothing


async def test_a_weekly_series_keeps_its_local_hour_across_daylight_saving_time(
    tmp_path: Path,
) -> None:
    async with serving(tmp_path) as site:
        site.chat.clock.set(datetime(2027, 3, 1, 9, 0, tzinfo=UTC))
        await schedule(site, "Atelier", "2027-03-16T18:00+01:00", "repeat=weekly", "count=4")
        found = events(await site.calendar("/c/1.ics"))
        starts = sorted(e.decoded("dtstart") for e in found.values())
        assert [s.astimezone(PARIS).hour for s in starts] == [18, 18, 18, 18]
        assert [s.astimezone(UTC).hour for s in starts] == [17, 17, 16, 16]  # 28 March 2027
        assert all(s.tzinfo.key == "Europe/Paris" for s in starts)
        status, body, _ = await site.get("/c/1.ics")
        assert status == 200
        assert "BEGIN:VTIMEZONE" in body and "TZID:Europe/Paris" in body
        assert "DTSTART;TZID=Europe/Paris:20270330T180000" in body


async def test_a_single_live_file_from_its_details(tmp_path: Path) -> None:
    async with serving(tmp_path, public=False) as site:
        await schedule(site, "Cuisine facile", "demain 18h")
        said = await site.chat.as_("ann").says("/live 1")
        links = [b.url for m in said.reply.messages for row in m.buttons for b in row if b.url]
        assert len(links) == 1 and links[0].startswith(f"{site.base}/ics/1/"), links
        one = events(await site.calendar(links[0]))
        assert [live_of(u) for u in one] == [1]
        _, nothing, _ = await site.get("/c/999")
        forged = links[0].rsplit("/", 1)[0] + "/AAAAAAAAAAAAAAAA.ics"
        for path in (forged, links[0].replace("/ics/1/", "/ics/2/"), "/c/1/1.ics", "/c/1.ics"):
            status, body, _ = await site.get(path)  # a private community: nothing public
            assert status == 404 and body == nothing, path
