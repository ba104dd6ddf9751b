"""`solidaire doctor`, run as the operator runs it (a subprocess), against the fake Telegram and
the fake Discord and the database of a bot whose community linked a Telegram group and a Discord
server: the tokens, the database's schema, and the bot's rights in each linked space, each
problem said with what to do, in French or English; exit status 1 when something must be fixed."""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

import discord

from bot.adapters.discord.roles import ANNOUNCE_NEEDS
from tests.adapters.both.world import TG_ANNOUNCE, World, link_both
from tests.adapters.discord.world import GUILD
from tests.fakes.discord_api import FakeDiscord
from tests.fakes.telegram_api import FakeTelegram

ANNOUNCE_NEEDED = discord.Permissions(**dict.fromkeys(ANNOUNCE_NEEDS, True)).value


async def doctor(
    folder: Path, tg: FakeTelegram, dc: FakeDiscord, *args: str, **env: str
) -> tuple[int, str, str]:
    """The fakes answer from this test's event loop: the subprocess is awaited, not blocked on."""
    environ = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("TELEGRAM_", "DISCORD_", "SOLIDAIRE_"))
    }
    environ |= {
        "SOLIDAIRE_DATABASE_URL": f"sqlite:///{folder / 'solidaire.sqlite3'}",
        "TELEGRAM_TOKEN": tg.token,
        "TELEGRAM_API_BASE_URL": tg.base_url,
        "DISCORD_TOKEN": dc.token,
        "DISCORD_API_BASE_URL": dc.api_base,
        **env,
    }
    child = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "doctor", *args,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE, cwd=folder, env=environ,
    )  # fmt: skip
    out, err = await asyncio.wait_for(child.communicate(), 60)
    assert child.returncode is not None
    return child.returncode, out.decode(), err.decode()


async def test_all_in_order(
    world: World, tg: FakeTelegram, dc: FakeDiscord, tmp_path: Path
) -> None:
    await link_both(world)
    code, out, err = await doctor(tmp_path, tg, dc)
    assert code == 0, (out, err)
    assert "✘" not in out, out
    lines = out.splitlines()
    assert "✔ Telegram : jeton accepté, le bot est @solidaire_bot" in lines, out
    assert "✔ Discord : jeton accepté, le bot est solidaire" in lines, out
    assert any(line.startswith("✔ Base de données : sqlite:///") for line in lines), out
    assert f"✔ Telegram « {TG_ANNOUNCE} » (annonces) : le bot est administrateur" in lines, out
    assert any(
        line.startswith("✔ Discord « Atelier » #annonces : le bot a les permissions")
        for line in lines
    ), out
    assert lines[-1] == "Tout est en ordre.", out
    assert err == "", err


async def test_missing_rights_are_named_with_what_to_do(
    world: World, tg: FakeTelegram, dc: FakeDiscord, tmp_path: Path
) -> None:
    await link_both(world)
    tg.set_status(TG_ANNOUNCE, tg.bot_id, "member")  # no longer an admin of the announce group
    basic = discord.Permissions(view_channel=True, send_messages=True, embed_links=True)
    dc.set_bot_permissions(GUILD, basic.value)
    code, out, _ = await doctor(tmp_path, tg, dc, "--lang", "en")
    assert code == 1, out
    lines = out.splitlines()
    not_admin = (
        f"✘ Telegram “{TG_ANNOUNCE}” (announcements): the bot is not an admin (status: member)"
    )
    assert not_admin in lines, out
    missing = (
        "✘ Discord “Atelier” #annonces: the bot lacks create public threads, send messages in"
        f" threads, manage events (permissions needed {ANNOUNCE_NEEDED}, the bot has"
        f" {basic.value})"
    )
    assert missing in lines, out
    # The moderators' channel needs no more than that: fine.
    assert any(line.startswith("✔ Discord “Atelier” #moderation") for line in lines), out
    fixes = [line.strip() for line in lines if line.strip().startswith("To fix:")]
    assert len(fixes) == 2, out
    assert "grant it: create public threads" in fixes[1], fixes
    assert lines[-1] == "2 problem(s) to fix (see “To fix” above).", out


async def test_refused_tokens_are_said_and_never_shown(
    world: World, tg: FakeTelegram, dc: FakeDiscord, tmp_path: Path
) -> None:
    wrong_tg, wrong_dc = "999999:WRONGWRONGWRONG", "wrong.discord.token-SECRET"
    code, out, err = await doctor(tmp_path, tg, dc, TELEGRAM_TOKEN=wrong_tg, DISCORD_TOKEN=wrong_dc)
    assert code == 1, out
    assert "✘ Telegram : le jeton est refusé (401 Unauthorized)" in out.splitlines(), out
    assert "@BotFather" in out
    assert any(line.startswith("✘ Discord : le jeton est refusé (401") for line in out.splitlines())
    for secret in (wrong_tg, wrong_dc):
        assert secret not in out + err


async def test_an_unreachable_platform_and_bad_settings(
    tg: FakeTelegram, dc: FakeDiscord, tmp_path: Path
) -> None:
    code, out, _ = await doctor(tmp_path, tg, dc, TELEGRAM_API_BASE_URL="http://127.0.0.1:9/bot")
    assert code == 1, out
    assert "✘ Telegram : injoignable à http://127.0.0.1:9" in out, out
    assert "TELEGRAM_API_BASE_URL" in out
    code, out, _ = await doctor(tmp_path, tg, dc, "--lang", "en", SOLIDAIRE_WEB_LISTEN="nowhere")
    assert code == 2, out
    assert "✘ Settings: 1 problem(s):" in out.splitlines(), out
    assert "SOLIDAIRE_WEB_LISTEN" in out
