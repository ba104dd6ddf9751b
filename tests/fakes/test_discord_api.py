"""The fake Discord, proven against the real discord.py 2.7.1 over real HTTP and WebSocket."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import aiohttp
import discord
import pytest
import yarl
from discord import app_commands

from tests.fakes.discord_api import FakeDiscord
from tests.fakes.discord_state import BOT_DEFAULT_PERMISSIONS, MENTION_EVERYONE

GUILD, TEXT, NEWS = 100, 200, 201
OWNER, ALICE, BOB = 10, 11, 12
ROLE = 300

Connect = Callable[..., Awaitable[discord.Client]]


class _Errors(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@pytest.fixture(autouse=True)
def no_error_logs() -> Any:
    """discord.py only logs handler exceptions: an ERROR from it is a failed test."""
    handler = _Errors()
    logger = logging.getLogger("discord")
    logger.addHandler(handler)
    yield
    logger.removeHandler(handler)
    assert not handler.records, [r.getMessage() + str(r.exc_info) for r in handler.records]


@pytest.fixture
async def fake() -> AsyncIterator[FakeDiscord]:
    async with FakeDiscord() as f:
        f.add_guild(GUILD, "Atelier", owner_id=OWNER, locale="fr")
        f.add_channel(GUILD, TEXT, "general")
        f.add_channel(GUILD, NEWS, "annonces", kind=5)
        f.add_role(GUILD, ROLE, "organisateurs", permissions=MENTION_EVERYONE)
        f.add_member(GUILD, ALICE, "Alice", roles=[ROLE], accepts_dms=True)
        f.add_member(GUILD, BOB, "Bob", locale="en-US")
        saved = discord.http.Route.BASE, discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY
        discord.http.Route.BASE = f.api_base
        discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(f.gateway_url)
        try:
            yield f
        finally:
            discord.http.Route.BASE, discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = saved
        assert not f.crashes


@pytest.fixture
async def connect(fake: FakeDiscord) -> AsyncIterator[Connect]:
    """Log a client in and connect it; `before` runs between login and connect (e.g. a sync)."""
    running: list[tuple[discord.Client, asyncio.Task[None]]] = []

    async def start(
        client: discord.Client | None = None,
        before: Callable[[discord.Client], Awaitable[None]] | None = None,
    ) -> discord.Client:
        client = client or discord.Client(
            intents=discord.Intents.default(), guild_ready_timeout=0.05
        )
        await client.login(fake.token)
        if before is not None:
            await before(client)
        task = asyncio.create_task(client.connect(reconnect=False))
        running.append((client, task))
        await asyncio.wait_for(client.wait_until_ready(), 5)
        return client

    yield start
    for client, task in running:
        await client.close()
        await asyncio.wait_for(task, 5)


def _text(client: discord.Client) -> discord.TextChannel:
    channel = client.get_channel(TEXT)
    assert isinstance(channel, discord.TextChannel)
    return channel


async def test_client_is_ready_with_guild_channels_and_members(
    fake: FakeDiscord, connect: Connect
) -> None:
    intents = discord.Intents.default()
    intents.members = True
    client = await connect(discord.Client(intents=intents, guild_ready_timeout=0.05))
    guild = client.get_guild(GUILD)
    assert (
        guild is not None
        and guild.name == "Atelier"
        and guild.preferred_locale is discord.Locale.french
    )
    assert {c.id for c in guild.text_channels} == {TEXT, NEWS}
    assert {m.id for m in guild.members} == {OWNER, ALICE, BOB, fake.bot_id}
    alice = guild.get_member(ALICE)
    assert alice is not None and [r.id for r in alice.roles[1:]] == [ROLE]
    assert guild.me.guild_permissions.value == BOT_DEFAULT_PERMISSIONS
    assert fake.identify_count == 1 and fake.identified_intents == [intents.value]
    assert fake.gateway.connect_queries[0] == {
        "v": "10",
        "encoding": "json",
        "compress": "zlib-stream",
    }
    assert [c.path for c in fake.calls[:2]] == ["/users/@me", "/oauth2/applications/@me"]
    # Added after READY: arrives live as GUILD_CREATE.
    fake.add_guild(101, "Second", owner_id=OWNER)
    await fake.wait_for(lambda: client.get_guild(101) is not None)


async def test_allowed_mentions_decide_who_is_pinged(fake: FakeDiscord, connect: Connect) -> None:
    client = await connect()
    guild = client.get_guild(GUILD)
    assert guild is not None and [m.id for m in guild.members] == [fake.bot_id]  # no members intent
    text = f"@everyone <@&{ROLE}> <@{BOB}>"
    fake.set_bot_permissions(GUILD, BOT_DEFAULT_PERMISSIONS | MENTION_EVERYONE)
    await fake.wait_for(lambda: guild.me.guild_permissions.mention_everyone)
    quiet = await _text(client).send(text, allowed_mentions=discord.AllowedMentions.none())
    loud = await _text(client).send(text)
    stored = {m["id"]: m for m in fake.messages(TEXT)}
    assert fake.pings(stored[str(quiet.id)]) == set()
    assert fake.pings(stored[str(loud.id)]) == {"everyone", f"role:{ROLE}", f"user:{BOB}"}
    assert loud.mention_everyone and [u.id for u in loud.mentions] == [BOB]
    # Without MENTION_EVERYONE Discord drops @everyone and non-mentionable roles.
    fake.set_bot_permissions(GUILD, BOT_DEFAULT_PERMISSIONS)
    plain = await _text(client).send(text)
    assert fake.pings(fake.messages(TEXT)[-1]) == {f"user:{BOB}"} and not plain.mention_everyone


async def test_message_content_needs_its_intent(fake: FakeDiscord, connect: Connect) -> None:
    seen: list[tuple[int, str]] = []

    class Reader(discord.Client):
        async def on_message(self, message: discord.Message) -> None:
            seen.append((message.author.id, message.content))

    client = await connect(Reader(intents=discord.Intents.default(), guild_ready_timeout=0.05))
    fake.push_message(ALICE, TEXT, "bonjour")
    fake.push_message(ALICE, TEXT, f"<@{fake.bot_id}> salut")
    await _text(client).send("le bot aussi reçoit ses messages")
    await fake.wait_for(lambda: len(seen) == 3)
    assert seen == [
        (ALICE, ""),  # no MESSAGE_CONTENT intent: Discord blanks the content...
        (ALICE, f"<@{fake.bot_id}> salut"),  # ...unless the bot is mentioned
        (fake.bot_id, "le bot aussi reçoit ses messages"),
    ]


async def test_nonce_dedupes_and_threads_take_the_message_id(
    fake: FakeDiscord, connect: Connect
) -> None:
    client = await connect()
    first = await _text(client).send("Live ce soir", nonce="live-42")
    again = await _text(client).send("Live ce soir", nonce="live-42")
    assert first.id == again.id and len(fake.messages(TEXT)) == 1
    assert fake.calls[-1].json["enforce_nonce"] is True
    thread = await first.create_thread(name="Live du soir")
    assert thread.id == first.id and fake.threads[thread.id]["parent_id"] == TEXT
    await thread.send("questions ici")
    assert fake.messages(thread.id)[0]["content"] == "questions ici"


class _French(app_commands.Translator):
    async def translate(
        self, string: app_commands.locale_str, locale: discord.Locale, context: Any
    ) -> str | None:
        words = {"signup": "inscrire", "Sign up for a live": "S'inscrire à un live"}
        return words.get(string.message) if locale is discord.Locale.french else None


def _tree(client: discord.Client, seen: dict[str, Any]) -> app_commands.CommandTree[discord.Client]:
    tree: app_commands.CommandTree[discord.Client] = app_commands.CommandTree(client)

    @tree.command(
        name=app_commands.locale_str("signup"),
        description=app_commands.locale_str("Sign up for a live"),
    )
    async def signup(
        interaction: discord.Interaction, live: int, friend: discord.Member | None = None
    ) -> None:
        seen["signup"] = (live, friend, interaction.locale)
        await interaction.response.send_message(f"inscrit au live {live}", ephemeral=True)

    @tree.command(description="Slow answer")
    async def slow(interaction: discord.Interaction) -> None:
        await asyncio.sleep(0.3)
        try:
            await interaction.response.send_message("trop tard")
        except discord.NotFound as exc:
            seen["late"] = exc.code

    @tree.command(description="Deferred answer")
    async def later(interaction: discord.Interaction) -> None:
        await interaction.response.defer(thinking=True)
        await interaction.followup.send("voilà", ephemeral=True)
        await interaction.followup.send("et encore", ephemeral=True)

    @tree.command(description="Propose a live")
    async def propose(interaction: discord.Interaction) -> None:
        await interaction.response.send_modal(_Proposal(seen))

    @tree.command(description="Find a live")
    async def find(interaction: discord.Interaction, live: str) -> None:
        await interaction.response.send_message(live)

    @find.autocomplete("live")
    async def find_live(
        interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        names = ["Tricot", "Tresse", "Poterie"]
        return [
            app_commands.Choice(name=n, value=n.lower())
            for n in names
            if n.lower().startswith(current)
        ]

    return tree


class _Proposal(discord.ui.Modal, title="Proposer un live"):
    topic: discord.ui.TextInput[Any] = discord.ui.TextInput(
        label="Sujet", custom_id="topic", max_length=100
    )

    def __init__(self, seen: dict[str, Any]) -> None:
        super().__init__(custom_id="propose")
        self.seen = seen

    async def on_submit(self, interaction: discord.Interaction) -> None:
        self.seen["topic"] = self.topic.value
        await interaction.response.send_message("merci", ephemeral=True)


async def _synced(connect: Connect, seen: dict[str, Any]) -> discord.Client:
    client = discord.Client(intents=discord.Intents.default(), guild_ready_timeout=0.05)
    tree = _tree(client, seen)

    async def sync(_: discord.Client) -> None:
        await tree.set_translator(_French())
        await tree.sync()

    return await connect(client, sync)


async def test_synced_slash_command_runs_and_is_answered(
    fake: FakeDiscord, connect: Connect
) -> None:
    seen: dict[str, Any] = {}
    await _synced(connect, seen)
    signup = next(c for c in fake.commands[None] if c["name"] == "signup")
    assert signup["name_localizations"] == {"fr": "inscrire"} and fake.sync_count == 1
    iid = fake.slash(BOB, "signup", {"live": 42, "friend": ALICE}, guild_id=GUILD, channel_id=TEXT)
    resp = await fake.wait_response(iid)
    assert (resp.kind, resp.ephemeral, resp.data["content"]) == (4, True, "inscrit au live 42")
    live, friend, locale = seen["signup"]
    assert (live, friend.id, locale) == (42, ALICE, discord.Locale.american_english)
    assert fake.messages(TEXT) == []  # ephemeral answers are not channel messages
    with pytest.raises(AssertionError, match="never synced"):
        fake.slash(BOB, "unknown", guild_id=GUILD, channel_id=TEXT)
    with pytest.raises(AssertionError, match="required"):
        fake.slash(BOB, "signup", {}, guild_id=GUILD, channel_id=TEXT)


async def test_invalid_command_names_are_refused(fake: FakeDiscord, connect: Connect) -> None:
    client = await connect()
    bad = [{"name": "Sign Up", "description": "x", "type": 1}]
    with pytest.raises(discord.HTTPException) as caught:
        await client.http.bulk_upsert_global_commands(fake.application_id, bad)
    assert caught.value.code == 50035 and fake.sync_count == 0


async def test_late_ack_gets_unknown_interaction(fake: FakeDiscord, connect: Connect) -> None:
    seen: dict[str, Any] = {}
    await _synced(connect, seen)
    fake.ack_deadline = 0.2
    iid = fake.slash(ALICE, "slow", guild_id=GUILD, channel_id=TEXT)
    await fake.wait_for(lambda: "late" in seen)
    assert seen["late"] == 10062 and fake.late_acks == [iid] and fake.response(iid) is None


async def test_defer_then_followup(fake: FakeDiscord, connect: Connect) -> None:
    await _synced(connect, {})
    iid = fake.slash(ALICE, "later", guild_id=GUILD, channel_id=TEXT)
    await fake.wait_for(lambda: len(getattr(fake.response(iid), "followups", [])) == 2)
    resp = await fake.wait_response(iid)
    assert resp.kind == 5 and [f["content"] for f in resp.followups] == ["voilà", "et encore"]
    # As on Discord, the first followup replaces the public "thinking" message and stays public
    # despite ephemeral=True; the second one is really ephemeral.
    assert [m["content"] for m in fake.messages(TEXT)] == ["voilà"]
    assert resp.followups[0]["flags"] == 0 and resp.followups[1]["flags"] == 64


async def test_persistent_view_button_reaches_its_callback(
    fake: FakeDiscord, connect: Connect
) -> None:
    pressed: list[int] = []

    class Join(discord.ui.View):
        def __init__(self) -> None:
            super().__init__(timeout=None)

        @discord.ui.button(label="Je viens", custom_id="join:42")
        async def join(
            self, interaction: discord.Interaction, button: discord.ui.Button[Join]
        ) -> None:
            pressed.append(interaction.user.id)
            await interaction.response.send_message("inscrit", ephemeral=True)

        @discord.ui.button(label="Fermer", custom_id="close:42")
        async def close(
            self, interaction: discord.Interaction, button: discord.ui.Button[Join]
        ) -> None:
            await interaction.response.edit_message(content="Live complet", view=None)

    async def register(client: discord.Client) -> None:
        client.add_view(Join())

    client = await connect(before=register)
    message = await _text(client).send("Live tricot", view=Join())
    iid = fake.press(BOB, TEXT, message.id, "join:42", guild_id=GUILD)
    resp = await fake.wait_response(iid)
    assert pressed == [BOB] and resp.kind == 4 and resp.ephemeral
    with pytest.raises(AssertionError, match="no button"):
        fake.press(BOB, TEXT, message.id, "leave:42", guild_id=GUILD)
    update = await fake.wait_response(
        fake.press(OWNER, TEXT, message.id, "close:42", guild_id=GUILD)
    )
    assert update.kind == 7 and fake.messages(TEXT)[0]["content"] == "Live complet"
    assert fake.messages(TEXT)[0]["components"] == []
    with pytest.raises(AssertionError, match="no button"):
        fake.press(BOB, TEXT, message.id, "join:42", guild_id=GUILD)


async def test_modal_submit_reaches_on_submit(fake: FakeDiscord, connect: Connect) -> None:
    seen: dict[str, Any] = {}
    await _synced(connect, seen)
    opened = await fake.wait_response(fake.slash(ALICE, "propose", guild_id=GUILD, channel_id=TEXT))
    assert opened.kind == 9 and opened.data["custom_id"] == "propose"
    iid = fake.submit_modal(ALICE, "propose", {"topic": "Tricot"}, guild_id=GUILD, channel_id=TEXT)
    resp = await fake.wait_response(iid)
    assert seen["topic"] == "Tricot" and resp.kind == 4
    with pytest.raises(AssertionError, match="no modal"):
        fake.submit_modal(ALICE, "propose", {"topic": "encore"}, guild_id=GUILD, channel_id=TEXT)


async def test_autocomplete_is_answered_with_choices(fake: FakeDiscord, connect: Connect) -> None:
    await _synced(connect, {})
    iid = fake.autocomplete(ALICE, "find", {"live": "t"}, "live", guild_id=GUILD, channel_id=TEXT)
    resp = await fake.wait_response(iid)
    assert resp.kind == 8 and [c["value"] for c in resp.data["choices"]] == ["tricot", "tresse"]


async def test_scheduled_events_follow_discord_rules(fake: FakeDiscord, connect: Connect) -> None:
    client = await connect()
    guild = client.get_guild(GUILD)
    assert guild is not None
    start = datetime.now(UTC) + timedelta(hours=1)
    event = await guild.create_scheduled_event(
        name="Live tricot",
        start_time=start,
        end_time=start + timedelta(hours=1),
        entity_type=discord.EntityType.external,
        location="Parc des Buttes",
        privacy_level=discord.PrivacyLevel.guild_only,
    )
    event = await event.edit(name="Live tricot avancé")
    assert fake.events[event.id]["name"] == "Live tricot avancé"
    event = await event.start()
    event = await event.end()
    assert fake.events[event.id]["status"] == 3 and event.status is discord.EventStatus.completed
    with pytest.raises(discord.HTTPException) as finished:
        await event.edit(name="encore")
    assert finished.value.code == 180000
    with pytest.raises(discord.HTTPException) as no_end:
        await guild.create_scheduled_event(
            name="x",
            start_time=start,
            entity_type=discord.EntityType.external,
            location="ici",
            end_time=start,
        )
    assert no_end.value.code == 50035
    for n in range(100):
        fake.add_scheduled_event(GUILD, f"live {n}")
    with pytest.raises(discord.HTTPException) as full:
        await guild.create_scheduled_event(
            name="101e",
            start_time=start,
            end_time=start + timedelta(hours=1),
            entity_type=discord.EntityType.external,
            location="ici",
            privacy_level=discord.PrivacyLevel.guild_only,
        )
    assert full.value.code == 30038


async def test_injected_429_is_retried_and_lands_once(fake: FakeDiscord, connect: Connect) -> None:
    client = await connect()
    fake.fail_next("POST", r"^/channels/\d+/messages$", status=429, body={}, retry_after=0.05)
    await _text(client).send("après la pause")
    posts = [c for c in fake.calls if c.method == "POST" and c.path == f"/channels/{TEXT}/messages"]
    assert len(posts) == 2 and fake.too_many == 1
    assert [m["content"] for m in fake.messages(TEXT)] == ["après la pause"]


async def test_dm_to_member_refusing_dms_is_forbidden(fake: FakeDiscord, connect: Connect) -> None:
    client = await connect()
    guild = client.get_guild(GUILD)
    assert guild is not None
    bob = await guild.fetch_member(BOB)
    with pytest.raises(discord.Forbidden) as caught:
        await bob.send("coucou")
    assert caught.value.code == 50007 and BOB not in fake.dms
    alice = await guild.fetch_member(ALICE)
    await alice.send("rappel")
    assert [m["content"] for m in fake.dms[ALICE]] == ["rappel"]


async def test_unknown_route_auth_and_content_type(fake: FakeDiscord, connect: Connect) -> None:
    client = await connect()
    with pytest.raises(discord.NotFound) as caught:
        await client.http.request(discord.http.Route("GET", "/nowhere"))
    assert caught.value.code == 0 and caught.value.text == "404: Not Found"
    async with aiohttp.ClientSession() as session:
        async with session.get(
            f"{fake.api_base}/users/@me", headers={"Authorization": "Bot nope"}
        ) as r:
            assert r.status == 401 and r.headers["Content-Type"] == "application/json"
            assert await r.json() == {"message": "401: Unauthorized", "code": 0}


async def test_enforced_limits_answer_429_with_via(fake: FakeDiscord) -> None:
    fake.enforce_limits = True
    auth = {"Authorization": f"Bot {fake.token}"}
    async with aiohttp.ClientSession(headers=auth) as session:
        url = f"{fake.api_base}/channels/{TEXT}/messages"
        statuses = []
        for n in range(6):
            async with session.post(url, json={"content": f"m{n}"}) as r:
                statuses.append(r.status)
                last_headers, last_body = r.headers, await r.json()
        assert statuses == [200] * 5 + [429] and last_headers["Via"] == "1.1 google"
        assert last_body["global"] is False and last_body["retry_after"] > 0

        async def me() -> tuple[int, Any]:
            async with session.get(f"{fake.api_base}/users/@me") as r:
                return r.status, (r.headers.get("X-RateLimit-Global"), await r.json())

        # 50 requests a second overall; sent at once so the window cannot slide in between
        # (the 6 POSTs above most likely still count: 44 pass).
        answers = await asyncio.gather(*(me() for _ in range(60)))
        passed = sum(status == 200 for status, _ in answers)
        refused = [extra for status, extra in answers if status == 429]
        assert 44 <= passed <= 50 and len(refused) == 60 - passed
        assert all(flag == "true" and body["global"] is True for flag, body in refused)
        assert fake.too_many == 1 + len(refused)
