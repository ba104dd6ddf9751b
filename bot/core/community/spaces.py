"""What an adapter asks of the core about places and people, outside any command.

Roles on Telegram are facts of chats (admins of the announce group are organizers, members of
the moderation chat are moderators), so the adapter needs to know which chats count for whom.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from bot.core.ports import Store, UnitOfWork
from bot.domain.model import SpaceRole, UserRef

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class RoleChats:
    """One community's chats on one platform, by the role they give their people."""

    announce: tuple[str, ...] = ()
    moderation: tuple[str, ...] = ()


async def role_chats(
    store: Store, platform: str, chat_id: str | None, actor: UserRef
) -> dict[int, RoleChats]:
    """The chats deciding the roles of `actor`: those of the community of the chat the command
    came from, or, in a private chat (`chat_id` None), those of each community they belong to."""

    async def work(uow: UnitOfWork) -> dict[int, RoleChats]:
        if chat_id is not None:
            space = await uow.communities.space(platform, chat_id)
            ids = [space.community_id] if space is not None and space.active else []
        else:
            member = await uow.members.by_ref(actor)
            ids = await uow.communities.communities_of(member.id) if member else []
        out = {}
        for community_id in ids:
            found = [
                s for s in await uow.communities.spaces(community_id) if s.platform == platform
            ]
            out[community_id] = RoleChats(
                tuple(s.external_id for s in found if s.role is SpaceRole.ANNOUNCE),
                tuple(s.external_id for s in found if s.role is SpaceRole.MODERATION),
            )
        return out

    return await store.run(work)


async def can_write_to(store: Store, ref: UserRef) -> bool:
    """Whether a private message to this person is known to arrive (they opened the chat and
    never refused the bot since)."""

    async def work(uow: UnitOfWork) -> bool:
        member = await uow.members.by_ref(ref)
        return member is not None and not member.dm_unreachable

    return await store.run(work)


async def space_left(store: Store, platform: str, chat_id: str) -> bool:
    """The bot was removed from that chat: nothing more is sent there. True when it was a space."""

    async def work(uow: UnitOfWork) -> bool:
        space = await uow.communities.space(platform, chat_id)
        if space is None or not space.active:
            return False
        await uow.communities.detach_space(space.id)
        return True

    gone = await store.run(work)
    if gone:
        log.info("removed from %s chat %s: that space is now inactive", platform, chat_id)
    return gone


async def space_moved(store: Store, platform: str, old_id: str, new_id: str) -> bool:
    """A Telegram group became a supergroup: its new id replaces the old, community kept."""

    async def work(uow: UnitOfWork) -> bool:
        space = await uow.communities.space(platform, old_id)
        if space is None:
            return False
        await uow.communities.update_space(space.id, external_id=new_id)
        return True

    return await store.run(work)


async def cannot_write_to(store: Store, ref: UserRef) -> None:
    """A private answer was refused (the member never opened the chat, or blocked the bot)."""

    async def work(uow: UnitOfWork) -> None:
        member = await uow.members.by_ref(ref)
        if member is not None and not member.dm_unreachable:
            await uow.members.update(member.id, dm_unreachable=True)

    await store.run(work)


async def display_names(store: Store, refs: Sequence[UserRef]) -> dict[UserRef, str]:
    """Names to show in mention links."""

    async def work(uow: UnitOfWork) -> dict[UserRef, str]:
        out = {}
        for ref in refs:
            member = await uow.members.by_ref(ref)
            if member is not None:
                out[ref] = member.display_name
        return out

    return await store.run(work)


async def platform_spaces(store: Store, platform: str) -> list[tuple[int, str]]:
    """Every active space of that platform: (community id, chat id)."""

    async def work(uow: UnitOfWork) -> list[tuple[int, str]]:
        return await uow.communities.all_spaces(platform)

    return await store.run(work)


async def is_known_member(store: Store, ref: UserRef) -> bool:
    """Whether the person belongs to at least one community."""

    async def work(uow: UnitOfWork) -> bool:
        member = await uow.members.by_ref(ref)
        return member is not None and bool(await uow.communities.communities_of(member.id))

    return await store.run(work)


async def enroll(
    store: Store, ref: UserRef, display_name: str, community_ids: Sequence[int], now: datetime
) -> None:
    """Makes the person a member of these communities (found in their groups by the adapter)."""

    async def work(uow: UnitOfWork) -> None:
        member = await uow.members.upsert(ref, display_name, None, None, now)
        for community_id in community_ids:
            await uow.communities.add_membership(community_id, member.id, now)

    await store.run(work)
