"""Where an answer goes on Discord: to the person who acted, ephemerally, within Discord's
3 seconds.

The core runs as a task; if it has not answered after `ACK_WITHIN` seconds the interaction is
deferred (ephemerally: the first message after a public defer would be public), and the answer
replaces the "thinking" message when it comes. A `public` reply is posted for the whole channel.
An interaction Discord no longer takes (it reached us too late) hands its answer, once the
core is done, to `lost` (the adapter owes it privately: see `late.py`).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

import aiohttp
import discord

from bot.adapters.discord.late import GONE
from bot.adapters.discord.render import Part, parts
from bot.core.messages import OutMessage, Reply, Text
from bot.core.ports import StoreUnavailable
from bot.i18n.catalog import CommandWriter, supported, typed

log = logging.getLogger(__name__)
ACK_WITHIN = 2.0  # seconds; Discord drops an interaction not acknowledged within 3
# Seconds after which an interaction is past answering whatever the clocks say (Discord's 3,
# with room for our clock being ahead of Discord's): not even tried, its answer goes to `lost`.
# After a stall, the backlog of presses made during it drains without a request each that
# Discord would refuse (10062).
GONE_AFTER = 4.5
Interaction = discord.Interaction[discord.Client]
Lost = Callable[[Reply], Awaitable[None]]


async def answer(
    interaction: Interaction,
    work: Awaitable[Reply],
    *,
    on_own: bool = False,
    commands: CommandWriter = typed,
    lost: Lost | None = None,
) -> None:
    """Runs `work` and shows its reply to the person who acted. `on_own`: the button pressed is
    on an ephemeral message of theirs, which a reply the core marks `in_place` (their settings)
    replaces; a late answer there is acknowledged silently, as it may be either. `commands`
    writes the commands the reply names. `lost`: told the reply when Discord no longer takes
    it (the interaction reached us too late to be acknowledged)."""
    task = asyncio.ensure_future(work)
    if lost is not None and age(interaction) > GONE_AFTER:
        log.warning("interaction %s reached us too late to be answered", interaction.id)
        await lost(await _outcome(interaction, task))
        return
    done, _ = await asyncio.wait({task}, timeout=time_left(interaction))
    deferred = not done
    reply: Reply | None = None
    try:
        if deferred:
            await interaction.response.defer(ephemeral=True, thinking=not on_own)
        reply = await _outcome(interaction, task)
        in_place = reply.in_place and on_own
        if deferred and on_own and not in_place:  # silently acknowledged: answer below it
            await _follow(interaction, reply, commands)
            return
        await _show(interaction, reply, deferred, in_place, commands)
    except discord.NotFound as error:
        # 10062: Discord gave up on this interaction (it reached us, or our answer reached
        # Discord, more than 3 s after it was made); the member sees "This interaction
        # failed", though the core did the work: they are told another way.
        log.warning("interaction %s could not be answered: %s", interaction.id, error)
        if lost is not None and error.code in GONE:
            await lost(reply or await _outcome(interaction, task))
    except discord.HTTPException as error:
        log.warning("answer to interaction %s refused: %s", interaction.id, error)
    except (aiohttp.ClientError, TimeoutError, OSError) as error:  # Discord out of reach
        log.warning("answer to interaction %s not delivered: %r", interaction.id, error)
    finally:
        if not task.done():  # the defer failed: the core still finishes, nobody waits for it
            task.add_done_callback(_consume)


async def _outcome(interaction: Interaction, task: asyncio.Future[Reply]) -> Reply:
    try:
        return await task
    except StoreUnavailable as down:  # read before the core (the server's space, roles)
        log.warning("interaction %s not done: database unavailable (%s)", interaction.id, down.kind)
        said = Text(interaction_locale(interaction), "error.store_unavailable")
        return Reply((OutMessage(said),), ok=False, store_down=True)


def time_left(interaction: Interaction) -> float:
    """How long the core may take before the interaction is deferred: `ACK_WITHIN` from when
    Discord made it (its id's timestamp), not from when it reached us. Discord counts its
    3 seconds from there: an interaction whose frame waited (in the socket through a stall of
    our loop, behind a backlog of others) has less left, and one given the whole `ACK_WITHIN`
    from its handler was deferred past the 3 s and lost (issue 12: 559 of 1,000 presses after
    a 1.4 s stall). Never more than `ACK_WITHIN` from now: with our clock behind Discord's, the
    age reads short and we wait no longer than before; with it ahead, we only defer sooner."""
    return min(ACK_WITHIN, max(0.0, ACK_WITHIN - age(interaction)))


def age(interaction: Interaction) -> float:
    """Seconds since Discord made the interaction (its id's timestamp), by our clock."""
    return (datetime.now(UTC) - interaction.created_at).total_seconds()


def _consume(task: asyncio.Future[Reply]) -> None:
    if not task.cancelled() and task.exception() is not None:
        log.error("a command failed after its interaction was lost", exc_info=task.exception())


async def _show(
    interaction: Interaction,
    reply: Reply,
    deferred: bool,
    in_place: bool,
    commands: CommandWriter,
) -> None:
    messages = reply.messages or (
        OutMessage(Text(interaction_locale(interaction), "discord.done")),
    )
    shown = [part for message in messages for part in parts(message, commands)]
    ephemeral = not reply.public
    first, rest = shown[0], shown[1:]
    if not deferred:
        if in_place and ephemeral:
            await interaction.response.edit_message(**_body(first, edit=True, replace=True))
        else:
            await interaction.response.send_message(**_body(first), ephemeral=ephemeral)
    elif ephemeral or in_place:
        await interaction.edit_original_response(**_body(first, edit=True, replace=in_place))
    else:
        # The "thinking" message is ephemeral: it says where the answer went, which is then
        # posted for everyone as a message of its own.
        note = Text(first_locale(reply), "discord.posted")
        await interaction.edit_original_response(content=parts(OutMessage(note))[0].content)
        rest = shown
    for part in rest:
        await interaction.followup.send(**_body(part), ephemeral=ephemeral)


async def _follow(interaction: Interaction, reply: Reply, commands: CommandWriter) -> None:
    for message in reply.messages:
        for part in parts(message, commands):
            await interaction.followup.send(**_body(part), ephemeral=not reply.public)


def _body(part: Part, *, edit: bool = False, replace: bool = False) -> dict[str, Any]:
    """The keywords discord.py takes for a message (`edit`: an edit takes its files as a list);
    `replace`: an edited message loses the buttons the new text does not have."""
    body: dict[str, Any] = {"content": part.content, "allowed_mentions": part.allowed}
    view = part.view()
    if view is not None or replace:
        body["view"] = view
    file = part.file()
    if file is not None:
        body["attachments" if edit else "file"] = [file] if edit else file
    return body


def first_locale(reply: Reply) -> str:
    return reply.messages[0].text.locale


def interaction_locale(interaction: Interaction, default: str = "fr") -> str:
    """The member's client language when we speak it, else the server's, else `default`
    (for the few words said before the core is asked: a form, an empty answer)."""
    for locale in (interaction.locale, interaction.guild_locale):
        found = supported(str(locale)) if locale is not None else None
        if found:
            return found
    return default
