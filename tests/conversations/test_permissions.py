"""Who may do what, through the dispatcher: the whole POLICY table against every role, the "host of
that live" commands checked against the live's hosts, and the host role granted with /host."""

from __future__ import annotations

import pytest

from bot.core.usecases import load_all
from bot.domain.commands import COMMANDS, word_for
from bot.domain.model import LiveStatus, Role, UserRef
from bot.domain.policy import POLICY, effective_roles
from tests.chat import ROLES, Chat, Persona

load_all()

ROLE_NAMES = ("member", "host", "moderator", "organizer")
# Arguments that parse for each command, so that the permission check is what is exercised.
NO_POSITIONAL_ARGS = {
    "schedule": 'title="Cuisine facile" when="demain 18h"',
    "propose": 'title="Cuisine facile"',
}
HOST_OF_LIVE = ("publish", "edit", "cancel", "golive", "end", "next", "console")


def line_for(name: str) -> str:
    spec = COMMANDS[name]
    if spec.shape.positional:
        return f"/{name} 1"
    return f"/{name} {NO_POSITIONAL_ARGS.get(name, '')}".rstrip()


def allowed(name: str, role: str) -> bool:
    return bool(POLICY[name] & effective_roles(ROLES[role]))


def test_every_registered_command_has_a_row_in_the_table_and_back() -> None:
    assert set(COMMANDS) == set(POLICY)


def test_the_table_holds_what_the_spec_says() -> None:
    """A few anchors, so that opening the table to everyone cannot pass unnoticed."""
    assert POLICY["schedule"] == frozenset({Role.HOST, Role.ORGANIZER})
    assert Role.MEMBER not in POLICY["queue"] and Role.HOST not in POLICY["queue"]
    for name in ("setup", "link", "unlink", "host", "unhost", "stats", "export"):
        assert POLICY[name] == frozenset({Role.ORGANIZER}), name
    for name in ("join", "leave", "ask", "vote", "here", "settings", "forgetme", "help", "propose"):
        assert Role.MEMBER in POLICY[name], name


@pytest.mark.parametrize("name", sorted(POLICY))
async def test_permission_matrix(community: Chat, name: str) -> None:
    """Each role in turn (one community per command; the organizer last, as it may unlink)."""
    for role in ROLE_NAMES:
        said = await community.as_(f"who_{role}", role).says(line_for(name))
        assert said.key != "error.internal", (role, said.text)
        if allowed(name, role):
            assert said.key != "error.forbidden", (role, said.text)
        else:
            assert not said.ok, role
            assert said.key == "error.forbidden", (role, said.text)
            assert f"/{word_for(name, 'fr')} " in said.text  # named as a French reader types it


def test_the_matrix_expects_refusals_where_the_spec_says() -> None:
    refused = {(n, r) for n in POLICY for r in ROLE_NAMES if not allowed(n, r)}
    assert ("schedule", "member") in refused and ("schedule", "moderator") in refused
    assert ("queue", "host") in refused and ("setup", "moderator") in refused
    assert not any(r == "organizer" for _, r in refused)
    assert ("edit", "member") not in refused  # checked against the live's hosts instead


async def test_a_refused_command_changes_nothing(community: Chat) -> None:
    said = await community.as_("bob").says('/schedule title="Cuisine facile" when="demain 18h"')
    assert said.key == "error.forbidden"
    async with community.store.unit() as uow:
        assert await uow.lives.get(1) is None
    assert community.posts("discord") == []


# -- "host of that live" -------------------------------------------------------------------------


async def scheduled_by_hugo(chat: Chat) -> int:
    said = await chat.as_("hugo", "host").says('/schedule title="Cuisine facile" when="demain 18h"')
    assert said.ok, said.text
    return 1


def command_for(name: str, live: int) -> str:
    return {
        "publish": f"/publish {live}",
        "edit": f'/edit {live} title="Cuisine du monde"',
        "cancel": f"/cancel {live}",
        "golive": f"/golive {live}",
        "end": f"/end {live}",
        "next": f"/next {live}",
        "console": f"/console {live}",
    }[name]


@pytest.mark.parametrize("name", HOST_OF_LIVE)
async def test_a_host_who_is_not_a_host_of_that_live_is_refused(community: Chat, name: str) -> None:
    live = await scheduled_by_hugo(community)
    said = await community.as_("hana", "host").says(command_for(name, live))
    assert said.key == "error.not_host_of_live", said.text
    assert f"#{live}" in said.text
    async with community.store.unit() as uow:
        found = await uow.lives.get(live)
    assert found is not None and found.title == "Cuisine facile"
    assert found.status is LiveStatus.SCHEDULED


