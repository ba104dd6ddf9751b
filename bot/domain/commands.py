"""Every command, declared once: its name and French alias, who may run it, its fields with their
kinds and bounds, its guided form, and what a platform needs to offer it.

Pure data. The policy table (`policy`), the guided forms (`bot.core.conversation`), `/help`,
Telegram's menus and Discord's slash definitions are read from `COMMANDS`; a use case binds its
handler to a declared name (`@handles("join")` in `bot.core.registry`) and checks the bounds
declared here (`DURATION.low`). The order of the table is the order `/help` and the menus show.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from enum import StrEnum

from bot.domain.model import Role
from bot.domain.series import MAX_REPEAT_COUNT, MIN_REPEAT_COUNT, Repeat

EVERYONE = frozenset({Role.MEMBER, Role.HOST, Role.MODERATOR, Role.ORGANIZER})
HOSTS = frozenset({Role.HOST, Role.ORGANIZER})
MODERATORS = frozenset({Role.MODERATOR, Role.ORGANIZER})
ORGANIZERS = frozenset({Role.ORGANIZER})
# "Host of that live" commands are open to everyone here and checked by the use case against the
# live's hosts (its creator, its co-hosts, organizers): a member whose proposal was accepted hosts
# that live without holding the host role.
HOST_OF_LIVE = EVERYONE


class Kind(StrEnum):
    """What a field holds, as a platform's form would pick it; typed, every field is text."""

    TEXT = "text"
    INTEGER = "integer"
    BOOLEAN = "boolean"  # yes/no, oui/non
    LIVE = "live"  # a live by its number: `12`, `#12`
    QUESTION = "question"  # a question by its number: `Q45`
    MEMBER = "member"  # a person: a platform's user picker, or `@name`
    CHANNEL = "channel"  # a platform's channel, by its id
    ROLE = "role"  # a platform's role, by its id


class Source(StrEnum):
    """Who gives a field's value."""

    PERSON = "person"  # typed, or picked in a platform's command form
    TYPED = "typed"  # typed only: no platform's command form offers it
    PLACE = "place"  # the adapter fills it from where the command came (typed elsewhere)
    BUTTON = "button"  # the bot's own buttons: never shown, never offered


class LiveKind(StrEnum):
    """Which lives a `live` field's picker offers."""

    UPCOMING = "upcoming"  # scheduled or on air: /join, /ask, /live...
    HOSTED = "hosted"  # the same, plus drafts the member hosts: /edit, /publish, /cancel
    RECENT = "recent"  # on air or ended within a week: /next, /end, /queue, /modlog
    ON_AIR = "on_air"  # on air now (even past its planned end): /here


@dataclass(frozen=True)
class Field:
    name: str
    kind: Kind = Kind.TEXT
    required: bool = False
    low: int | None = None  # an integer's smallest value; a text's shortest length
    high: int | None = None  # an integer's largest value; a text's longest length
    items: int = 0  # a comma-separated list of at most this many (0: not a list)
    choices: tuple[str, ...] = ()
    # Catalog prefix naming each choice for every platform (`repeat` -> `repeat.weekly`); None:
    # the adapter words them itself.
    choice_words: str | None = None
    lives: LiveKind | None = None  # the lives a picker offers
    about: str | None = None  # the name of its description, when not the field's own
    source: Source = Source.PERSON

    @property
    def bounds(self) -> tuple[int, int]:
        """(low, high) for a use case to check; a text with no shortest length starts at 0."""
        assert self.high is not None, f"{self.name}: no upper bound declared"
        return self.low or 0, self.high


@dataclass(frozen=True)
class CommandShape:
    """Which field names a command accepts and how bare tokens map onto them."""

    positional: tuple[str, ...] = ()
    rest: str | None = None
    keys: frozenset[str] = frozenset()

    @property
    def allowed(self) -> frozenset[str]:
        """Every accepted name: ``keys`` plus the positional names plus ``rest``."""
        extra = {*self.positional, *((self.rest,) if self.rest is not None else ())}
        return self.keys | extra


@dataclass(frozen=True)
class Guided:
    """A bare command asks these fields one by one, each required or not ("-" skips)."""

    asks: tuple[tuple[str, bool], ...]
    checked: bool = False  # each answer is checked at once (a `@checks` function)


@dataclass(frozen=True)
class Command:
    name: str
    alias: str | None
    roles: frozenset[Role]  # who may run it
    positional: tuple[Field, ...] = ()  # bare tokens fill these in order
    rest: Field | None = None  # the remaining text
    keys: tuple[Field, ...] = ()  # only as `key=value`
    shown_to: frozenset[Role] | None = None  # who `/help` shows it to, when not `roles`
    guided: Guided | None = None
    role_blind: bool = False  # its outcome never depends on roles: no need to ask the platform
    needs_community: bool = True
    button_only: bool = False  # run by the bot's own buttons, never typed or listed
    typed_only: bool = False  # only where commands are typed in a chat (Telegram, the shell)
    private: bool = False  # offered in private chats too, not only in a community's space
    many: bool = False  # its last field may be repeated: `/approve Q1 Q2`

    @property
    def fields(self) -> tuple[Field, ...]:
        return (*self.positional, *((self.rest,) if self.rest else ()), *self.keys)

    def field(self, name: str) -> Field | None:
        return next((f for f in self.fields if f.name == name), None)

    @property
    def shape(self) -> CommandShape:
        rest = self.rest.name if self.rest else None
        keys = frozenset(f.name for f in self.keys)
        return CommandShape(tuple(f.name for f in self.positional), rest, keys)


