"""What a use case gets: the request, a unit of work, the clock, and helpers to speak and refuse."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import NoReturn
from zoneinfo import ZoneInfo

from bot.core.fields import parse_live_ref
from bot.core.messages import Button, Destination, OutMessage, Param, Reply, Request, Text
from bot.core.ports import Clock, UnitOfWork
from bot.core.registry import word_for
from bot.domain.automod import Automod
from bot.domain.model import Community, Live, Member, Role, Space, SpaceRole
from bot.domain.policy import effective_roles
from bot.i18n.catalog import supported


@dataclass(frozen=True)
class CoreConfig:
    """Defaults for communities created here."""

    language: str = "fr"
    timezone: str = "Europe/Paris"
    reminders: tuple[str, ...] = ("24h", "15m")
    premoderation: bool = True
    automod: Automod = field(default_factory=Automod.default)  # compiled once, shared
    # Per-member flood limits (commands, questions). Off only for a script fed to the shell:
    # its personas are the operator's own lines, typed faster than any person could.
    flood_limits: bool = True
    # The bot's web server (the live console): whether it runs, and the base URL of the links
    # it sends (None: no link is sent, as a local address is dead on a phone).
    web: bool = False
    public_url: str | None = None


class Refusal(Exception):
    """A use case said no: the unit of work is rolled back and the text goes to the member."""

    def __init__(self, text: Text) -> None:
        super().__init__(text.key)
        self.text = text


@dataclass(frozen=True)
class Notice:
    """A message owed to someone else, written to the delivery ledger in the same transaction."""

    key: str
    kind: str
    dest: Destination
    message: OutMessage
    member_id: int | None = None
    live_id: int | None = None


@dataclass
class Context:
    req: Request
    uow: UnitOfWork
    clock: Clock
    config: CoreConfig
    member: Member
    space: Space | None
    community: Community | None
    roles: frozenset[Role]
    notices: list[Notice] = field(default_factory=list)

    # -- wording ---------------------------------------------------------------------------
    @property
    def locale(self) -> str:
        return locale_for(self.member, self.community, self.config)

    def t(self, key: str, *, plural: int | None = None, **params: Param) -> Text:
        """`plural` picks the plural form (and fills `{n}`); every other keyword is a parameter."""
        return Text(self.locale, key, params, plural)

    def refuse(self, key: str, **params: Param) -> NoReturn:
        raise Refusal(Text(self.locale, key, params))

    def reply(
        self,
        key: str,
        *,
        buttons: Sequence[Sequence[Button]] = (),
        public: bool = False,
        plural: int | None = None,
        **params: Param,
    ) -> Reply:
        text = self.t(key, plural=plural, **params)
        rows = tuple(tuple(row) for row in buttons)
        return Reply((OutMessage(text, rows),), public=public)

    def button(self, key: str, action: str | None = None, url: str | None = None) -> Button:
        return Button(self.t(key), action, url)

    # -- time and place ----------------------------------------------------------------------
    @property
    def tz(self) -> ZoneInfo:
        name = self.member.timezone or (self.community.timezone if self.community else None)
        return ZoneInfo(name or self.config.timezone)

    @property
    def community_id(self) -> int:
        if self.community is None:
            self.refuse("error.no_community")
        return self.community.id

    def has(self, role: Role) -> bool:
        return role in effective_roles(self.roles)

    # -- arguments ---------------------------------------------------------------------------
    def arg(self, name: str) -> str | None:
        value = self.req.args.get(name)
        return value.strip() if value is not None and value.strip() else None

    def need(self, name: str) -> str:
        value = self.arg(name)
        if value is None:
            self.refuse(
                "error.missing_field", field=name, command=word_for(self.req.command, self.locale)
            )
        return value

    async def live_arg(self, name: str = "live") -> Live:
        """The live named by the argument, refused as unknown when absent or of another community."""
        raw = self.need(name)
        live_id = parse_live_ref(raw)
        live = await self.uow.lives.get(live_id) if live_id is not None else None
        if live is None or (self.community is not None and live.community_id != self.community.id):
            self.refuse("error.unknown_live", live=raw)
        return live

    async def is_host_of(self, live: Live) -> bool:
        return self.has(Role.ORGANIZER) or self.member.id in await self.uow.lives.hosts(live.id)

    async def require_host_of(self, live: Live) -> None:
        if not await self.is_host_of(live):
            self.refuse("error.not_host_of_live", live=live.id)

    # -- notices -----------------------------------------------------------------------------
    async def tell_member(
        self,
        member_id: int,
        key: str,
        kind: str,
        build: Callable[[str], OutMessage],
        live_id: int | None = None,
    ) -> None:
        """Owes `member_id` a private message, worded in their own language."""
        member = await self.uow.members.get(member_id)
        if member is None:
            return
        community = self.community
        if community is None:
            dest = Destination(member.platform, member.external_id, private=True)
        else:
            dest = await reach(self.uow, member, community)
        if dest.private:
            message = build(locale_for(member, community, self.config))
        else:  # they asked for no DMs, or refused them: mentioned where their community reads
            assert community is not None
            message = replace(build(community.language), mentions=(member.ref,))
        self.notices.append(Notice(key, kind, dest, message, member_id, live_id))

    async def announce(
        self,
        community: Community,
        key: str,
        kind: str,
        build: Callable[[str], OutMessage],
        live_id: int | None = None,
        role: SpaceRole = SpaceRole.ANNOUNCE,
    ) -> None:
        """Owes every active space of that role a post, in the community's language."""
        for space_id, dest in await destinations(self.uow, community.id, role):
            message = build(community.language)
            self.notices.append(
                Notice(f"{key}:space={space_id}", kind, dest, message, None, live_id)
            )


async def destinations(
    uow: UnitOfWork, community_id: int, role: SpaceRole
) -> list[tuple[int, Destination]]:
    """Where a community's announcements or moderation cards go.

    A Telegram chat is one or the other; a Discord server is both, through its two channels.
    """
    out: list[tuple[int, Destination]] = []
    for space in await uow.communities.spaces(community_id):
        channel: str | None = None
        if role is SpaceRole.ANNOUNCE and space.role is SpaceRole.ANNOUNCE:
            channel = space.announce_channel or space.external_id
        elif role is SpaceRole.MODERATION and space.role is SpaceRole.MODERATION:
            channel = space.external_id
        elif role is SpaceRole.MODERATION and space.moderation_channel:
            channel = space.moderation_channel
        if channel is not None:
            out.append((space.id, Destination(space.platform, channel, private=False)))
    return out


async def reach(uow: UnitOfWork, member: Member, community: Community) -> Destination:
    """Where a personal message to this member goes.

    A private message when they can get one (Discord: only on opt-in; Telegram: unless the bot
    was refused); else the announce space of their own platform, where they are mentioned.
    """
    wants_dm = member.dms if member.dms is not None else member.platform != "discord"
    if wants_dm and not member.dm_unreachable:
        return Destination(member.platform, member.external_id, private=True)
    for _, dest in await destinations(uow, community.id, SpaceRole.ANNOUNCE):
        if dest.platform == member.platform:
            return dest
    return Destination(member.platform, member.external_id, private=True)


def locale_for(member: Member | None, community: Community | None, config: CoreConfig) -> str:
    """The member's own language, else their platform's locale, else the community's."""
    if member is not None and member.language:
        return member.language
    hinted = supported(member.locale_hint) if member is not None else None
    if hinted:
        return hinted
    return community.language if community is not None else config.language
