"""Written feeds, kept by their content's key: a calendar program fetching a feed that has not
changed gets the kept bytes (or a 304), never a new writing.

A key is read first (one cheap query); only a new key writes the feed, in a worker thread so the
event loop never stalls on it, and once: requests for the same feed arriving meanwhile wait for
that one writing.
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

KEPT = 2000  # feeds kept at most (the least recently fetched go first)


@dataclass(frozen=True)
class Written:
    key: str
    body: bytes

    @property
    def etag(self) -> str:
        return f'"{self.key}"'


class FeedCache:
    def __init__(self, kept: int = KEPT) -> None:
        self._kept = kept
        self._entries: OrderedDict[str, Written] = OrderedDict()
        self._writing: dict[tuple[str, str], asyncio.Future[Written | None]] = {}
        self.writings = 0  # how many times a feed was written (the tests and the bench read it)

    def get(self, name: str, key: str) -> Written | None:
        found = self._entries.get(name)
        if found is None or found.key != key:
            return None
        self._entries.move_to_end(name)
        return found

    async def obtain(
        self, name: str, key: str, write: Callable[[], Awaitable[Written | None]]
    ) -> Written | None:
        """The feed `name` at `key`: kept, or written now (once, whoever else asks)."""
        found = self.get(name, key)
        if found is not None:
            return found
        pending = self._writing.get((name, key))
        if pending is not None:
            return await asyncio.shield(pending)
        future: asyncio.Future[Written | None] = asyncio.get_running_loop().create_future()
        self._writing[(name, key)] = future
        try:
            written = await write()
            future.set_result(written)
        except BaseException as error:
            future.set_exception(error)
            future.exception()  # read here: nobody else may be waiting
            raise
        finally:
            del self._writing[(name, key)]
        if written is not None:
            self.writings += 1
            self._entries[name] = written
            self._entries.move_to_end(name)
            while len(self._entries) > self._kept:
                self._entries.popitem(last=False)
        return written

    def forget(self, name: str) -> None:
        self._entries.pop(name, None)