def _live(lives: LiveKind) -> Field:
    return Field("live", Kind.LIVE, True, low=1, lives=lives)


def _button(name: str) -> Field:
    return Field(name, source=Source.BUTTON)


def _required(field: Field) -> Field:
    return replace(field, required=True)


# The fields commands share, with the bounds their use cases check.
UPCOMING, HOSTED = _live(LiveKind.UPCOMING), _live(LiveKind.HOSTED)
RECENT, ON_AIR = _live(LiveKind.RECENT), _live(LiveKind.ON_AIR)
TITLE = Field("title", low=3, high=100)
WHEN = Field("when")
DURATION = Field("duration", Kind.INTEGER, low=5, high=600)
DESCRIPTION = Field("description", high=1000)
LINK = Field("link", high=500)
CAPACITY = Field("capacity", Kind.INTEGER, low=1, high=100_000)
TAGS = Field("tags", items=5)
REPEAT = Field("repeat", choices=tuple(r.value for r in Repeat), choice_words="repeat")
COUNT = Field("count", Kind.INTEGER, low=MIN_REPEAT_COUNT, high=MAX_REPEAT_COUNT)
SERIES = Field("series", choices=("one", "all"))
QUESTION_TEXT = Field("question", required=True, low=3, high=500)
QUESTION = Field("question", Kind.QUESTION, True, about="question_id")
QUESTIONS = replace(QUESTION, about="question_ids")
ANONYMOUS = Field("anonymous", Kind.BOOLEAN)
REASON = Field("reason", high=300)
REPLAY = Field("replay", high=500)
MEMBER = Field("member", Kind.MEMBER, True)
RATING = Field("rating", Kind.INTEGER, low=1, high=5, source=Source.BUTTON)
COMMENT = Field("comment", high=1000)
PROPOSAL = Field("proposal", required=True)
EXPORTS = Field("what", required=True, choices=("lives", "signups", "questions"))
LANGUAGE = Field("language", choices=("fr", "en"), choice_words="language")
TIMEZONE, REMINDERS = Field("timezone"), Field("reminders")
LIVE_FIELDS = (DESCRIPTION, LINK, CAPACITY, TAGS)
SCHEDULE_FIELDS = (_required(TITLE), _required(WHEN), DURATION, *LIVE_FIELDS, REPEAT, COUNT)
# A series is repeated when scheduled only: `/edit` reads `repeat` and `count` typed, as
# `/schedule` does, but no form offers them.
EDIT_KEYS = (
    TITLE, WHEN, DURATION, *LIVE_FIELDS,
    replace(REPEAT, source=Source.TYPED), replace(COUNT, source=Source.TYPED),
    Field("cohost", Kind.MEMBER), SERIES,
)  # fmt: skip
SETTINGS_FIELDS = (LANGUAGE, TIMEZONE, REMINDERS, Field("dms", Kind.BOOLEAN))
SETUP_FIELDS = (
    Field("name", source=Source.PLACE),  # a Discord server's own name by default
    Field("announce_channel", Kind.CHANNEL),
    Field("moderation_channel", Kind.CHANNEL),
    Field("host_role", Kind.ROLE),
    Field("moderator_role", Kind.ROLE),
    LANGUAGE, TIMEZONE, REMINDERS,
    Field("premoderation", Kind.BOOLEAN),
    Field("lexicon", source=Source.TYPED),
    Field("public", Kind.BOOLEAN),  # the community's public schedule page and feed
    Field("invite", high=200),  # the Discord invite that page offers
)  # fmt: skip
SCHEDULE_FORM = (("title", True), ("when", True), ("duration", False),
                 ("description", False), ("link", False), ("capacity", False))  # fmt: skip
ASK_FORM = (("live", True), ("question", True), ("anonymous", False))
PROPOSE_FORM = (("title", True), ("description", True))

