"""Sends, edits and presses read as Telegram's JSON (`api.py`, `people.py`) say and do what they
did through python-telegram-bot's objects: the same keyboard on the wire, every refusal mapped to
the same result, a press read with the same fields. Through the real PTB `Bot` (its
`BaseRequest.post` maps the errors) and our `AiohttpRequest`, against the strict fake."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

import pytest
from telegram import Bot, Update

from bot.adapters.telegram.answers import Answers
from bot.adapters.telegram.http import AiohttpRequest
from bot.adapters.telegram.people import parse_press
from bot.adapters.telegram.platform import TelegramPlatform
from bot.adapters.telegram.render import keyboard, markup
from bot.core.messages import Button, Destination, OutMessage, Text
from tests.fakes.telegram_api import FakeTelegram

LOU, GROUP = 7, -1007
BUTTONS = (
    tuple(Button(Text("fr", "telegram.button.open_private"), action=f"j:{i}") for i in range(9)),
    (Button(Text("en", "telegram.button.open_private"), url="https://t.me/x?start=live_1"),),
)


@pytest.fixture
async def bot(fake: FakeTelegram) -> AsyncIterator[Bot]:
    fake.add_user(LOU, "Lou")
    fake.user_starts_bot(LOU)
    async with Bot(fake.token, base_url=fake.base_url, request=AiohttpRequest()) as made:
        yield made


def note(buttons: tuple[tuple[Button, ...], ...] = ()) -> OutMessage:
    return OutMessage(Text("fr", "telegram.sent_private"), buttons)


def test_the_keyboard_is_the_json_ptb_makes_of_its_own() -> None:
    made = keyboard(BUTTONS)
    assert made is not None and len(made.inline_keyboard) == 3  # 9 buttons wrap at 8
    assert json.loads(markup(BUTTONS) or "") == made.to_dict()
    assert markup(()) is None and keyboard(()) is None


async def test_a_send_with_buttons_arrives_as_before_and_its_id_is_kept(
    fake: FakeTelegram, bot: Bot
) -> None:
    result = await TelegramPlatform(bot).send(
        Destination("telegram", str(LOU), private=True), note(BUTTONS), key="k"
    )
    (sent,) = fake.chat_log(LOU)
    assert result.delivered and result.message_id == str(sent["message_id"])
    assert sent["reply_markup"] == keyboard(BUTTONS).to_dict()  # type: ignore[union-attr]
    (call,) = fake.calls_of("sendMessage")
    assert call.params["parse_mode"] == "HTML"
    assert call.params["link_preview_options"] == {"is_disabled": True}


@pytest.mark.parametrize(
    ("code", "description", "retry", "permanent", "reason"),
    [
        (429, "Too Many Requests: retry after 3", 3, False, "429 too many requests"),
        (403, "Forbidden: bot was blocked by the user", None, True, "403 Forbidden: bot was"),
        (400, "Bad Request: chat not found", None, True, "400 Chat not found"),
        (502, "Bad Gateway", None, False, "network: Bad Gateway"),
    ],
)
async def test_each_refusal_gives_the_same_result_as_through_ptbs_objects(
    fake: FakeTelegram,
    bot: Bot,
    code: int,
    description: str,
    retry: int | None,
    permanent: bool,
    reason: str,
) -> None:
    fake.fail_next("sendMessage", error_code=code, description=description, retry_after=retry)
    platform = TelegramPlatform(bot)
    result = await platform.send(Destination("telegram", str(LOU), private=True), note(), key="k")
    assert not result.delivered and result.permanent is permanent
    assert result.retry_after == (float(retry) if retry else None)
    assert (result.reason or "").startswith(reason), result.reason
    assert fake.chat_log(LOU) == []


async def test_an_edit_to_the_same_text_is_no_failure_and_a_gone_message_is_permanent(
    fake: FakeTelegram, bot: Bot
) -> None:
    platform, dest = TelegramPlatform(bot), Destination("telegram", str(LOU), private=True)
    sent = await platform.send(dest, note(BUTTONS), key="k")
    assert sent.message_id is not None
    again = await platform.edit(dest, sent.message_id, note(BUTTONS), key="e")
    assert again.delivered and again.message_id == sent.message_id  # "not modified"
    changed = await platform.edit(dest, sent.message_id, note(), key="e2")
    assert changed.delivered and fake.chat_log(LOU)[0]["reply_markup"] is None
    gone = await platform.edit(dest, "999999", note(), key="e3")
    assert not gone.delivered and gone.permanent and (gone.reason or "").startswith("400")


@pytest.mark.parametrize("last_name", [None, "Martin"])
async def test_a_press_is_read_with_the_fields_ptb_reads(
    fake: FakeTelegram, bot: Bot, last_name: str | None
) -> None:
    fake.add_user(8, "Zoé", username="zoe", language_code="en")
    fake.add_group(GROUP, "Makers", admins=[8])
    sent = await TelegramPlatform(bot).send(
        Destination("telegram", str(GROUP), private=False), note(BUTTONS), key="k"
    )
    update = fake.push_callback(8, GROUP, int(sent.message_id or 0), "j:1")
    if last_name is not None:
        update["callback_query"]["from"]["last_name"] = last_name
    press, parsed = parse_press(update), Update.de_json(update, bot)
    query = parsed.callback_query
    assert press is not None and query is not None and query.message is not None
    assert (press.update_id, press.id, press.data) == (parsed.update_id, query.id, query.data)
    assert press.chat is not None
    assert (press.chat.id, press.chat.type) == (query.message.chat.id, query.message.chat.type)
    who, ptb = press.from_user, query.from_user
    assert (who.id, who.full_name, who.username, who.language_code) == (
        ptb.id,
        ptb.full_name,
        ptb.username,
        ptb.language_code,
    )
    assert parse_press({"update_id": 1, "message": {"text": "hi"}}) is None


async def test_a_press_is_answered_once_a_long_answer_as_an_alert_then_too_old(
    fake: FakeTelegram, bot: Bot
) -> None:
    fake.add_group(GROUP, "Makers", admins=[LOU])
    sent = await TelegramPlatform(bot).send(
        Destination("telegram", str(GROUP), private=False), note(BUTTONS), key="k"
    )
    first = fake.push_callback(LOU, GROUP, int(sent.message_id or 0), "j:1")
    second = fake.push_callback(LOU, GROUP, int(sent.message_id or 0), "j:2")
    # `toast` reads only the answering bot: no store, no outbound platform behind it here.
    answers = Answers(bot, TelegramPlatform(bot), None, "solidaire_bot")  # type: ignore[arg-type]
    long = Text("fr", "telegram.not_admin")  # over 60 characters: an alert to dismiss
    assert await answers.toast(first["callback_query"]["id"], long)
    assert await answers.toast(second["callback_query"]["id"], url="https://t.me/solidaire_bot")
    assert not await answers.toast(first["callback_query"]["id"])  # answered already: too old
    shown, linked = fake.answers()
    assert shown["show_alert"] and len(shown["text"]) > 60 and shown["url"] is None
    assert not linked["show_alert"] and linked["text"] is None
    assert linked["url"] == "https://t.me/solidaire_bot"
