"""Whatever people type or whatever data a button carries, the bot answers in words (never
`error.internal`) and a refusal leaves the store exactly as it was.

Each test function drives one chat across its examples (opening a database per example would be
far too slow). So that one example cannot hide the failures of the next, the clock moves past the
flood window between examples and a detached space is linked back.
"""

from __future__ import annotations

import asyncio
import sqlite3
from contextlib import closing
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.core import codec
from bot.core.usecases import load_all
from bot.domain.commands import COMMANDS
from bot.domain.model import SpaceRole
from tests.chat import ROLES, Chat, Said

load_all()

EXAMPLES = 30
ROLE_NAMES = sorted(ROLES)
SPACES = ("discord", "telegram", None)
# Rows a refused command may still write: the bot has seen the person (see Core._remember).
SEEN_TABLES = frozenset({"members", "memberships"})
# Commands that create lives when they succeed.
CREATE_LIVES = frozenset({"schedule", "accept"})

TRICKY = st.sampled_from(
    [
        '"', "'", "“", "”", "«", "»", "‘", "’", "„", "=", "==", "#", "#1", "1", "Q1", "0", "-1",
        "\n", "\r\n", "\t", " ", ":", "title:", "when: demain 18h", "😀", "🇫🇷", "@everyone",
        "<@123>", "<script>", "%s", "{0}", "{id}", "\x00", "\u200b", "é", "9" * 40,
        "demain 18h", "2026-12-01 18:30", "https://example.org", "javascript:alert(1)",
        "yes", "non", "all", "moderation", "-",
    ]
)  # fmt: skip


GOOD: dict[str, list[str]] = {
    "live": ["1", "#1", "2"], "question": ["1", "Q1", "q2", "Comment débuter ?", "ab", "x" * 501], "into": ["1", "Q2"],
    "proposal": ["1"], "member": ["bob", "@bob", "hugo", "<@1>"], "cohost": ["bob", "@bob"],
    "title": ["Cuisine du monde", "ab", "x" * 101], "description": ["Les bases", "x" * 1001],
    "when": ["demain 18h", "2026-12-01 18:30", "31 février 18h", "demain", "hier 18h",
             "dimanche 29 mars 2026 2h30", "next tuesday 7pm", "dans 2 heures", "8 heures ce soir",
             "2026-12-16T18:00+01:00", "vendredi 15 à 16h", "4/25 at 4pm", "6:30", "minuit"],
    "duration": ["90", "4", "601", "1e3", "٣٠"], "capacity": ["1", "0", "100001", "2"],
    "link": ["https://example.org/l", "ftp://x", "http://", "https://a b"],
    "tags": ["cuisine,débutant", "a,b,c,d,e,f", "#x"], "repeat": ["weekly", "monthly", "daily"],
    "count": ["3", "52", "53", "1"], "series": ["all", "tout", "one"],
    "language": ["en", "fr", "english", "de"], "timezone": ["Europe/Paris", "Nowhere", "UTC"],
    "reminders": ["24h,15m", "2h", "0m", "8d"], "premoderation": ["oui", "non", "maybe"],
    "dms": ["on", "off", "maybe"], "code": ["ABCDEFGH", "abc"], "role": ["moderation", "x"],
    "rating": ["1", "5", "6", "0"], "confirm": ["oui", "yes", "no"],
    "field": ["language", "dms", "timezone", "reminders", "color"], "value": ["en", "off", "x"],
    "reason": ["Hors sujet", "x" * 301], "replay": ["https://example.org/r", "nope"],
    "anonymous": ["oui", "non", "peut-être"],
    "length": ["30m", "2h", "7j", "0m", "forever"], "page": ["0", "1", "-1", "999999999999"],
    "tag": ["cuisine", "#cuisine"], "what": ["lives", "x"], "period": ["week", "x"],
    "comment": ["Super !", "x" * 1001],
    "announce_channel": ["annonces"], "moderation_channel": ["modos"], "host_role": ["anim"],
    "moderator_role": ["modos"], "name": ["Solidaire Lyon"],
}  # fmt: skip


