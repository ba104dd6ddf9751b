"""What a use case gets: the request, a unit of work, the clock, and helpers to speak and refuse."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import NoReturn
from zoneinfo import ZoneInfo

from bot.core.delivery.vocabulary import Kind
from bot.core.examples import example_when
from bot.core.field_words import field_word, value_of
from bot.core.fields import parse_live_ref
from bot.core.messages import (
    Button,
    CommandRef,
    Destination,
    OutMessage,
    Param,
    Raw,
    Reply,
    Request,
    Text,
)
from bot.core.ports import Capabilities, Clock, UnitOfWork
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
    # What each platform offers, by its name, as the composition root declared it: members and
    # spaces of a platform this process does not run are known by their platform's name only.
    capabilities: Mapping[str, Capabilities] = field(default_factory=dict)
    # The bot's web server (the live console): whether it runs, and the base URL of the links
    # it sends (None: no link is sent, as a local address is dead on a phone).
    web: bool = False
    public_url: str | None = None

    def offers(self, platform: str) -> Capabilities:
        return offers(self.capabilities, platform)


class Refusal(Exception):
    """A use case said no: the unit of work is rolled back and the text goes to the member."""

    def __init__(self, text: Text) -> None:
        super().__init__(text.key)
        self.text = text


@dataclass(frozen=True)
class Notice:
    """A message owed to someone else, written to the delivery ledger in the same transaction."""

    key: str
    kind: Kind
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

    def field(self, name: str) -> Raw:
        """The field as this reader names it (`durée`), for a message that names it."""
        return Raw(field_word(name, self.locale))

    def example(self, command: str) -> Text:
        """How to type `command`, in this reader's words, with a date a week from today."""
        return self.t(f"help.example.{command}", when=Raw(self.example_when))

    @property
    def example_when(self) -> str:
        return example_when(self.clock.now(), self.tz)

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
        """The field's value, stripped; a French value under its English name (`tout` -> `all`)."""
        value = self.req.args.get(name)
        return value_of(name, value.strip()) if value is not None and value.strip() else None

    def need(self, name: str) -> str:
        value = self.arg(name)
        if value is None:
            command = self.req.command
            self.refuse(
                "error.missing_field",
                field=self.field(name),
                command=CommandRef(command),
                example=self.example(command),
            )
        return value

    async def live_arg(self, name: str = "live", *, lock: bool = False) -> Live:
        """The live named by the argument, refused as unknown when absent or of another community.

        `lock`: for a use case that changes the live, its seats, waitlist or questions: the row
        is locked first (see LiveRepo.lock), and what is read is what the others committed."""
        raw = self.need(name)
        live_id = parse_live_ref(raw)
        repo = self.uow.lives
        live = await (repo.lock if lock else repo.get)(live_id) if live_id is not None else None
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
        kind: Kind,
        build: Callable[[str], OutMessage],
        live_id: int | None = None,
    ) -> None:
        """Owes `member_id` a private message, worded in their own language (`key`: the
        row's key, from the ledger's vocabulary)."""
        member = await self.uow.members.get(member_id)
        if member is None:
            return
        community = self.community
        if community is None:
            dest = Destination(member.platform, member.external_id, private=True)
        else:
            dest = await reach(self.uow, member, community, self.config.capabilities)
        if dest.private:
            message = build(locale_for(member, community, self.config))
        else:  # they asked for no DMs, or refused them: mentioned where their community reads
            assert community is not None
            message = replace(build(community.language), mentions=(member.ref,))
        self.notices.append(Notice(key, kind, dest, message, member_id, live_id))

    async def announce(
        self,
        community: Community,
        key: Callable[[int], str],
        kind: Kind,
        build: Callable[[str], OutMessage],
        live_id: int | None = None,
        role: SpaceRole = SpaceRole.ANNOUNCE,
    ) -> None:
        """Owes every active space of that role a post, in the community's language (`key`: the
        row's key for a space's id, from the ledger's vocabulary)."""
        for space_id, dest in await destinations(self.uow, community.id, role):
            message = build(community.language)
            self.notices.append(Notice(key(space_id), kind, dest, message, None, live_id))


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


_UNDECLARED = Capabilities()  # frozen: one for every lookup (it was made again for each)


def offers(capabilities: Mapping[str, Capabilities], platform: str) -> Capabilities:
    """What a platform offers by its name; one never declared gets the defaults."""
    return capabilities.get(platform, _UNDECLARED)


def wants_dms(member: Member, capabilities: Mapping[str, Capabilities]) -> bool:
    """The member's own choice, else their platform's default (Discord: only on opt-in)."""
    if member.dms is not None:
        return member.dms
    return offers(capabilities, member.platform).dms_by_default


async def reach(
    uow: UnitOfWork,
    member: Member,
    community: Community,
    capabilities: Mapping[str, Capabilities],
) -> Destination:
    """Where a personal message to this member goes.

    A private message when they can get one (they want them, see `wants_dms`, and the bot was
    not refused); else the announce space of their own platform, where they are mentioned.
    """
    if wants_dms(member, capabilities) and not member.dm_unreachable:
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
