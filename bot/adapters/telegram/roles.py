"""Roles on Telegram are facts of chats, read with `getChatMember` and cached briefly.

Organizers are admins of an announce group of the community; moderators are members of its
moderation chat; hosts are granted with `/host` (the core knows those). A minute of cache keeps a
burst of commands from turning into a burst of API calls, and a demoted admin loses the role
within that minute.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from telegram import Bot
from telegram.constants import ChatMemberStatus
from telegram.error import TelegramError

from bot.core.community.spaces import RoleChats, role_chats
from bot.core.ports import Store
from bot.domain.model import Role, UserRef

log = logging.getLogger(__name__)
TTL = 60.0
ADMINS = frozenset({ChatMemberStatus.OWNER, ChatMemberStatus.ADMINISTRATOR})
PRESENT = ADMINS | {ChatMemberStatus.MEMBER, ChatMemberStatus.RESTRICTED}


class Roles:
    def __init__(
        self, bot: Bot, store: Store, *, ttl: float = TTL, now: Callable[[], float] = time.monotonic
    ) -> None:
        self._bot, self._store, self._ttl, self._now = bot, store, ttl, now
        self._cache: dict[tuple[int, int], tuple[float, str]] = {}

    async def in_chat(self, chat_id: int, user_id: int) -> frozenset[Role]:
        """Facts of a group not (yet) linked: its admins may set it up or link it."""
        return (
            frozenset({Role.ORGANIZER})
            if await self._status(chat_id, user_id) in ADMINS
            else frozenset()
        )

    async def in_group(self, chat_id: int, user_id: int) -> frozenset[Role]:
        """Roles of a command typed in a group: from the chats of that group's community."""
        ref = UserRef("telegram", str(user_id))
        communities = await role_chats(self._store, "telegram", str(chat_id), ref)
        if not communities:
            return await self.in_chat(chat_id, user_id)
        return await self._from(next(iter(communities.values())), user_id)

    async def per_community(self, user_id: int) -> dict[int, frozenset[Role]]:
        """Roles in each community of a member writing privately."""
        ref = UserRef("telegram", str(user_id))
        communities = await role_chats(self._store, "telegram", None, ref)
        return {cid: await self._from(chats, user_id) for cid, chats in communities.items()}

    async def present(self, chat_id: int, user_id: int) -> bool:
        return await self._status(chat_id, user_id) in PRESENT

    def forget(self, chat_id: int, user_id: int) -> None:
        """A membership change seen in an update: the next command reads it afresh."""
        self._cache.pop((chat_id, user_id), None)

    async def _from(self, chats: RoleChats, user_id: int) -> frozenset[Role]:
        roles: set[Role] = set()
        for chat in chats.announce:
            if await self._status(int(chat), user_id) in ADMINS:
                roles.add(Role.ORGANIZER)
                break
        for chat in chats.moderation:
            if await self._status(int(chat), user_id) in PRESENT:
                roles.add(Role.MODERATOR)
                break
        return frozenset(roles)

    async def _status(self, chat_id: int, user_id: int) -> str:
        cached = self._cache.get((chat_id, user_id))
        if cached is not None and self._now() - cached[0] < self._ttl:
            return cached[1]
        try:
            status = str((await self._bot.get_chat_member(chat_id, user_id)).status)
        except TelegramError as error:
            # Unknown to that chat, or the chat is gone: no role from it (never more rights
            # on an error), and not cached, so the next command asks again.
            log.info("no membership of %s in %s: %s", user_id, chat_id, error)
            return ChatMemberStatus.LEFT
        self._cache[(chat_id, user_id)] = (self._now(), status)
        return status
