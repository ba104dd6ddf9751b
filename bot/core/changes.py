"""What a committed unit of work changed, as the live console and the public pages need to know
it: which community and live, and what kind of change. Local watchers (the console's hub, the
pages' cache) hear it at once; on a database shared by several processes it also crosses to the
others (ports.ChangeFeed), so `ports.Change` carries ids and a name, never a person's text.
"""

from __future__ import annotations

from bot.core.fields import parse_live_ref
from bot.core.messages import Request
from bot.core.ports import Change
from bot.domain.commands import COMMANDS, READS_ONLY

__all__ = ["Change", "of_request"]


def of_request(req: Request, community_id: int | None) -> Change | None:
    """The change a request that succeeded made; only declared names leave the process. None
    for a command that only reads."""
    spec = COMMANDS.get(req.command)
    if spec is not None and spec.name in READS_ONLY:
        return None
    raw = req.args.get("live")
    live_id = parse_live_ref(raw) if raw else None
    return Change(spec.name if spec is not None else "change", community_id, live_id)
