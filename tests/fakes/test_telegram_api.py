"""The fake Telegram server, driven by the real python-telegram-bot over real HTTP.

Each test proves one behaviour an adapter relies on (or one strictness that catches its bugs),
so a test written against the fake means the same thing against Telegram.
"""

from __future__ import annotations

import asyncio
import datetime as dtm
import html
import logging
import re
import time
import warnings
from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiohttp import web
from telegram import (
    Bot,
    BotCommand,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    MessageEntity,
    Update,
)
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Conflict,
    EndPointNotFound,
    Forbidden,
    InvalidToken,
    RetryAfter,
)
from telegram.ext import Application, CommandHandler, ContextTypes
from telegram.request import HTTPXRequest

from tests.fakes.telegram_api import FakeTelegram

# PTB warns when a RetryAfter is built (its `retry_after` will become a timedelta).
pytestmark = pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")

ALICE = 1001
GROUP = -100500


@pytest.fixture
async def fake() -> AsyncIterator[FakeTelegram]:
    async with FakeTelegram() as server:
        server.add_user(ALICE, "Alice", username="alice")
        server.add_group(GROUP, "Entraide", admins=[ALICE])
        yield server


def make_bot(fake: FakeTelegram, *, token: str | None = None, read_timeout: float = 5.0) -> Bot:
    return Bot(
        token or fake.token,
        base_url=fake.base_url,
        base_file_url=fake.base_file_url,
        request=HTTPXRequest(connection_pool_size=8),
        get_updates_request=HTTPXRequest(read_timeout=read_timeout),
    )


def said(description: str) -> str:
    """A `match=` pattern for an error text: PTB strips "Bad Request: " and changes the case."""
    return "(?i)" + re.escape(description)


