from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.chat import Chat


@pytest.fixture
async def chat(tmp_path: Path) -> AsyncIterator[Chat]:
    """A fresh Solidaire on a SQLite file, with a fake clock and platform."""
    opened = await Chat.open(tmp_path)
    yield opened
    await opened.close()


@pytest.fixture
async def community(chat: Chat) -> Chat:
    """A community set up by Olga in the `discord` space, with `telegram` linked too."""
    olga = chat.as_("olga", "organizer")
    said = await olga.says("/setup")
    assert said.ok, said.text
    code = await olga.says("/link")
    assert code.ok, code.text
    token = code.reply.messages[0].text.params["code"]
    tg = chat.as_("olga", "organizer", space="telegram")
    linked = await tg.says(f"/link {token}")
    assert linked.ok, linked.text
    return chat
