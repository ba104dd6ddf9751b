from __future__ import annotations

from pathlib import Path

import pytest

from bot.settings import (
    DiscordSettings,
    Settings,
    SettingsError,
    TelegramSettings,
    WebSettings,
    load_settings,
)

EXAMPLE = Path(__file__).resolve().parents[2] / "config" / "solidaire.example.toml"


def write(tmp_path: Path, text: str) -> str:
    path = tmp_path / "solidaire.toml"
    path.write_text(text, encoding="utf-8")
    return str(path)


def problems_of(config_path: str | None = None, env: dict[str, str] | None = None) -> list[str]:
    with pytest.raises(SettingsError) as caught:
        load_settings(config_path, env={} if env is None else env)
    return caught.value.problems


def test_defaults_with_empty_env_and_no_file() -> None:
    settings = load_settings(env={})
    assert settings == Settings()
    assert settings.database_url == "sqlite:///data/solidaire.sqlite3"
    assert settings.language == "fr"
    assert settings.timezone == "Europe/Paris"
    assert settings.reminders == ("24h", "15m")
    assert settings.premoderation is True
    assert settings.log_level == "INFO"
    assert settings.telegram == TelegramSettings(webhook_listen=("0.0.0.0", 8443))
    assert settings.discord == DiscordSettings(shards=False)
    assert settings.shell_only


def test_file_values_are_read(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """
[community]
language = "en"
timezone = "America/Montreal"
reminders = ["2j", "1h", "30m"]
premoderation = false
[logging]
level = "debug"
[telegram]
webhook_listen = "127.0.0.1:9000"
[discord]
shards = true
gateway_url = "ws://localhost:9999"
""",
    )
    settings = load_settings(path, env={})
    assert settings.language == "en"
    assert settings.timezone == "America/Montreal"
    assert settings.reminders == ("2j", "1h", "30m")
    assert settings.premoderation is False
    assert settings.log_level == "DEBUG"
    assert settings.telegram.webhook_listen == ("127.0.0.1", 9000)
    assert settings.discord.shards is True
    assert settings.discord.gateway_url == "ws://localhost:9999"


def test_env_overrides_file(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """
[database]
url = "sqlite+aiosqlite:///file.sqlite3"
[telegram]
api_base_url = "https://file.example/bot"
webhook_url = "https://file.example/hook"
webhook_listen = "127.0.0.1:9000"
[discord]
api_base_url = "https://file.example/api"
gateway_url = "wss://file.example/gw"
""",
    )
    env = {
        "SOLIDAIRE_CONFIG": path,
        "SOLIDAIRE_DATABASE_URL": "sqlite+aiosqlite:///env.sqlite3",
        "TELEGRAM_TOKEN": "123:abc",
        "TELEGRAM_API_BASE_URL": "http://localhost:8081/bot",
        "TELEGRAM_WEBHOOK_URL": "https://env.example/hook",
        "TELEGRAM_WEBHOOK_SECRET": "s3cret_-X",
        "TELEGRAM_WEBHOOK_LISTEN": "[::]:8443",
        "DISCORD_TOKEN": "discord-token",
        "DISCORD_API_BASE_URL": "http://localhost:9000/api",
        "DISCORD_GATEWAY_URL": "",  # empty counts as unset: the file value stays
    }
    settings = load_settings(env=env)
    assert settings.database_url == "sqlite+aiosqlite:///env.sqlite3"
    assert settings.telegram == TelegramSettings(
        token="123:abc",
        api_base_url="http://localhost:8081/bot",
        webhook_url="https://env.example/hook",
        webhook_secret="s3cret_-X",
        webhook_listen=("::", 8443),
    )
    assert settings.discord.token == "discord-token"
    assert settings.discord.api_base_url == "http://localhost:9000/api"
    assert settings.discord.gateway_url == "wss://file.example/gw"
    assert not settings.shell_only


def test_explicit_path_wins_over_solidaire_config(tmp_path: Path) -> None:
    path = write(tmp_path, '[community]\nlanguage = "en"\n')
    settings = load_settings(path, env={"SOLIDAIRE_CONFIG": str(tmp_path / "missing.toml")})
    assert settings.language == "en"


def test_example_file_loads_without_problems() -> None:
    assert EXAMPLE.is_file()
    assert load_settings(str(EXAMPLE), env={}) == Settings()