def seconds(error: RetryAfter) -> float:
    """`retry_after` is an int or a timedelta depending on PTB_TIMEDELTA; reading it warns."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        value: Any = error.retry_after
    return value.total_seconds() if isinstance(value, dtm.timedelta) else float(value)


async def wait_parked(fake: FakeTelegram) -> None:
    await fake.wait_for(lambda: fake.polling)


async def test_get_me_through_the_bot_context(fake: FakeTelegram) -> None:
    async with make_bot(fake) as bot:
        assert bot.id == fake.bot_id
        assert bot.username == "solidaire_bot"
    assert [call.method for call in fake.calls] == ["getMe"]


async def test_wrong_token_and_unknown_method(fake: FakeTelegram) -> None:
    with pytest.raises(InvalidToken):
        await make_bot(fake, token="999:WRONG").get_me()
    async with make_bot(fake) as bot:
        with pytest.raises(EndPointNotFound):
            await bot.do_api_request("noSuchMethod")
        # Telegram reads method names case-insensitively.
        assert (await bot.do_api_request("GETME"))["username"] == "solidaire_bot"


async def test_html_escaped_user_text_passes_and_raw_tags_fail(fake: FakeTelegram) -> None:
    fake.user_starts_bot(ALICE)
    typed = "<script>alert('Ali & Co')</script>"
    async with make_bot(fake) as bot:
        sent = await bot.send_message(ALICE, f"<b>Question</b> : {html.escape(typed)}", "HTML")
        assert sent.text == f"Question : {typed}"
        with pytest.raises(BadRequest, match=r"(?i)can't parse entities.*script"):
            await bot.send_message(ALICE, f"<b>Question</b> : {typed}", parse_mode="HTML")
        with pytest.raises(BadRequest, match=said("can't parse entities")):
            await bot.send_message(ALICE, "<b>unclosed", parse_mode="HTML")
        with pytest.raises(BadRequest, match=said("can't parse entities")):
            await bot.send_message(ALICE, "Tom & Jerry", parse_mode="HTML")
        with pytest.raises(BadRequest, match=said("can't parse entities")):
            await bot.send_message(ALICE, "line<br>break", parse_mode="HTML")
        # Without parse_mode the same characters are plain text.
        await bot.send_message(ALICE, typed)
    log = fake.chat_log(ALICE)
    assert [entry["text"] for entry in log] == [f"Question : {typed}", typed]
    assert log[0]["html"] == f"<b>Question</b> : {html.escape(typed)}"


async def test_text_length_and_emptiness(fake: FakeTelegram) -> None:
    fake.user_starts_bot(ALICE)
    async with make_bot(fake) as bot:
        with pytest.raises(BadRequest, match=said("message is too long")):
            await bot.send_message(ALICE, "a" * 4097)
        # 4096 characters after parsing: the tags do not count.
        await bot.send_message(ALICE, "<b>" + "a" * 4096 + "</b>", parse_mode="HTML")
        with pytest.raises(BadRequest, match=said("message text is empty")):
            await bot.send_message(ALICE, "<b></b>", parse_mode="HTML")
    assert len(fake.chat_log(ALICE)) == 1


async def test_inline_keyboard_limits(fake: FakeTelegram) -> None:
    fake.user_starts_bot(ALICE)

    def keyboard(*buttons: InlineKeyboardButton) -> InlineKeyboardMarkup:
        return InlineKeyboardMarkup([list(buttons)])

    async with make_bot(fake) as bot:
        with pytest.raises(BadRequest, match=said("BUTTON_DATA_INVALID")):
            await bot.send_message(
                ALICE,
                "x",
                reply_markup=keyboard(InlineKeyboardButton("go", callback_data="a" * 65)),
            )
        with pytest.raises(BadRequest, match=said("BUTTON_URL_INVALID")):
            await bot.send_message(
                ALICE, "x", reply_markup=keyboard(InlineKeyboardButton("go", url="ftp://x.org"))
            )
        with pytest.raises(BadRequest, match=said("BUTTONS_TOO_MUCH")):
            many = [InlineKeyboardButton(str(i), callback_data=str(i)) for i in range(9)]
            await bot.send_message(ALICE, "x", reply_markup=keyboard(*many))
        # 64 bytes of UTF-8 (32 two-byte characters) is the most that fits.
        ok = keyboard(InlineKeyboardButton("go", callback_data="é" * 32))
        sent = await bot.send_message(ALICE, "x", reply_markup=ok)
        assert sent.reply_markup == ok
    assert fake.chat_log(ALICE)[0]["reply_markup"] == ok.to_dict()
    assert fake.calls_of("sendMessage")[0].params["reply_markup"]["inline_keyboard"][0][0] == {
        "text": "go",
        "callback_data": "a" * 65,
    }


async def test_long_poll_parks_then_returns_a_pushed_update_and_offset_confirms(
    fake: FakeTelegram,
) -> None:
    async with make_bot(fake) as bot:
        started = time.monotonic()
        poll = asyncio.create_task(bot.get_updates(timeout=dtm.timedelta(seconds=3)))
        await wait_parked(fake)
        assert not poll.done()
        pushed = fake.push_text(ALICE, ALICE, "bonjour")
        updates = await poll
        assert time.monotonic() - started < 2
        assert [u.update_id for u in updates] == [pushed["update_id"]] == [1]
        assert updates[0].message is not None and updates[0].message.text == "bonjour"
        assert fake.pending_updates() == [pushed]  # delivered, not yet confirmed
        again = await bot.get_updates(offset=updates[0].update_id + 1, timeout=0)
        assert again == ()
    assert fake.confirmed_offset == 2
    assert fake.pending_updates() == []


async def test_the_hand_over_of_each_update_is_recorded(fake: FakeTelegram) -> None:
    # Benches measure "in the bot" from when the getUpdates response carrying an update left
    # the fake; an update handed over again (not confirmed) is recorded at its last hand-over.
    async with make_bot(fake) as bot:
        assert await bot.get_updates(timeout=0) == ()
        assert fake.handed_over == {}  # an empty answer hands nothing over
        pushed_at = time.monotonic()
        first = fake.push_text(ALICE, ALICE, "bonjour")["update_id"]
        await bot.get_updates(timeout=0)
        handed = fake.handed_over[first]
        assert pushed_at <= handed <= time.monotonic()
        await bot.get_updates(timeout=0)  # no offset: the same update again
        assert fake.handed_over[first] > handed
        second = fake.push_text(ALICE, ALICE, "encore")["update_id"]
        await bot.get_updates(offset=second, timeout=0)
        assert set(fake.handed_over) == {first, second}


async def test_a_second_concurrent_get_updates_conflicts(fake: FakeTelegram) -> None:
    async with make_bot(fake) as first, make_bot(fake) as second:
        poll = asyncio.create_task(first.get_updates(timeout=dtm.timedelta(seconds=2)))
        await wait_parked(fake)
        with pytest.raises(Conflict, match=said("terminated by other getUpdates request")):
            await second.get_updates(timeout=0)
        fake.push_text(ALICE, ALICE, "hi")
        assert len(await poll) == 1  # the first poller is unaffected


async def test_an_abandoned_long_poll_does_not_block_the_next(fake: FakeTelegram) -> None:
    # PTB's updater does exactly this on stop: cancel the long poll, then call getUpdates again
    # at once to confirm what it fetched.
    async with make_bot(fake) as first, make_bot(fake) as second:
        poll = asyncio.create_task(first.get_updates(timeout=dtm.timedelta(seconds=30)))
        await wait_parked(fake)
        poll.cancel()
        with pytest.raises(asyncio.CancelledError):
            await poll
        assert await second.get_updates(timeout=0) == ()


async def test_command_gets_a_bot_command_entity(fake: FakeTelegram) -> None:
    async with make_bot(fake) as bot:
        raw = fake.push_text(ALICE, GROUP, "/join@solidaire_bot 12")
        update = Update.de_json(raw, bot)
        assert update.message is not None
        assert update.message.chat.type == "supergroup"
        (entity,) = update.message.entities
        assert entity.type == MessageEntity.BOT_COMMAND
        assert update.message.parse_entity(entity) == "/join@solidaire_bot"
        plain = Update.de_json(fake.push_text(ALICE, ALICE, "join 12"), bot)
        assert plain.message is not None and plain.message.entities == ()


async def test_callback_answer_once_in_time(fake: FakeTelegram) -> None:
    fake.user_starts_bot(ALICE)
    async with make_bot(fake) as bot:
        markup = InlineKeyboardMarkup([[InlineKeyboardButton("Je viens", callback_data="j:1")]])
        sent = await bot.send_message(ALICE, "Live", reply_markup=markup)
        raw = fake.push_callback(ALICE, ALICE, sent.message_id, "j:1")
        query = Update.de_json(raw, bot).callback_query
        assert query is not None and query.data == "j:1"
        assert query.message is not None and query.message.message_id == sent.message_id
        assert await bot.answer_callback_query(query.id, text="Inscrit") is True
        with pytest.raises(BadRequest, match=said("query is too old")):
            await bot.answer_callback_query(query.id, text="twice")
    assert fake.answers() == [
        {"callback_query_id": query.id, "text": "Inscrit", "show_alert": False, "url": None}
    ]


async def test_callback_answered_too_late() -> None:
    async with FakeTelegram(callback_timeout=0.05) as fake:
        fake.add_user(ALICE, "Alice")
        fake.user_starts_bot(ALICE)
        async with make_bot(fake) as bot:
            sent = await bot.send_message(ALICE, "Live")
            query_id = fake.push_callback(ALICE, ALICE, sent.message_id, "j:1")["callback_query"][
                "id"
            ]
            await asyncio.sleep(0.1)
            with pytest.raises(BadRequest, match=said("query is too old")):
                await bot.answer_callback_query(query_id)
        assert fake.answers() == []


async def test_fail_next_429_raises_retry_after(fake: FakeTelegram) -> None:
    fake.user_starts_bot(ALICE)
    fake.fail_next(
        "sendMessage",
        error_code=429,
        description="Too Many Requests: retry after 7",
        retry_after=7,
        chat_id=ALICE,
    )
    async with make_bot(fake) as bot:
        await bot.send_message(GROUP, "other chat: not matched")
        with pytest.raises(RetryAfter) as caught:
            await bot.send_message(ALICE, "x")
        assert seconds(caught.value) == 7
        await bot.send_message(ALICE, "once only")
    assert fake.too_many == 1
    assert [e["text"] for e in fake.chat_log(ALICE)] == ["once only"]


async def test_private_chat_needs_start_and_ends_with_block(fake: FakeTelegram) -> None:
    async with make_bot(fake) as bot:
        with pytest.raises(Forbidden, match=said("can't initiate conversation")):
            await bot.send_message(ALICE, "hello")
        fake.push_text(ALICE, ALICE, "/start")  # writing to the bot starts it
        await bot.send_message(ALICE, "hello")
        fake.user_blocks_bot(ALICE)
        with pytest.raises(Forbidden, match=said("blocked by the user")):
            await bot.send_message(ALICE, "hello again")
        with pytest.raises(BadRequest, match=said("chat not found")):
            await bot.send_message(4242, "nobody")


async def test_burst_of_31_sends_meets_one_retry_after() -> None:
    async with FakeTelegram(enforce_limits=True) as fake:
        users = range(2001, 2032)
        for user_id in users:
            fake.add_user(user_id, f"U{user_id}")
            fake.user_starts_bot(user_id)
        async with make_bot(fake) as bot:
            results = await asyncio.gather(
                *(bot.send_message(user_id, "rappel") for user_id in users),
                return_exceptions=True,
            )
        refused = [r for r in results if isinstance(r, BaseException)]
        assert len(refused) == 1 and isinstance(refused[0], RetryAfter)
        assert seconds(refused[0]) == 1
        assert (fake.sent_count, fake.too_many) == (30, 1)


async def test_one_send_a_second_in_a_private_chat() -> None:
    async with FakeTelegram(enforce_limits=True) as fake:
        for user_id in (ALICE, 1002):
            fake.add_user(user_id, "U")
            fake.user_starts_bot(user_id)
        async with make_bot(fake) as bot:
            await bot.send_message(ALICE, "one")
            with pytest.raises(RetryAfter) as caught:
                await bot.send_message(ALICE, "two")
            assert seconds(caught.value) == 1
            await bot.send_message(1002, "another chat")
        assert (fake.sent_count, fake.too_many) == (2, 1)


async def test_twenty_sends_a_minute_in_a_group() -> None:
    # time_scale 0.05: the group's 60 s window lasts 3 s (and the overall one 50 ms), so that
    # twenty sends fit in it even on a loaded machine (at 0.3 s they did not, under xdist).
    async with FakeTelegram(enforce_limits=True, time_scale=0.05) as fake:
        fake.add_group(GROUP, "Entraide")
        async with make_bot(fake) as bot:
            for i in range(20):
                await bot.send_message(GROUP, f"g{i}")
            with pytest.raises(RetryAfter):
                await bot.send_message(GROUP, "21st")
            await asyncio.sleep(3.05)
            await bot.send_message(GROUP, "after the window")
        assert fake.too_many == 1
        assert len(fake.chat_log(GROUP)) == 21


async def test_webhook_delivery_with_secret_and_polling_conflict(fake: FakeTelegram) -> None:
    received: list[tuple[str | None, dict[str, Any]]] = []

    async def receive(request: web.Request) -> web.Response:
        received.append(
            (request.headers.get("X-Telegram-Bot-Api-Secret-Token"), await request.json())
        )
        return web.Response(status=200 if len(received) == 1 else 500)

    app = web.Application()
    app.router.add_post("/hook", receive)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    try:
        async with make_bot(fake) as bot:
            url = f"http://127.0.0.1:{port}/hook"
            assert await bot.set_webhook(url, secret_token="s3cret_-X")
            with pytest.raises(Conflict, match=said("webhook is active")):
                await bot.get_updates(timeout=0)
            first = fake.push_text(ALICE, ALICE, "un")
            second = fake.push_text(ALICE, ALICE, "deux")
            assert await fake.deliver_webhook() == [200, 500]
            assert received == [("s3cret_-X", first), ("s3cret_-X", second)]
            assert fake.pending_updates() == [second]  # refused: Telegram will retry it
            info = await bot.get_webhook_info()
            assert (info.url, info.pending_update_count) == (url, 1)
            with pytest.raises(BadRequest, match=said("secret token")):
                await bot.set_webhook(url, secret_token="not allowed!")
            assert await bot.delete_webhook()
            assert [u.update_id for u in await bot.get_updates(timeout=0)] == [second["update_id"]]
    finally:
        await runner.cleanup()


async def test_chat_member_updates_need_allowed_updates(fake: FakeTelegram) -> None:
    async with make_bot(fake) as bot:
        fake.push_member_change(GROUP, ALICE, "administrator", "left")
        fake.push_member_change(GROUP, fake.bot_id, "administrator", "kicked")
        # Telegram's default leaves chat_member out: only my_chat_member arrives.
        (only,) = await bot.get_updates(timeout=0)
        assert only.my_chat_member is not None
        assert only.my_chat_member.new_chat_member.status == "kicked"
        fake.push_member_change(GROUP, ALICE, "left", "member")
        (joined,) = await bot.get_updates(
            offset=only.update_id + 1, timeout=0, allowed_updates=Update.ALL_TYPES
        )
        assert (
            joined.chat_member is not None and joined.chat_member.new_chat_member.user.id == ALICE
        )
        with pytest.raises(Forbidden, match=said("kicked")):
            await bot.send_message(GROUP, "still there?")
        member = await bot.get_chat_member(GROUP, ALICE)
        assert member.status == "member"


async def test_edit_rules_and_migration(fake: FakeTelegram) -> None:
    async with make_bot(fake) as bot:
        markup = InlineKeyboardMarkup([[InlineKeyboardButton("Je viens", callback_data="j")]])
        sent = await bot.send_message(GROUP, "<b>Live</b>", parse_mode="HTML", reply_markup=markup)
        with pytest.raises(BadRequest, match=said("message is not modified")):
            await bot.edit_message_text(
                "<b>Live</b>", GROUP, sent.message_id, parse_mode="HTML", reply_markup=markup
            )
        # Editing the text without reply_markup drops the keyboard, as Telegram does.
        await bot.edit_message_text("Live (complet)", GROUP, sent.message_id)
        assert await bot.delete_message(GROUP, sent.message_id)
        with pytest.raises(BadRequest, match=said("message to edit not found")):
            await bot.edit_message_text("again", GROUP, sent.message_id)
        fake.push_migration(GROUP, -100600)
        with pytest.raises(ChatMigrated) as caught:
            await bot.send_message(GROUP, "old id")
        assert caught.value.new_chat_id == -100600
        await bot.send_message(-100600, "new id")
    (entry, moved) = fake.chat_log(-100600)
    assert (entry["text"], entry["reply_markup"], entry["edits"], entry["deleted"]) == (
        "Live (complet)",
        None,
        1,
        True,
    )
    assert moved["text"] == "new id"


async def test_set_my_commands_validates_and_stores_per_scope(fake: FakeTelegram) -> None:
    async with make_bot(fake) as bot:
        with pytest.raises(BadRequest, match=said("BOT_COMMAND_INVALID")):
            await bot.set_my_commands([BotCommand("Join-Live", "Rejoindre")])
        with pytest.raises(BadRequest, match=said("BOT_COMMAND_INVALID")):
            await bot.set_my_commands([BotCommand("join", "")])
        await bot.set_my_commands([BotCommand("join", "Rejoindre un live")], language_code="fr")
        assert await bot.get_my_commands() == ()
        (command,) = await bot.get_my_commands(language_code="fr")
        assert (command.command, command.description) == ("join", "Rejoindre un live")
        assert await bot.delete_my_commands(language_code="fr")
        assert await bot.get_my_commands(language_code="fr") == ()


async def test_application_polls_runs_a_command_and_stops_cleanly(
    fake: FakeTelegram, caplog: pytest.LogCaptureFixture
) -> None:
    """The whole PTB stack as the adapter runs it: updater, CommandHandler, reply, stop."""
    seen: list[list[str]] = []

    async def join(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        seen.append(list(context.args or []))
        assert update.effective_message is not None
        await update.effective_message.reply_text("Inscrit")

    app = (
        Application.builder()
        .token(fake.token)
        .base_url(fake.base_url)
        .base_file_url(fake.base_file_url)
        .build()
    )
    app.add_handler(CommandHandler("join", join))
    fake.push_text(ALICE, GROUP, "/join@solidaire_bot 12")
    async with app:
        assert app.updater is not None
        await app.updater.start_polling(
            poll_interval=0, timeout=dtm.timedelta(seconds=1), allowed_updates=Update.ALL_TYPES
        )
        await app.start()
        await fake.wait_for(lambda: bool(fake.chat_log(GROUP)))
        await app.updater.stop()
        await app.stop()
    assert seen == [["12"]]
    assert [entry["text"] for entry in fake.chat_log(GROUP)] == ["Inscrit"]
    assert fake.pending_updates() == []  # the updater confirmed the batch on stop
    # PTB only logs what goes wrong in handlers and in the polling loop (a 409, say).
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING] == []


async def test_stop_releases_a_parked_poll_quickly() -> None:
    fake = FakeTelegram()
    await fake.start()
    async with make_bot(fake, read_timeout=5.0) as bot:
        poll = asyncio.create_task(bot.get_updates(timeout=dtm.timedelta(seconds=30)))
        await wait_parked(fake)
        started = time.monotonic()
        await fake.stop()
        assert await asyncio.wait_for(poll, 2) == ()
        assert time.monotonic() - started < 1.0