@pytest.mark.parametrize("name", HOST_OF_LIVE)
async def test_a_member_is_refused_as_not_host_of_that_live(community: Chat, name: str) -> None:
    live = await scheduled_by_hugo(community)
    said = await community.as_("bob").says(command_for(name, live))
    assert said.key == "error.not_host_of_live", said.text


async def test_next_is_also_open_to_moderators(community: Chat) -> None:
    live = await scheduled_by_hugo(community)
    assert (await community.as_("hugo", "host").says(f"/golive {live}")).ok
    said = await community.as_("mona", "moderator").says(f"/next {live}")
    assert said.ok, said.text
    assert said.key == "next.none"


async def test_console_is_also_open_to_moderators(community: Chat) -> None:
    """The table lets everyone try; the use case lets in a moderator or a host of that live
    (here the web server is off, so both are told so, not refused)."""
    live = await scheduled_by_hugo(community)
    for who in (community.as_("mona", "moderator"), community.as_("hugo", "host")):
        said = await who.says(f"/console {live}")
        assert said.key == "console.web_off", said.text


async def walk_through_a_live(who: Persona, live: int) -> None:
    """edit, golive, next, end: each allowed and done."""
    for line, key in (
        (f'/edit {live} title="Cuisine du monde"', "live.edited"),
        (f"/golive {live}", "golive.done"),
        (f"/next {live}", "next.none"),
        (f"/end {live}", "end.done_none"),
    ):
        said = await who.says(line)
        assert said.ok, (line, said.text)
        assert said.key == key


async def test_the_creator_of_the_live_may_do_everything(community: Chat) -> None:
    live = await scheduled_by_hugo(community)
    await walk_through_a_live(community.as_("hugo", "host"), live)


async def test_a_cohost_added_with_edit_may_do_everything(community: Chat) -> None:
    live = await scheduled_by_hugo(community)
    hana = community.as_("hana", "host")
    assert (await hana.says(f"/edit {live} title=Autre")).key == "error.not_host_of_live"
    said = await community.as_("hugo", "host").says(f"/edit {live} cohost=hana")
    assert said.ok, said.text
    await walk_through_a_live(hana, live)


async def test_a_cohost_need_not_hold_the_host_role(community: Chat) -> None:
    live = await scheduled_by_hugo(community)
    bob = community.as_("bob")
    assert (await bob.says("/help")).ok  # the bot has seen bob
    assert (await community.as_("hugo", "host").says(f"/edit {live} cohost=bob")).ok
    assert (await bob.says(f"/cancel {live}")).key == "live.cancelled"


async def test_an_unknown_cohost_is_refused_and_nothing_changes(community: Chat) -> None:
    live = await scheduled_by_hugo(community)
    said = await community.as_("hugo", "host").says(f'/edit {live} cohost=nobody title="Autre"')
    assert said.key == "error.unknown_member", said.text
    async with community.store.unit() as uow:
        found = await uow.lives.get(live)
    assert found is not None and found.title == "Cuisine facile"


async def test_an_organizer_may_act_on_any_live(community: Chat) -> None:
    live = await scheduled_by_hugo(community)
    await walk_through_a_live(community.as_("olga", "organizer"), live)


async def test_an_organizer_may_cancel_any_live(community: Chat) -> None:
    live = await scheduled_by_hugo(community)
    assert (await community.as_("olga", "organizer").says(f"/cancel {live}")).key == (
        "live.cancelled"
    )


async def draft_hosted_by(chat: Chat, name: str) -> int:
    """A draft as an accepted proposal leaves it: hosted by a member without the host role."""
    now = chat.clock.now()
    async with chat.store.unit() as uow:
        member = await uow.members.upsert(UserRef("shell", name), name.title(), name, None, now)
        live = await uow.lives.create(
            1, "Tricot", "", now.replace(day=now.day + 7), 60, None, None, (),
            LiveStatus.DRAFT, member.id, None, now,
        )  # fmt: skip
        await uow.lives.add_host(live.id, member.id)
    return live.id


async def test_publish_by_the_member_hosting_the_draft(community: Chat) -> None:
    live = await draft_hosted_by(community, "bob")
    assert (await community.as_("hana", "host").says(f"/publish {live}")).key == (
        "error.not_host_of_live"
    )
    assert (await community.as_("carl").says(f"/publish {live}")).key == "error.not_host_of_live"
    said = await community.as_("bob").says(f"/publish {live}")
    assert said.ok, said.text
    assert said.key == "live.published"


