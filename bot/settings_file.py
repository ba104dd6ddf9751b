"""The settings' outside contract: the TOML file's sections and keys, and the environment.

Why apart from `settings`: this is what an operator writes (a file, a deployment's variables),
read and type-checked here; `settings` turns the values into checked settings. A test holds
`compose.yaml` to `ENV_VARIABLES`.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping

SECRET_ENV_VARS = ("TELEGRAM_TOKEN", "TELEGRAM_WEBHOOK_SECRET", "DISCORD_TOKEN")
_SECRET_KEYS = frozenset({"token", "webhook_secret"})
SCHEMA: dict[str, dict[str, type]] = {
    "community": {"language": str, "timezone": str, "reminders": list, "premoderation": bool},
    "database": {"url": str, "timeout_seconds": int},
    "process": {"name": str, "lease_seconds": int},
    "logging": {"level": str, "format": str},
    "telegram": {"api_base_url": str, "webhook_url": str, "webhook_listen": str},
    "discord": {
        "api_base_url": str,
        "gateway_url": str,
        "shards": bool,
        "shard_count": int,
        "shard_ids": tuple,  # an array of integers (the only one: see read_file)
    },
    "web": {"listen": str, "public_url": str},
}
# (section, key) -> environment variable overriding it
ENV_OVERRIDES = {
    ("database", "url"): "SOLIDAIRE_DATABASE_URL",
    ("database", "timeout_seconds"): "SOLIDAIRE_DATABASE_TIMEOUT",
    ("process", "name"): "SOLIDAIRE_PROCESS_NAME",
    ("process", "lease_seconds"): "SOLIDAIRE_LEASE_SECONDS",
    ("logging", "level"): "SOLIDAIRE_LOG_LEVEL",
    ("logging", "format"): "SOLIDAIRE_LOG_FORMAT",
    ("telegram", "api_base_url"): "TELEGRAM_API_BASE_URL",
    ("telegram", "webhook_url"): "TELEGRAM_WEBHOOK_URL",
    ("telegram", "webhook_listen"): "TELEGRAM_WEBHOOK_LISTEN",
    ("discord", "api_base_url"): "DISCORD_API_BASE_URL",
    ("discord", "gateway_url"): "DISCORD_GATEWAY_URL",
    ("discord", "shard_count"): "DISCORD_SHARD_COUNT",
    ("discord", "shard_ids"): "DISCORD_SHARD_IDS",
    ("web", "listen"): "SOLIDAIRE_WEB_LISTEN",
    ("web", "public_url"): "SOLIDAIRE_PUBLIC_URL",
}

# Every environment variable the settings read: the public contract (a deployment file that sets
# another one sets nothing).
ENV_VARIABLES = frozenset({"SOLIDAIRE_CONFIG", *ENV_OVERRIDES.values(), *SECRET_ENV_VARS})

_TOML_TYPES = {bool: "boolean", str: "string", int: "integer", float: "float", list: "array"}


def _toml_type(value: object) -> str:
    return {**_TOML_TYPES, dict: "table"}.get(type(value), "date/time")


def _find_secrets(table: Mapping[str, object], prefix: str, problems: list[str]) -> None:
    for key, value in table.items():
        path = f"{prefix}.{key}" if prefix else key
        if key in _SECRET_KEYS:
            problems.append(
                f"{f'[{prefix}] {key}' if prefix else key}: secrets come only from the environment:"
                f" {', '.join(SECRET_ENV_VARS)}; remove this key from the file"
            )
        for child in value if isinstance(value, list) else [value]:
            if isinstance(child, dict):
                _find_secrets(child, path, problems)


def read_file(path: str, problems: list[str]) -> dict[tuple[str, str], object]:
    """Parse and type-check the file; return well-typed values by (section, key)."""
    try:
        with open(path, "rb") as handle:
            data = tomllib.load(handle)
    except OSError as exc:  # missing file, permission denied, directory...
        problems.append(f"cannot read config file {path}: {exc.strerror or exc}")
        return {}
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        problems.append(f"invalid TOML in {path}: {exc}")
        return {}

    _find_secrets(data, "", problems)
    values: dict[tuple[str, str], object] = {}
    for section, table in data.items():
        if section in _SECRET_KEYS:
            continue
        schema = SCHEMA.get(section)
        if schema is None:
            kind = f"section [{section}]" if isinstance(table, dict) else f"key {section!r}"
            problems.append(f"unknown {kind} (known sections: {', '.join(SCHEMA)})")
            continue
        if not isinstance(table, dict):
            problems.append(f"[{section}] must be a table, got {_toml_type(table)}")
            continue
        for key, value in table.items():
            if key in _SECRET_KEYS:
                continue
            expected = schema.get(key)
            where = f"[{section}] {key}"
            if expected is None:
                problems.append(f"unknown key {key!r} in [{section}] (known: {', '.join(schema)})")
            elif expected is tuple:
                if isinstance(value, list) and all(type(v) is int for v in value):
                    values[(section, key)] = value
                else:
                    problems.append(f"{where}: expected an array of integers, got {value!r}")
            elif type(value) is not expected or (
                isinstance(value, list) and not all(isinstance(v, str) for v in value)
            ):
                want = "an array of strings" if expected is list else f"a {_TOML_TYPES[expected]}"
                problems.append(f"{where}: expected {want}, got {_toml_type(value)}")
            else:
                values[(section, key)] = value
    return values