def test_every_problem_is_reported_at_once(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """
color = "red"
[community]
language = "de"
timezone = "Mars/Olympus"
reminders = ["24h", "15 minutes", "3w"]
premoderation = "yes"
nickname = "x"
[database]
url = "sqlite+pysqlite:///x.db"
[logging]
level = "LOUD"
[telegram]
api_base_url = "ftp://example.org"
webhook_url = "http://example.org/hook"
webhook_listen = "localhost"
[discord]
gateway_url = "https://gateway.discord.gg"
shards = 2
[extras]
x = 1
""",
    )
    with pytest.raises(SettingsError) as caught:
        load_settings(path, env={})
    problems = caught.value.problems
    expected_fragments = [
        "'color'",
        "[extras]",
        "'nickname' in [community]",
        "[community] premoderation: expected a boolean, got string",
        "[discord] shards: expected a boolean, got integer",
        "'de'",
        "'Mars/Olympus'",
        "'15 minutes'",
        "'3w'",
        "[logging] level",
        "sqlite:// or sqlite+aiosqlite://",
        "[telegram] api_base_url",
        "[telegram] webhook_url: must be a https:// URL",
        "TELEGRAM_TOKEN is not",
        "[telegram] webhook_listen",
        "[discord] gateway_url",
    ]
    for fragment in expected_fragments:
        assert any(fragment in p for p in problems), (fragment, problems)
    assert len(problems) == len(expected_fragments)
    lines = str(caught.value).splitlines()
    assert lines[0] == f"invalid configuration ({len(problems)} problems):"
    assert len(lines) == len(problems) + 1


def test_bad_env_values_are_named_by_variable() -> None:
    problems = problems_of(
        env={
            "TELEGRAM_WEBHOOK_LISTEN": "0.0.0.0:99999",
            "DISCORD_API_BASE_URL": "localhost:9000",
            "TELEGRAM_WEBHOOK_SECRET": "has spaces!",
            "TELEGRAM_TOKEN": "t",
        }
    )
    assert len(problems) == 3
    assert any(p.startswith("TELEGRAM_WEBHOOK_LISTEN:") for p in problems)
    assert any(p.startswith("DISCORD_API_BASE_URL:") for p in problems)
    assert any(p.startswith("TELEGRAM_WEBHOOK_SECRET:") for p in problems)
    assert not any("has spaces" in p for p in problems)  # secrets are never echoed


@pytest.mark.parametrize(
    "text",
    [
        '[telegram]\ntoken = "123:abc"\n',
        '[discord]\ntoken = "abc"\n',
        '[telegram]\nwebhook_secret = "abc"\n',
        'token = "abc"\n',
    ],
)
def test_secret_in_file_is_refused(tmp_path: Path, text: str) -> None:
    problems = problems_of(write(tmp_path, text))
    assert len(problems) == 1
    assert "secrets come only from the environment" in problems[0]
    assert "TELEGRAM_TOKEN" in problems[0]
    assert "abc" not in problems[0]


def test_repr_hides_secrets() -> None:
    settings = load_settings(
        env={
            "TELEGRAM_TOKEN": "tg-token-value",
            "TELEGRAM_WEBHOOK_SECRET": "webhook-secret-value",
            "TELEGRAM_WEBHOOK_URL": "https://bot.example.org/hook",
            "DISCORD_TOKEN": "discord-token-value",
        }
    )
    text = repr(settings)
    for secret in ("tg-token-value", "webhook-secret-value", "discord-token-value"):
        assert secret not in text
    assert "https://bot.example.org/hook" in text


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("sqlite:///data/x.sqlite3", "sqlite:///data/x.sqlite3"),
        ("sqlite:////abs/x.sqlite3", "sqlite:////abs/x.sqlite3"),
        ("sqlite+aiosqlite:///x.sqlite3", "sqlite+aiosqlite:///x.sqlite3"),
        ("postgresql+asyncpg://u:p@db/solidaire", "postgresql+asyncpg://u:p@db/solidaire"),
        ("postgresql://u:p@db/solidaire", "postgresql+asyncpg://u:p@db/solidaire"),
        ("postgres://u:p@db:5433/solidaire", "postgresql+asyncpg://u:p@db:5433/solidaire"),
    ],
)
def test_the_sqlite_drivers_and_postgresql_are_accepted(url: str, expected: str) -> None:
    assert load_settings(env={"SOLIDAIRE_DATABASE_URL": url}).database_url == expected