def value_for(field: str) -> st.SearchStrategy[str]:
    good = GOOD.get(field, ["x"])
    common = st.sampled_from(good)
    return st.one_of(common, common, common, common, st.text(max_size=30), TRICKY)


CLOSERS = {"": "", '"': '"', "«": "»", "“": "”", "'": "'"}


def quoted(value: str, quote: str) -> str:
    """Quoted when it holds spaces (as people are told to), else as the quote drawn says."""
    if not quote and (not value or any(c.isspace() for c in value)):
        quote = '"'
    return f"{quote}{value}{CLOSERS[quote]}"


def structured(name: str) -> st.SearchStrategy[str]:
    """Positional values in order, then some `key=value` pairs, then maybe the rest text."""
    shape = COMMANDS[name].shape
    quote = st.sampled_from(["", "", '"', "«", "“", "'"])
    bare = st.tuples(*(st.builds(quoted, value_for(f), quote) for f in shape.positional))
    keyed = sorted(shape.keys) or ["title"]
    pair = st.sampled_from(keyed).flatmap(
        lambda k: st.builds(lambda v, q: f"{k}={quoted(v, q)}", value_for(k), quote)
    )
    pairs = st.lists(pair, max_size=4, unique_by=lambda p: p.split("=", 1)[0])
    none = st.just("")
    tail = value_for(shape.rest) if shape.rest else st.one_of(none, none, none, none, TRICKY)
    return st.builds(
        lambda b, ps, t: " ".join([*b, *ps, t]).strip(),
        bare if shape.positional else st.just(()),
        pairs if shape.keys else st.just([]),
        tail,
    )


def arguments(name: str) -> st.SearchStrategy[str]:
    """Random text, often shaped like this command's own fields."""
    fields = sorted(COMMANDS[name].shape.allowed) or ["title"]
    pair = st.builds(lambda k, v: f"{k}={v}", st.sampled_from(fields), st.text(max_size=20))
    piece = st.one_of(st.text(max_size=40), TRICKY, pair)
    return st.one_of(
        structured(name),
        structured(name),
        structured(name),
        structured(name),
        structured(name).map(lambda line: line.replace(" ", "\n", 1)),
        st.lists(piece, max_size=8).map(" ".join),
        st.lists(piece, max_size=6).map("\n".join),
        st.text(min_size=1000, max_size=5000),
    )


def counts(folder: Path) -> dict[str, int]:
    """Rows per table, read straight from the SQLite file, past every repository."""
    with closing(sqlite3.connect(folder / "test.sqlite3")) as db:
        names = [
            row[0]
            for row in db.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
                " AND name != 'alembic_version'"
            )
        ]
        return {name: db.execute(f'SELECT COUNT(*) FROM "{name}"').fetchone()[0] for name in names}


async def seeded(folder: Path) -> Chat:
    """Olga's community on `discord` and `telegram`, Hugo's live #1, a question and a proposal."""
    chat = await Chat.open(folder)
    olga = chat.as_("olga", "organizer")
    assert (await olga.says("/setup")).ok
    code = (await olga.says("/link")).reply.messages[0].text.params["code"]
    assert (await chat.as_("olga", "organizer", space="telegram").says(f"/link {code}")).ok
    said = await chat.as_("hugo", "host").says('/schedule title="Cuisine" when="demain 18h"')
    assert said.ok, said.text
    await chat.as_("bob").says("/ask 1 Comment débuter en cuisine ?")
    await chat.as_("bob").says('/propose title="Tricot"')
    return chat


async def keep_usable(chat: Chat) -> None:
    """Undo what would make every later example a plain refusal."""
    chat.clock.advance(seconds=11)  # past the flood window
    async with chat.store.unit() as uow:
        for space in ("discord", "telegram"):
            found = await uow.communities.space("shell", space)
            if found is None or not found.active or found.community_id != 1:
                await uow.communities.attach_space(1, "shell", space, SpaceRole.ANNOUNCE, space)


