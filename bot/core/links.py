"""Deep links: a platform's one-tap link (Telegram's `t.me/<bot>?start=join_12`) carries an action
that the member opened the private chat to run."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from bot.core.codec import Action
from bot.core.messages import Reply, Request

if TYPE_CHECKING:
    from bot.core.dispatcher import Core


async def follow(core: Core, req: Request, action: Action) -> Reply:
    """Runs the link's action as if its button were pressed here. Join pressed in a group, then
    Start in the private chat: being signed up already is the good news, so the live is shown
    rather than a refusal (a read: the join handled the update, hence no receipt)."""
    if action.name == "ask":  # the live is known; the question is asked for
        return await core.guide(req, "ask", action.args)
    reply = await core.handle(replace(req, command=action.name, args=action.args))
    if action.name == "join" and not reply.ok and reply.text.key == "signup.already":
        return await core.handle(replace(req, command="live", args=action.args, receipt=None))
    return reply
