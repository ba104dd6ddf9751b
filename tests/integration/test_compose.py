"""`compose.yaml`, read as Docker Compose reads it (no container engine runs here): PostgreSQL and
two bot processes; every variable it sets for a bot is one the settings read, the values load
without a problem, and each healthcheck asks `/healthz` on the port the bot listens on."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

from bot.settings import load_settings
from bot.settings_file import ENV_VARIABLES

COMPOSE = Path(__file__).resolve().parents[2] / "compose.yaml"
# ${NAME}, ${NAME:-default}, ${NAME:?message}: Compose's interpolation
INTERPOLATION = re.compile(r"\$\{(?P<name>\w+)(?:(?P<op>:[-?])(?P<arg>[^}]*))?\}")
GIVEN = {"POSTGRES_PASSWORD": "pw", "TELEGRAM_TOKEN": "123:abc", "DISCORD_TOKEN": "dc.token"}


def interpolate(value: str, given: dict[str, str]) -> str:
    def one(found: re.Match[str]) -> str:
        name, op, arg = found["name"], found["op"], found["arg"]
        if given.get(name):
            return given[name]
        assert op != ":?", f"{name} is required: {arg}"
        return arg if op == ":-" else ""

    return INTERPOLATION.sub(one, value)


def services() -> dict[str, Any]:
    loaded = yaml.safe_load(COMPOSE.read_text(encoding="utf-8"))  # anchors and merges resolved
    found: dict[str, Any] = loaded["services"]
    return found


def bots() -> dict[str, Any]:
    return {name: s for name, s in services().items() if s.get("image") == "solidaire"}


def test_postgresql_and_two_bot_processes() -> None:
    assert services()["postgres"]["image"].startswith("postgres:")
    assert len(bots()) == 2
    for bot in bots().values():
        assert bot["depends_on"]["postgres"]["condition"] == "service_healthy"


def test_every_variable_set_for_a_bot_is_a_setting_and_loads() -> None:
    for name, bot in bots().items():
        environment = {k: interpolate(str(v), GIVEN) for k, v in bot["environment"].items()}
        unknown = set(environment) - ENV_VARIABLES
        assert not unknown, f"{name} sets variables no setting reads: {unknown}"
        settings = load_settings(env=environment)  # raises on any problem
        assert settings.database_url.startswith("postgresql+asyncpg://solidaire:pw@postgres:")
        assert settings.log_format == "json"
        assert (settings.telegram.token, settings.discord.token) == ("123:abc", "dc.token")


def test_each_healthcheck_asks_healthz_where_the_bot_listens() -> None:
    for name, bot in bots().items():
        environment = {k: interpolate(str(v), GIVEN) for k, v in bot["environment"].items()}
        listen = load_settings(env=environment).web.listen
        assert listen is not None, name
        command = " ".join(bot["healthcheck"]["test"])
        asked = re.search(r"http://([\w.]+):(\d+)/healthz", command)
        assert asked is not None, command
        assert int(asked[2]) == listen[1], (name, command, listen)
        assert listen[0] in ("0.0.0.0", asked[1]), (name, listen)
        published = [str(p).rsplit(":", 1)[1] for p in bot.get("ports", [])]
        assert all(int(p) == listen[1] for p in published), (name, published)


def test_a_missing_password_is_a_clear_compose_error() -> None:
    """`${POSTGRES_PASSWORD:?...}`: Compose refuses to start without it rather than start a
    database with an empty password."""
    value = str(next(iter(bots().values()))["environment"]["SOLIDAIRE_DATABASE_URL"])
    try:
        interpolate(value, {})
    except AssertionError as refused:
        assert "POSTGRES_PASSWORD is required: set POSTGRES_PASSWORD in .env" in str(refused)
    else:
        raise AssertionError("a missing POSTGRES_PASSWORD went unnoticed")


def test_the_processes_hold_leases_under_their_own_names_and_split_the_discord_shards() -> None:
    """Two processes under one name would take each other's work at start; two on the same
    Discord shards would both receive every interaction."""
    names, shards, counts = [], [], set()
    for bot in bots().values():
        environment = {k: interpolate(str(v), GIVEN) for k, v in bot["environment"].items()}
        settings = load_settings(env=environment)
        names.append(settings.process_name)
        counts.add(settings.discord.shard_count)
        shards.extend(settings.discord.shard_ids or ())
    assert None not in names and len(set(names)) == len(names), names
    (count,) = counts
    assert count is not None and sorted(shards) == list(range(count)), (count, shards)
