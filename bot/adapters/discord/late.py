"""The answer to an interaction Discord no longer takes, owed privately through the ledger.

An interaction that reaches us more than ~3 s after it was made (a stall of our event loop,
frames waiting in the gateway's socket) cannot be acknowledged any more: Discord answers 10062
"Unknown interaction" and the member sees "This interaction failed", although the core did
the work (they are signed up). They are told in a DM, worded in their language by the core
("You're in: Bike workshop…" after a line saying Discord could not show it).

Why a DM through the ledger, and not a message in the channel: the answer was for them alone
(an ephemeral message; a sign-up is private), and a stall loses every press made during it, so
a channel message per lost press would flood the announce channel with hundreds of lines
(Discord allows 5 a channel in 5 s: the last ones minutes late) that tell the others nothing.
The ledger sends it within the DM limits, retries it, and never twice: its key is the
interaction's id. A member whose DMs are closed (50007) is remembered as such and not told:
their next press answers them ("You're already signed up"), and nothing is posted for them
(the row names no live, so the sender does not move it to the live's space with a mention).
Kept out of the press's own unit (its sign-up is committed before we know the answer is
lost): a crash between the two loses the DM, never the sign-up.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import discord

from bot.core.delivery.payloads import dump_message
from bot.core.delivery.vocabulary import Kind
from bot.core.messages import Destination, OutMessage, Reply, Text
from bot.core.ports import StoreUnavailable, UnitOfWork
from bot.domain.model import UserRef

if TYPE_CHECKING:
    from bot.core.dispatcher import Core

log = logging.getLogger(__name__)
Interaction = discord.Interaction[discord.Client]
GONE = frozenset({10062, 10015})  # Unknown interaction; Unknown Webhook (its token expired)


def lost_key(interaction_id: int) -> str:
    """The ledger's key of the private answer to that interaction: one row, one DM."""
    return f"answer:discord={interaction_id}"


async def owe_lost_answer(core: Core, interaction: Interaction, reply: Reply) -> None:
    """Owes the member, privately and now, the answer Discord would not take (`reply`)."""
    if not reply.messages or reply.store_down or reply.reachable is False:
        return  # nothing to say, nowhere to write it, or their DMs are closed to us
    first = reply.messages[0]
    told = OutMessage(
        Text(first.text.locale, "discord.late", {"answer": first.text}), first.buttons
    )
    actor = UserRef("discord", str(interaction.user.id))
    dest = Destination(actor.platform, actor.id, private=True)
    now = core.clock.now()

    async def work(uow: UnitOfWork) -> bool:
        member = await uow.members.by_ref(actor)
        member_id = member.id if member is not None else None
        payload = dump_message(told)
        key = lost_key(interaction.id)
        return await uow.deliveries.add(key, Kind.LATE_ANSWER, now, dest, payload, member_id, None)

    try:
        owed = await core.store.run(work)
    except StoreUnavailable as down:
        log.warning("lost answer to %s not owed: database unavailable (%s)", actor, down.kind)
        return
    if owed and core.outbox is not None:
        await core.outbox.owed_at(now)