def check(said: Said, name: str, before: dict[str, int], after: dict[str, int]) -> None:
    assert said.key != "error.internal", (name, said.reply)
    assert said.text.strip()  # every reply renders in its language, whatever the parameters
    assert after["lives"] >= before["lives"]
    if after["lives"] > before["lives"]:
        assert said.ok and name in CREATE_LIVES, (name, said.key)
    if not said.ok:
        changed = {t for t in before if before[t] != after.get(t)} - SEEN_TABLES
        assert changed == set(), (name, said.key, changed)


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_any_text_after_any_command(tmp_path_factory: pytest.TempPathFactory, name: str) -> None:
    folder = tmp_path_factory.mktemp(f"text_{name}")
    with asyncio.Runner() as runner:
        chat = runner.run(seeded(folder))

        @settings(
            max_examples=EXAMPLES,
            deadline=None,
            database=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
        )
        @given(
            args=arguments(name),
            role=st.sampled_from(ROLE_NAMES),
            space=st.sampled_from(SPACES),
            alias=st.booleans(),
        )
        def example(args: str, role: str, space: str | None, alias: bool) -> None:
            runner.run(keep_usable(chat))
            word = COMMANDS[name].alias if alias and COMMANDS[name].alias else name
            before = counts(folder)
            said = runner.run(chat.as_(f"p_{role}", role, space=space).says(f"/{word} {args}"))
            check(said, name, before, counts(folder))

        try:
            example()
        finally:
            runner.run(chat.close())


def button_data() -> st.SearchStrategy[str]:
    codes = sorted(code for code, _ in codec._ACTIONS.values())
    arg = st.one_of(
        st.sampled_from(["1", "2", "0", "999", "yes", "language", "dms", "en", "off", "5", "x"]),
        st.from_regex(r"\A[A-Za-z0-9_.\-]{1,24}\Z"),
        st.text(max_size=30),
    )
    shaped = st.builds(
        lambda code, args: ":".join([code, *args]),
        st.sampled_from(codes),
        st.lists(arg, max_size=3),
    )
    return st.one_of(shaped, st.text(max_size=100), st.binary(max_size=64).map(
        lambda b: b.decode("utf-8", "replace")
    ))  # fmt: skip


def test_any_button_data(tmp_path_factory: pytest.TempPathFactory) -> None:
    folder = tmp_path_factory.mktemp("buttons")
    with asyncio.Runner() as runner:
        chat = runner.run(seeded(folder))

        @settings(
            max_examples=300,
            deadline=None,
            database=None,
            suppress_health_check=[HealthCheck.too_slow],
        )
        @given(data=button_data(), role=st.sampled_from(ROLE_NAMES), space=st.sampled_from(SPACES))
        def example(data: str, role: str, space: str | None) -> None:
            runner.run(keep_usable(chat))
            before = counts(folder)
            said = runner.run(chat.as_(f"p_{role}", role, space=space).presses(data))
            try:
                name = codec.decode(data).name
            except codec.CodecError:
                name = "?button"
                assert not said.ok
            check(said, name, before, counts(folder))

        try:
            example()
        finally:
            runner.run(chat.close())


def test_a_refusal_really_is_checked(tmp_path_factory: pytest.TempPathFactory) -> None:
    """The invariant above can fail: a refused reply with a new row is caught."""
    from bot.core.messages import OutMessage, Reply, Text

    refused = Said(Reply((OutMessage(Text("fr", "error.forbidden", {"command": "x"})),), ok=False))
    with pytest.raises(AssertionError):
        check(refused, "join", {"lives": 1, "signups": 0}, {"lives": 1, "signups": 1})
    with pytest.raises(AssertionError):
        ok = Said(Reply((OutMessage(Text("fr", "guide.none")),)))
        check(ok, "join", {"lives": 1}, {"lives": 2})
