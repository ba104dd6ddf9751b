"""Issue 15's public schedule page, over HTTP from the running server: what it shows (upcoming
lives, their time in the live's zone with its label, hosts, seats left as counts, a replay once
ended), preview tags for social networks, the reader's language, and nothing it must not: no
member's name, nothing about a private community, a draft or a live of another community, all
answered with the same short 404."""

from __future__ import annotations

import re
from pathlib import Path

from bot.core import codec
from tests.adapters.web.feeds_world import Site, serving

OG = re.compile(r'<meta property="og:(\w+)" content="([^"]*)">')


async def two_lives(site: Site) -> None:
    hugo = site.chat.as_("hugo", "host")
    said = await hugo.says(
        '/schedule title="Cuisine <facile>" when="demain 18h" capacity=3 '
        'description="On cuisine ensemble.\nApporte un tablier."'
    )
    assert said.ok, said.text
    assert (await hugo.says('/schedule title="Vélo en ville" when="après-demain 19h"')).ok
    for name in ("ann", "bob"):
        assert (await site.chat.as_(name).says("/join 1")).ok


async def test_the_schedule_shows_upcoming_lives_with_counts_and_no_members_name(
    tmp_path: Path,
) -> None:
    async with serving(tmp_path) as site:
        await two_lives(site)
        status, page, headers = await site.get("/c/1", **{"Accept-Language": "fr-FR,fr;q=0.9"})
        assert status == 200
        assert "script-src 'self'" in headers["Content-Security-Policy"]
        assert "Les prochains lives de Olga" in page
        assert "Cuisine &lt;facile&gt;" in page and "<facile>" not in page  # escaped
        assert "lundi 23 novembre 2026 à 18:00 (heure de Paris)" in page
        assert 'datetime="2026-11-23T17:00:00+00:00" data-zone="Europe/Paris"' in page
        assert "Animé par Hugo" in page and "1 place restante" in page
        assert "Ann" not in page and "Bob" not in page  # counts only
        og = dict(OG.findall(page))
        assert og["title"] == "Les prochains lives de Olga" and og["locale"] == "fr_FR"
        assert og["url"] == f"{site.base}/c/1"
        assert '<meta name="twitter:card" content="summary">' in page
        assert f'href="webcal://127.0.0.1:{site.server.port}/c/1.ics"' in page
        assert 'href="/c/1?lang=en" hreflang="en"' in page  # the switch
        status, english, _ = await site.get("/c/1", **{"Accept-Language": "en-GB,en;q=0.8"})
        assert "Upcoming lives of Olga" in english and "1 seat left" in english
        assert 'lang="en"' in english
        _, asked, _ = await site.get("/c/1?lang=fr", **{"Accept-Language": "en"})
        assert "Les prochains lives" in asked  # the switch wins over the browser


async def test_a_lives_page_shows_it_in_its_zone_and_its_replay_once_ended(
    tmp_path: Path,
) -> None:
    async with serving(tmp_path) as site:
        await two_lives(site)
        status, page, _ = await site.get("/c/1/1")
        assert status == 200
        assert "<p>On cuisine ensemble.</p><p>Apporte un tablier.</p>" in page
        assert "(heure de Paris)" in page and "60 min" in page
        assert 'href="/c/1/1.ics"' in page
        og = dict(OG.findall(page))
        assert og["title"] == "Cuisine <facile> · Olga".replace("<", "&lt;").replace(">", "&gt;")
        assert og["description"] == "On cuisine ensemble.\nApporte un tablier."
        hugo = site.chat.as_("hugo", "host")
        assert (await hugo.says("/golive 1")).ok
        assert (await hugo.says("/end 1 https://example.org/replay")).ok
        _, ended, _ = await site.get("/c/1/1")
        assert "Ce live est terminé." in ended
        assert 'href="https://example.org/replay"' in ended
        assert "Participer" not in ended  # no joining an ended live


async def test_bad_addresses_get_the_same_short_404(tmp_path: Path) -> None:
    async with serving(tmp_path) as site:
        await two_lives(site)
        # A draft: a member's proposal, accepted, waits for its host to publish it.
        ann = site.chat.as_("ann")
        assert (await ann.says('/propose title="Tricot" description="Les bases"')).ok
        accepted = await site.chat.as_("mona", "moderator").presses(codec.encode("accept", 1))
        assert accepted.ok, accepted.text
        # Another community, private, in another space.
        other = site.chat.as_("paul", "organizer", space="elsewhere")
        assert (await other.says("/setup")).ok
        assert (await site.chat.as_("hugo", "host", space="elsewhere").says(
            '/schedule title="Secret" when="demain 20h"'
        )).ok  # fmt: skip
        _, nothing, _ = await site.get("/c/999")
        paths = (
            "/c/999", "/c/999.ics", "/c/2", "/c/2.ics", "/c/2/4", "/c/2/4.ics", "/c/1/4",
            "/c/1/3", "/c/1/3.ics", "/c/1/999", "/c/abc", "/c/1?page=0", "/c/1?page=x",
            "/c/1?page=9", "/c/%D9%A1", "/c/1/1x", "/ics/1/x.ics", "/cal/" + "A" * 32,
        )  # fmt: skip
        for path in paths:
            status, body, headers = await site.get(path)
            assert (status, body) == (404, nothing), path
            assert headers["Content-Type"].startswith("text/html")
            assert "Secret" not in body and "Tricot" not in body
        assert "Page introuvable" in nothing and len(nothing) < 1500
        # Turned private again: the page and its feed are gone.
        assert (await site.chat.as_("olga", "organizer").says("/setup public=non")).ok
        for path in ("/c/1", "/c/1.ics", "/c/1/1"):
            status, body, _ = await site.get(path)
            assert (status, body) == (404, nothing), path


async def test_setup_turns_the_page_on_and_checks_the_invite(tmp_path: Path) -> None:
    async with serving(tmp_path, public=False) as site:
        olga = site.chat.as_("olga", "organizer")
        said = await olga.says("/setup public=oui invitation=https://discord.gg/atelier")
        assert said.ok and f"Page publique de la communauté : {site.base}/c/1" in said.text
        refused = await olga.says("/setup invite=https://evil.example.org/x")
        assert not refused.ok and "n’est pas une invitation Discord" in refused.text
        hugo = site.chat.as_("hugo", "host")
        assert (await hugo.says('/schedule title="Vélo" when="demain 19h"')).ok
        status, page, _ = await site.get("/c/1/1")
        assert status == 200
        assert 'class="button discord" href="https://discord.gg/atelier"' in page
        # The announcement and /live carry the page's and the calendar's links.
        posted = site.chat.posts("discord")
        assert any(f"{site.base}/c/1/1" in p and f"{site.base}/c/1.ics" in p for p in posted)
        shown = await site.chat.as_("ann").says("/live 1")
        assert f"Page publique : {site.base}/c/1/1" in shown.text
