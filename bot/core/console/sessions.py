"""`/console <live>`: a private, signed, short-lived link to the live console; and what the web
adapter asks before it shows or does anything: is this token one of ours, still valid, for this
live, and whose."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.core.console.repositories import ConsoleSession, View
from bot.core.console.tokens import KEY_NAME, Claims, Kind, new_secret, new_session_id, read, sign
from bot.core.context import Context
from bot.core.messages import Reply
from bot.core.ports import SESSION, Change, Clock, Store, UnitOfWork
from bot.core.registry import handles
from bot.domain.model import Community, Live, LiveStatus, Member, Role

LINK_TTL = timedelta(minutes=15)  # the link in the chat: to be opened soon, then worthless
SESSION_TTL = timedelta(hours=12)  # the open page: a long live, and then some
OVERLAY_AFTER_END = timedelta(days=1)  # a hard stop for an overlay of a live never ended
OPEN = (LiveStatus.SCHEDULED, LiveStatus.LIVE)
CLOSED = (LiveStatus.ENDED, LiveStatus.CANCELLED)


@handles("console")
async def console(ctx: Context) -> Reply:
    live = await ctx.live_arg()
    moderator = ctx.has(Role.MODERATOR)
    if not moderator:
        await ctx.require_host_of(live)  # a host of this live gets the host's view only
    if live.status not in OPEN:
        status = ctx.t(f"live.status.{live.status.value}")
        ctx.refuse("console.not_open", id=live.id, status=status)
    if not ctx.config.web:
        ctx.refuse("console.web_off")
    if ctx.config.public_url is None:
        ctx.refuse("console.no_public_url")
    now = ctx.clock.now()
    view = View.MODERATOR if moderator else View.HOST
    roles = frozenset(ctx.roles - {Role.MEMBER})
    session = ConsoleSession(
        new_session_id(), view, ctx.member.id, live.id, roles, now, now + SESSION_TTL
    )
    await ctx.uow.console.forget_expired(now)  # the table holds only what can still be used
    await ctx.uow.console.add(session)
    secret = await signing_key(ctx.uow, now)
    token = sign(secret, Claims(session.id, Kind.LINK, now + LINK_TTL))
    url = f"{ctx.config.public_url}/console/{live.id}/{token}"
    key = "console.link.moderator" if moderator else "console.link.host"
    minutes = int(LINK_TTL.total_seconds() // 60)
    button = ctx.button("console.open", url=url)
    return ctx.reply(key, buttons=[[button]], id=live.id, title=live.title, minutes=minutes)


async def signing_key(uow: UnitOfWork, now: datetime) -> str:
    """The key that signs console links: made the first time it is asked for, then kept."""
    return await uow.console.key(KEY_NAME, new_secret(), now)


async def ensure_key(store: Store, clock: Clock) -> None:
    """At start: the first start of a bot makes its key, so no request ever races to."""
    await store.run(lambda uow: signing_key(uow, clock.now()))


@dataclass(frozen=True)
class Access:
    """Who holds a valid token for this live, and in which view."""

    session: ConsoleSession
    kind: Kind
    member: Member
    live: Live
    community: Community

    @property
    def view(self) -> View:
        return self.session.view


@dataclass(frozen=True)
class Denied:
    """Why a token is refused: `forged`, `expired`, `revoked`, `other_live`, `ended`."""

    reason: str


async def check(
    store: Store, clock: Clock, token: str, live_id: int, kinds: frozenset[Kind]
) -> Access | Denied:
    """Reads the token and its session; changes nothing, whatever the answer."""

    async def work(uow: UnitOfWork) -> Access | Denied:
        now = clock.now()
        claims = read(await signing_key(uow, now), token)
        if claims is None or claims.kind not in kinds:
            return Denied("forged")
        if claims.expires <= now:  # before the session: an expired session may be forgotten
            return Denied("expired")
        session = await uow.console.get(claims.session_id)
        if session is None:
            return Denied("forged")
        if session.revoked_at is not None:
            return Denied("revoked")
        if session.expires_at <= now:
            return Denied("expired")
        if session.live_id != live_id:
            return Denied("other_live")
        live = await uow.lives.get(live_id)
        member = await uow.members.get(session.member_id)
        community = await uow.communities.get(live.community_id) if live else None
        if live is None or member is None or community is None:
            return Denied("revoked")
        if session.view is View.OVERLAY and live.status in CLOSED:
            return Denied("ended")
        return Access(session, claims.kind, member, live, community)

    return await store.run(work)


async def page_token(store: Store, clock: Clock, access: Access) -> str:
    """What the open page holds: the same session, for as long as the session lasts (the
    link it was opened from stops working after a few minutes)."""
    kind = Kind.OVERLAY if access.view is View.OVERLAY else Kind.CONSOLE
    secret = await store.run(lambda uow: signing_key(uow, clock.now()))
    return sign(secret, Claims(access.session.id, kind, access.session.expires_at))


async def logout(store: Store, clock: Clock, access: Access) -> bool:
    """Revokes the session: every token of it, the link's and the page's, is refused after;
    the other processes, where its page may be open, are told with the commit."""

    async def work(uow: UnitOfWork) -> bool:
        revoked = await uow.console.revoke(access.session.id, clock.now())
        await uow.changes.tell(closed_session(access))
        return revoked

    return await store.run(work)


def closed_session(access: Access) -> Change:
    """The change a closed session or overlay link makes: its pages, wherever open, end."""
    return Change(SESSION, access.community.id, access.live.id)


async def new_overlay(store: Store, clock: Clock, access: Access) -> str:
    """A read-only token for the on-air page, valid until the live ends; the live's previous
    overlay link stops working (one per live: a leaked link is revoked by making a new one)."""
    now = clock.now()
    live = access.live
    expires = max(live.ends_at, now) + OVERLAY_AFTER_END
    session = ConsoleSession(
        new_session_id(), View.OVERLAY, access.member.id, live.id, frozenset(), now, expires
    )

    async def work(uow: UnitOfWork) -> str:
        await uow.console.revoke_views(live.id, View.OVERLAY, now)
        await uow.console.forget_expired(now)
        await uow.console.add(session)
        return sign(await signing_key(uow, now), Claims(session.id, Kind.OVERLAY, expires))

    return await store.run(work)


async def revoke_overlays(store: Store, clock: Clock, access: Access) -> int:
    async def work(uow: UnitOfWork) -> int:
        revoked = await uow.console.revoke_views(access.live.id, View.OVERLAY, clock.now())
        await uow.changes.tell(closed_session(access))
        return revoked

    return await store.run(work)