_TABLE = (
    # lives and the people in them
    Command("join", "participer", EVERYONE, (UPCOMING,), role_blind=True, private=True),
    Command("leave", "desinscrire", EVERYONE, (UPCOMING,), role_blind=True, private=True),
    Command("here", "present", EVERYONE, (ON_AIR,), role_blind=True, private=True),
    Command("rate", None, EVERYONE, (RECENT, RATING), COMMENT, role_blind=True,
            button_only=True),
    Command("schedule", "planifier", HOSTS, keys=SCHEDULE_FIELDS,
            guided=Guided(SCHEDULE_FORM, checked=True)),
    Command("publish", "publier", HOST_OF_LIVE, (HOSTED,), shown_to=HOSTS),
    Command("edit", "modifier", HOST_OF_LIVE, (HOSTED,), keys=EDIT_KEYS, shown_to=HOSTS),
    Command("cancel", "annuler", HOST_OF_LIVE, (HOSTED,), REASON, (SERIES,), shown_to=HOSTS),
    Command("golive", "endirect", HOST_OF_LIVE, (UPCOMING,), shown_to=HOSTS),
    Command("end", "terminer", HOST_OF_LIVE, (RECENT, REPLAY), shown_to=HOSTS),
    Command("lives", "programme", EVERYONE, (Field("tag"),), keys=(_button("page"),),
            role_blind=True, needs_community=False, private=True),
    Command("live", "direct", EVERYONE, (UPCOMING,), role_blind=True, private=True),
    Command("myschedule", "mesinscriptions", EVERYONE, role_blind=True, needs_community=False,
            private=True),
    Command("calendar", "calendrier", EVERYONE, (Field("action", source=Source.TYPED),),
            role_blind=True, needs_community=False, private=True),
    # the community and its spaces
    Command("setup", "configurer", ORGANIZERS, keys=SETUP_FIELDS, needs_community=False),
    Command("link", "lier", ORGANIZERS, (Field("code"), Field("role", source=Source.TYPED)),
            keys=(Field("announce_channel", source=Source.PLACE),), needs_community=False),
    Command("unlink", "delier", ORGANIZERS),
    Command("host", "animateur", ORGANIZERS, (MEMBER,)),
    Command("unhost", "retirer", ORGANIZERS, (MEMBER,)),
    # commands about commands
    Command("help", "aide", EVERYONE, (Field("command"),), needs_community=False, private=True),
    Command("stop", "arreter", EVERYONE, role_blind=True, needs_community=False, typed_only=True),
    # a member's own things
    Command("settings", "reglages", EVERYONE, (_button("field"), _button("value")),
            keys=SETTINGS_FIELDS, role_blind=True, needs_community=False, private=True),
    Command("forgetme", "oubliemoi", EVERYONE, (_button("confirm"),), role_blind=True,
            needs_community=False, private=True),
    # questions and their moderation
    Command("ask", "question", EVERYONE, (UPCOMING,), QUESTION_TEXT, (ANONYMOUS,),
            guided=Guided(ASK_FORM, checked=True), role_blind=True, private=True),
    Command("questions", None, EVERYONE, (UPCOMING,), role_blind=True, private=True),
    Command("vote", None, EVERYONE, (QUESTION,), role_blind=True, private=True),
    Command("next", "suivante", HOST_OF_LIVE, (RECENT,), shown_to=HOSTS | MODERATORS),
    Command("queue", "file", MODERATORS, (RECENT,)),
    Command("approve", "approuver", MODERATORS, rest=QUESTIONS, many=True),
    Command("reject", "refuser", MODERATORS, (QUESTION,), REASON),
    Command("merge", "fusionner", MODERATORS, (QUESTION, Field("into", Kind.QUESTION, True))),
    Command("mute", "muet", MODERATORS, (replace(MEMBER, required=False),), Field("length"),
            (replace(QUESTION, required=False),)),
    Command("unmute", "demuet", MODERATORS, (MEMBER,)),
    Command("modlog", "journal", MODERATORS, (RECENT,)),
    # skills members propose
    Command("propose", "proposer", EVERYONE, keys=(_required(TITLE), DESCRIPTION),
            guided=Guided(PROPOSE_FORM), role_blind=True),
    Command("proposals", "propositions", MODERATORS),
    Command("accept", None, MODERATORS, (PROPOSAL,), button_only=True),
    Command("decline", None, MODERATORS, (PROPOSAL,), button_only=True),
    # figures
    Command("stats", "chiffres", ORGANIZERS, (Field("period"),)),
    Command("export", "exporter", ORGANIZERS, (EXPORTS,)),
    # the live console in a browser (a moderator, or a host of that live: checked by the use case)
    Command("console", None, HOST_OF_LIVE, (UPCOMING,), shown_to=HOSTS | MODERATORS, private=True),
)  # fmt: skip
COMMANDS: dict[str, Command] = {command.name: command for command in _TABLE}
ALIASES: dict[str, str] = {c.alias: c.name for c in _TABLE if c.alias}
# Commands that only read: they change nothing a console or a page shows, so the other
# processes on the database are not told of them (bot.core.changes).
READS_ONLY = frozenset(
    {"help", "lives", "live", "myschedule", "questions", "queue", "modlog", "proposals", "stats",
     "export"}
)  # fmt: skip


def resolve(word: str) -> Command | None:
    """`/participer` and `/join` (any case, without the slash) -> the join command."""
    name = word.lower().lstrip("/").split("@")[0]
    return COMMANDS.get(ALIASES.get(name, name))


def word_for(name: str, locale: str) -> str:
    """The command as a member of that language types it: `/participer` for French readers."""
    command = COMMANDS.get(name)
    return command.alias if command is not None and command.alias and locale == "fr" else name
