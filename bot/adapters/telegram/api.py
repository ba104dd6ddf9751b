"""Bot API calls whose answer is read as JSON: python-telegram-bot's request, not its objects.

`Bot.send_message` builds a `Message` from Telegram's answer (its text, entities and keyboard
parsed into objects) of which a send reads one field, the message id; and a press was parsed
into an `Update` of which the adapter reads a few fields. Profiled during a burst of presses
while 2,000 reminders fan out, that was ~12 % of the event loop's samples (the `Message` 4.5 %,
PTB's parameter objects 1.5 %, the `Update` 7.5 %). Here the call still goes through the bot's
own `BaseRequest.post` (our `AiohttpRequest` under it), so every refusal is PTB's exception as
before (RetryAfter, Forbidden, BadRequest, ChatMigrated, TimedOut, NetworkError); only the
result is left as the JSON Telegram sent.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from telegram import Bot

from bot.adapters.telegram.http import AiohttpRequest, Form

NO_PREVIEW = json.dumps({"is_disabled": True})  # a preview card would bury the buttons


async def call(bot: Bot, method: str, params: Mapping[str, object]) -> Any:
    """`method` with `params` (None left out, as PTB does); the `result` of Telegram's answer."""
    if not isinstance(bot.request, AiohttpRequest):  # `Form` is what only ours reads
        raise TypeError("the bot's request must be an AiohttpRequest (see service.py)")
    form = Form({k: _text(v) for k, v in params.items() if v is not None})
    return await bot.request.post(f"{bot.base_url}/{method}", form)  # type: ignore[arg-type]


def _text(value: object) -> str:
    """A form value as PTB encodes it: strings as they are, anything else as JSON."""
    return value if isinstance(value, str) else json.dumps(value)