async def test_publish_by_an_organizer(community: Chat) -> None:
    live = await draft_hosted_by(community, "bob")
    said = await community.as_("olga", "organizer").says(f"/publish {live}")
    assert said.key == "live.published", said.text


async def test_a_live_of_another_community_is_an_unknown_live(community: Chat) -> None:
    other = community.as_("oscar", "organizer", space="elsewhere")
    assert (await other.says("/setup")).ok
    live = await scheduled_by_hugo(community)
    said = await community.as_("oscar", "host", space="elsewhere").says(f"/edit {live} title=Autre")
    assert said.key == "error.unknown_live", said.text


# -- the host role granted with /host ------------------------------------------------------------


async def test_host_grants_the_role_and_unhost_takes_it_back(community: Chat) -> None:
    bob = community.as_("bob", space="telegram")
    olga = community.as_("olga", "organizer", space="telegram")
    line = '/schedule title="Cuisine facile" when="demain 18h"'
    assert (await bob.says(line)).key == "error.forbidden"

    said = await olga.says("/host bob")
    assert said.ok, said.text
    assert said.key == "host.granted"
    assert "Bob" in said.text
    said = await bob.says(line)
    assert said.ok, said.text
    assert said.key == "live.scheduled"

    assert (await olga.says("/host bob")).key == "host.already"
    said = await olga.says("/unhost bob")
    assert said.key == "unhost.done", said.text
    assert (await bob.says(line)).key == "error.forbidden"
    assert (await olga.says("/unhost bob")).key == "unhost.not_host"


async def test_host_by_username_and_unknown_member(community: Chat) -> None:
    olga = community.as_("olga", "organizer", space="telegram")
    assert (await community.as_("bob", space="telegram").says("/help")).ok
    assert (await olga.says("/host @bob")).key == "host.granted"
    assert (await olga.says("/host @nobody")).key == "error.unknown_member"


async def test_only_an_organizer_may_grant_the_host_role(community: Chat) -> None:
    assert (await community.as_("bob").says("/help")).ok
    for role in ("member", "host", "moderator"):
        said = await community.as_(f"x_{role}", role).says("/host bob")
        assert said.key == "error.forbidden", role
    async with community.store.unit() as uow:
        bob = await uow.members.by_ref(UserRef("shell", "bob"))
        assert bob is not None
        assert not await uow.communities.is_granted_host(1, bob.id)


async def test_a_granted_host_is_a_host_in_every_space_of_the_community(community: Chat) -> None:
    assert (await community.as_("bob", space="telegram").says("/help")).ok
    assert (await community.as_("olga", "organizer", space="telegram").says("/host bob")).ok
    said = await community.as_("bob", space="discord").says(
        '/schedule title="Cuisine facile" when="demain 18h"'
    )
    assert said.ok, said.text


# -- role facts count only where they were seen ----------------------------------------------------


@pytest.mark.parametrize(
    "line", ["/cancel 1", '/edit 1 title="Piraté"', "/host mallory", "/unlink"]
)
async def test_the_admin_of_a_group_not_linked_has_no_power_over_the_community(
    community: Chat, line: str
) -> None:
    """Mallory, a plain member of the community, is the admin of a group of her own."""
    live = await scheduled_by_hugo(community)
    assert (await community.as_("mallory").says("/help")).ok
    said = await community.as_("mallory", "organizer", space="her_group").says(line)
    assert not said.ok
    assert said.key == "error.no_community", said.text
    async with community.store.unit() as uow:
        found = await uow.lives.get(live)
        mallory = await uow.members.by_ref(UserRef("shell", "mallory"))
        assert mallory is not None
        assert not await uow.communities.is_granted_host(1, mallory.id)
        assert len(await uow.communities.spaces(1)) == 2
    assert found is not None
    assert (found.title, found.status) == ("Cuisine facile", LiveStatus.SCHEDULED)


async def test_an_unlinked_group_keeps_no_power_either(community: Chat) -> None:
    live = await scheduled_by_hugo(community)
    assert (await community.as_("olga", "organizer", space="telegram").says("/unlink")).ok
    said = await community.as_("tom", "organizer", space="telegram").says(f"/cancel {live}")
    assert said.key == "error.no_community"


async def test_in_a_private_chat_the_live_named_decides_the_community(community: Chat) -> None:
    live = await scheduled_by_hugo(community)
    said = await community.as_("bob", space=None).says(f"/join {live}")
    assert said.ok, said.text
    assert said.key == "signup.confirmed"
    said = await community.as_("bob", space=None).says(f"/cancel {live}")
    assert said.key == "error.not_host_of_live"