def test_another_sqlite_driver_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path, '[database]\nurl = "sqlite+pysqlcipher:///db.sqlite3"\n')
    with pytest.raises(SettingsError) as bad:
        load_settings(path, env={})
    assert "sqlite:// or sqlite+aiosqlite://" in str(bad.value)


def test_missing_file(tmp_path: Path) -> None:
    missing = str(tmp_path / "nope.toml")
    problems = problems_of(env={"SOLIDAIRE_CONFIG": missing})
    assert len(problems) == 1
    assert missing in problems[0]


def test_invalid_toml_reports_line(tmp_path: Path) -> None:
    path = write(tmp_path, '[community]\nlanguage = "fr"\ntimezone = \n')
    problems = problems_of(path)
    assert len(problems) == 1
    assert "invalid TOML" in problems[0]
    assert "line 3" in problems[0]


def test_settings_are_frozen() -> None:
    settings = Settings()
    with pytest.raises(AttributeError):
        settings.language = "en"  # type: ignore[misc]


def test_the_web_server_listens_locally_unless_told_otherwise() -> None:
    assert load_settings(env={}).web == WebSettings(("127.0.0.1", 8080), None)
    web = load_settings(
        env={
            "SOLIDAIRE_WEB_LISTEN": "0.0.0.0:9000",
            "SOLIDAIRE_PUBLIC_URL": "https://bot.example.org/",
        }
    ).web
    assert web == WebSettings(("0.0.0.0", 9000), "https://bot.example.org")
    assert load_settings(env={"SOLIDAIRE_WEB_LISTEN": "OFF"}).web.listen is None


def test_the_web_keys_come_from_the_file_too(tmp_path: Path) -> None:
    path = write(
        tmp_path, '[web]\nlisten = "127.0.0.1:8181"\npublic_url = "http://10.0.0.2:8181"\n'
    )
    assert load_settings(path, env={}).web == WebSettings(
        ("127.0.0.1", 8181), "http://10.0.0.2:8181"
    )


def test_bad_web_settings_are_each_named() -> None:
    problems = problems_of(
        env={"SOLIDAIRE_WEB_LISTEN": "localhost", "SOLIDAIRE_PUBLIC_URL": "bot.example.org"}
    )
    assert sorted(problems) == [
        "SOLIDAIRE_PUBLIC_URL: must be a http:// or https:// URL with a host, got 'bot.example.org'",
        "SOLIDAIRE_WEB_LISTEN: expected 'host:port' with a port from 0 to 65535, got 'localhost';"
        " or 'off' to turn the web server off",
    ]
    assert problems_of(env={"SOLIDAIRE_PUBLIC_URL": "https://bot.example.org/?a=1"}) == [
        "public URL: no query or fragment, got 'https://bot.example.org/?a=1'"
    ]


def test_the_webhook_and_the_web_server_cannot_share_an_address() -> None:
    problems = problems_of(
        env={
            "TELEGRAM_TOKEN": "123:abc",
            "TELEGRAM_WEBHOOK_URL": "https://bot.example.org/telegram",
            "TELEGRAM_WEBHOOK_LISTEN": "127.0.0.1:8080",
        }
    )
    assert problems == [
        "[web] listen: the web server and the Telegram webhook both listen on 127.0.0.1:8080;"
        " give them different ports (TELEGRAM_WEBHOOK_LISTEN)"
    ]


def test_the_log_format_is_text_unless_json_is_asked_for(tmp_path: Path) -> None:
    assert load_settings(env={}).log_format == "text"
    path = write(tmp_path, '[logging]\nformat = "json"\nlevel = "debug"\n')
    from_file = load_settings(path, env={})
    assert (from_file.log_format, from_file.log_level) == ("json", "DEBUG")
    env = {"SOLIDAIRE_LOG_FORMAT": "text", "SOLIDAIRE_LOG_LEVEL": "warning"}
    from_env = load_settings(path, env=env)
    assert (from_env.log_format, from_env.log_level) == ("text", "WARNING")
    assert problems_of(env={"SOLIDAIRE_LOG_FORMAT": "yaml"}) == [
        "SOLIDAIRE_LOG_FORMAT: log format must be one of text, json, got 'yaml'"
    ]


@pytest.mark.parametrize(
    ("url", "said"),
    [
        ("postgresql+psycopg2://u:p@db/x", "PostgreSQL URLs are postgresql+asyncpg://"),
        ("mysql://u:p@db/x", "SQLite (sqlite:///file) or PostgreSQL"),
    ],
)
def test_a_database_the_bot_cannot_drive_is_refused_at_load(url: str, said: str) -> None:
    with pytest.raises(SettingsError) as bad:
        load_settings(env={"SOLIDAIRE_DATABASE_URL": url})
    assert any(said in problem for problem in bad.value.problems), bad.value.problems


