from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from hypothesis import settings as hypothesis_settings

from tests.chat import Chat

# Hypothesis's default deadline (200 ms an example) is a wall-clock assertion: on a machine busy
# with other work it failed `test_any_community_terms_compile` at 358 ms. Tests never assert on
# time; speed is measured in bench/.
hypothesis_settings.register_profile("solidaire", deadline=None)
hypothesis_settings.load_profile("solidaire")


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


class _Missing(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.keys: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.keys.append(str(record.args[0]) if record.args else record.getMessage())


@pytest.fixture(autouse=True)
def missing_messages() -> Iterator[list[str]]:
    """Any test during which a message key was missing from a catalog fails: in production the
    member reads the other language (or an apology), never the key, and only the log says so."""
    handler = _Missing()
    logger = logging.getLogger("bot.i18n.catalog")
    logger.addHandler(handler)
    try:
        yield handler.keys
    finally:
        logger.removeHandler(handler)
    assert handler.keys == [], f"message keys missing from a catalog: {sorted(set(handler.keys))}"


# Shared: the session's PostgreSQL server, and a fresh database on it by URL (`database`).
from tests.postgres import database, postgres_server  # noqa: E402, F401
