"""Figures and exports on Telegram: the file goes to the organizer privately, as a document (a
CSV) or a photo (the chart), through the real python-telegram-bot and the strict fake server."""

from __future__ import annotations

import csv
import io
import struct
import zlib
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
from telegram import Bot
from telegram.error import BadRequest

from bot.adapters.telegram.http import AiohttpRequest
from bot.adapters.telegram.platform import TelegramPlatform
from bot.core.messages import Attachment, Destination, OutMessage, Raw, Text
from tests.adapters.telegram.test_first_steps import set_up
from tests.adapters.telegram.world import ANNOUNCE, World
from tests.fakes.telegram_api import FakeTelegram


def tiny_png() -> bytes:
    """A valid 1 x 1 PNG, made here."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 6, 0, 0, 0)
    pixels = zlib.compress(b"\x00\x00\x00\x00\x00")
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    )


async def a_live_held(world: World) -> None:
    """Alice's live #1: Bob signs up from the group, comes, and it ends; it took place
    yesterday (moved back in the database: a live can only be scheduled ahead)."""
    await set_up(world)
    alice, bob = world.people["Alice"], world.people["Bob"]
    when = (datetime.now(UTC) + timedelta(days=2)).strftime("%Y-%m-%d 18:30")
    said = await alice.says(f'/planifier title="Atelier vélo" when="{when}"')
    assert "#1" in said[-1]["text"], said
    await bob.says("/start")
    await bob.says("/participer 1")
    await alice.says("/endirect 1")
    live_now = world.group(ANNOUNCE)[-1]
    await bob.presses("Je suis là", live_now, where=ANNOUNCE)
    await alice.says("/terminer 1")
    async with world.app.store.unit() as uow:
        await uow.lives.update(1, starts_at=datetime.now(UTC) - timedelta(days=1))


def files_to(world: World, name: str) -> list[dict[str, object]]:
    return world.fake.files(world.people[name].id)


async def test_alice_exports_the_signups_and_gets_a_document_privately(world: World) -> None:
    await a_live_held(world)
    alice = world.people["Alice"]
    said = await alice.says("/exporter inscriptions")
    (sent,) = [m for m in said if m["file"] is not None]
    assert sent["text"] == ""  # a document: the words are its caption
    assert sent["caption"].startswith("📎 Export des inscriptions : 1 inscription, une par ligne")
    (document,) = files_to(world, "Alice")
    assert document["kind"] == "document"
    assert document["name"] == "signups.csv"
    assert document["content_type"] == "text/csv"
    content = document["content"]
    assert isinstance(content, bytes) and content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig"), newline="")))
    assert rows[0][3] == "membre"
    assert [(r[0], r[1], r[3], r[4], r[5], r[7]) for r in rows[1:]] == [
        ("#1", "Atelier vélo", "Bob", "telegram", "confirmée", "oui")
    ]
    assert world.fake.files(ANNOUNCE) == []


async def test_alice_asks_for_the_figures_in_the_group_and_gets_the_chart_privately(
    world: World,
) -> None:
    await a_live_held(world)
    alice = world.people["Alice"]
    group_before = len(world.group(ANNOUNCE))
    said = await alice.says("/chiffres 30j", where=ANNOUNCE)
    assert len(world.group(ANNOUNCE)) == group_before  # nothing for the whole group to see
    (sent,) = said
    assert "Lives tenus : 1" in sent["caption"] and "Atelier vélo" in sent["caption"]
    assert "Présence : 100" in sent["caption"]
    (photo,) = files_to(world, "Alice")
    assert photo["kind"] == "photo" and photo["name"] == "stats.png"
    content = photo["content"]
    assert isinstance(content, bytes)
    assert struct.unpack(">II", content[16:24]) == (800, 450)
    (call,) = world.fake.calls_of("sendPhoto")
    assert call.params["chat_id"] == alice.id
    assert call.params["parse_mode"] == "HTML"


async def test_a_member_gets_no_file(world: World) -> None:
    await a_live_held(world)
    said = await world.people["Bob"].says("/exporter inscriptions")
    assert "n’as pas le droit" in said[-1]["text"]
    assert world.fake.calls_of("sendDocument") == []


async def test_figures_with_nothing_to_count_come_as_plain_text(world: World) -> None:
    await set_up(world)
    said = await world.people["Alice"].says("/chiffres")
    assert "Rien à compter" in said[-1]["text"] and said[-1]["file"] is None
    assert world.fake.calls_of("sendPhoto") == []


# -- the platform and the fake, one behaviour each ------------------------------------------------


@pytest.fixture
async def bot(fake: FakeTelegram) -> AsyncIterator[Bot]:
    fake.add_user(7, "Lou")
    fake.user_starts_bot(7)
    request = AiohttpRequest()  # the service's HTTP client: files go as multipart
    async with Bot(
        fake.token, base_url=fake.base_url, base_file_url=fake.base_file_url, request=request
    ) as made:
        yield made


async def test_a_text_too_long_for_a_caption_goes_first_then_the_file(
    fake: FakeTelegram, bot: Bot
) -> None:
    platform = TelegramPlatform(bot)
    long = Text("fr", "stats.text", {"community": "x" * 1100, "period": Raw("."), "lines": ()})
    file = Attachment("lives.csv", b"a,b\r\n")
    result = await platform.send(
        Destination("telegram", "7", private=True), OutMessage(long, attachment=file), key="t"
    )
    assert result.delivered
    text, document = fake.chat_log(7)
    assert "x" * 1100 in text["text"] and text["file"] is None
    assert document["caption"] == "" and document["file"]["content"] == b"a,b\r\n"
    assert result.message_id == str(document["message_id"])


async def test_the_fake_refuses_an_empty_file(fake: FakeTelegram, bot: Bot) -> None:
    with pytest.raises(BadRequest, match=r"(?i)file must be non-empty"):
        await bot.send_document(7, b"", filename="empty.csv")
    assert fake.files() == []


async def test_the_fake_refuses_a_photo_that_is_no_image(fake: FakeTelegram, bot: Bot) -> None:
    with pytest.raises(BadRequest, match=r"(?i)image_process_failed"):
        await bot.send_photo(7, b"live,title\r\n", filename="chart.png")
    sent = await bot.send_photo(7, tiny_png(), filename="dot.png")
    assert sent.photo[-1].width == 1 and sent.photo[-1].height == 1


async def test_the_fake_refuses_a_caption_over_1024_characters(
    fake: FakeTelegram, bot: Bot
) -> None:
    with pytest.raises(BadRequest, match=r"(?i)caption is too long"):
        await bot.send_document(7, b"x", filename="a.csv", caption="é" * 1025)
    sent = await bot.send_document(7, b"x", filename="a.csv", caption="é" * 1024)
    assert sent.document is not None and sent.document.file_name == "a.csv"


async def test_the_fake_takes_uploads_only(fake: FakeTelegram, bot: Bot) -> None:
    with pytest.raises(BadRequest, match=r"(?i)wrong file identifier"):
        await bot.send_document(7, "BQACAgQAAxkBAAI")  # a file id from elsewhere