def test_the_process_name_in_its_leases_comes_from_the_environment_or_the_file(
    tmp_path: Path,
) -> None:
    assert load_settings(env={}).process_name is None  # the host's name then
    named = load_settings(env={"SOLIDAIRE_PROCESS_NAME": "worker-2"})
    assert named.process_name == "worker-2"
    from_file = load_settings(write(tmp_path, '[process]\nname = "worker-1"\n'), env={})
    assert from_file.process_name == "worker-1"
    with pytest.raises(SettingsError) as bad:
        load_settings(env={"SOLIDAIRE_PROCESS_NAME": "x" * 65})
    assert any("SOLIDAIRE_PROCESS_NAME" in p for p in bad.value.problems)


def test_how_long_a_lease_lasts_comes_from_the_environment_or_the_file(tmp_path: Path) -> None:
    """A dead process's work is taken over this long after; the crash test shortens it."""
    assert load_settings(env={}).lease_seconds == 30
    assert load_settings(env={"SOLIDAIRE_LEASE_SECONDS": "2"}).lease_seconds == 2
    from_file = load_settings(write(tmp_path, "[process]\nlease_seconds = 5\n"), env={})
    assert from_file.lease_seconds == 5
    for bad_value in ("0", "1.5", "soon", "3601"):
        with pytest.raises(SettingsError) as bad:
            load_settings(env={"SOLIDAIRE_LEASE_SECONDS": bad_value})
        assert any("SOLIDAIRE_LEASE_SECONDS" in p for p in bad.value.problems), bad_value


def test_how_long_the_database_may_stay_silent_comes_from_the_environment_or_the_file(
    tmp_path: Path,
) -> None:
    """A unit against a database that does not answer fails after this (a partition)."""
    assert load_settings(env={}).database_timeout == 5
    assert load_settings(env={"SOLIDAIRE_DATABASE_TIMEOUT": "2"}).database_timeout == 2
    from_file = load_settings(write(tmp_path, "[database]\ntimeout_seconds = 8\n"), env={})
    assert from_file.database_timeout == 8
    for bad_value in ("0", "0.5", "never", "601"):
        with pytest.raises(SettingsError) as bad:
            load_settings(env={"SOLIDAIRE_DATABASE_TIMEOUT": bad_value})
        assert any("SOLIDAIRE_DATABASE_TIMEOUT" in p for p in bad.value.problems), bad_value


def test_a_process_runs_the_discord_shards_it_is_given(tmp_path: Path) -> None:
    from_file = load_settings(
        write(tmp_path, "[discord]\nshard_count = 4\nshard_ids = [2, 3]\n"), env={}
    )
    assert (from_file.discord.shard_count, from_file.discord.shard_ids) == (4, (2, 3))
    from_env = load_settings(env={"DISCORD_SHARD_COUNT": "2", "DISCORD_SHARD_IDS": "1"})
    assert (from_env.discord.shard_count, from_env.discord.shard_ids) == (2, (1,))
    assert load_settings(env={}).discord.shard_ids is None


@pytest.mark.parametrize(
    ("env", "said"),
    [
        ({"DISCORD_SHARD_COUNT": "0"}, "DISCORD_SHARD_COUNT: expected a whole number"),
        ({"DISCORD_SHARD_IDS": "0,1"}, "DISCORD_SHARD_IDS: needs shard_count"),
        ({"DISCORD_SHARD_COUNT": "2", "DISCORD_SHARD_IDS": "1,2"}, "from 0 to shard_count - 1"),
        ({"DISCORD_SHARD_COUNT": "2", "DISCORD_SHARD_IDS": "one"}, "shard numbers such as 0,1"),
    ],
)
def test_shard_settings_that_cannot_work_are_refused(env: dict[str, str], said: str) -> None:
    with pytest.raises(SettingsError) as bad:
        load_settings(env=env)
    assert any(said in problem for problem in bad.value.problems), bad.value.problems


def test_shard_ids_in_the_file_are_integers(tmp_path: Path) -> None:
    with pytest.raises(SettingsError) as bad:
        load_settings(write(tmp_path, '[discord]\nshard_count = 2\nshard_ids = ["0"]\n'), env={})
    assert any("expected an array of integers" in p for p in bad.value.problems)
