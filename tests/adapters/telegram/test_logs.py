"""The log lines of a real `solidaire` process on the fake Telegram: JSON lines when asked for
(in the settings file or the environment), readable text otherwise, and never the bot's token in
either, even at DEBUG. The Telegram calls no longer go through httpx (which wrote every request's
URL, token included, at INFO), so the masking itself is also checked on lines that hold it."""

from __future__ import annotations

import asyncio
import json
import logging
import os
import signal
import socket
import sys
from dataclasses import replace
from pathlib import Path
from urllib.parse import quote

import aiohttp

from bot.logs import JsonFormatter, TextFormatter, secrets_of
from bot.settings import Settings
from tests.fakes.telegram_api import FakeTelegram

TOKEN = "7654321:AAE-super-secret_token"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def run_until_ready(folder: Path, *args: str, **env: str) -> tuple[int, str]:
    """Starts the bot, waits until its /healthz says ready, stops it as a container would
    (SIGTERM); returns its exit status and what it wrote on stderr."""
    port = free_port()
    environ = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("TELEGRAM_", "DISCORD_", "SOLIDAIRE_"))
    }
    environ |= {
        "SOLIDAIRE_DATABASE_URL": f"sqlite:///{folder / 'logs.sqlite3'}",
        "SOLIDAIRE_WEB_LISTEN": f"127.0.0.1:{port}",
        "TELEGRAM_TOKEN": TOKEN,
        **env,
    }
    child = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", *args,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE, cwd=folder, env=environ,
    )  # fmt: skip
    try:
        async with aiohttp.ClientSession() as http:
            for _ in range(600):
                try:
                    async with http.get(f"http://127.0.0.1:{port}/healthz") as got:
                        if got.status == 200:
                            break
                except aiohttp.ClientConnectionError:
                    pass
                assert child.returncode is None, "the bot stopped before it was ready"
                await asyncio.sleep(0.05)
            else:
                raise AssertionError("the bot never said it was ready")
    finally:
        if child.returncode is None:
            child.send_signal(signal.SIGTERM)
        _, err = await asyncio.wait_for(child.communicate(), 60)
    assert child.returncode is not None
    return child.returncode, err.decode()


async def test_json_lines_from_the_settings_file_and_no_token(tmp_path: Path) -> None:
    async with FakeTelegram(token=TOKEN) as fake:
        config = tmp_path / "solidaire.toml"
        config.write_text('[logging]\nformat = "json"\nlevel = "DEBUG"\n')
        code, err = await run_until_ready(
            tmp_path, "--config", str(config), TELEGRAM_API_BASE_URL=fake.base_url
        )
    assert code == 0, err
    entries = [json.loads(line) for line in err.splitlines() if line.strip()]
    assert entries, err
    for entry in entries:
        assert {"time", "level", "logger", "message"} <= set(entry), entry
    messages = [e["message"] for e in entries]
    assert any("Telegram adapter started as @" in m for m in messages), messages
    assert TOKEN not in err
    assert TOKEN.split(":")[1] not in err


async def test_text_lines_by_default_from_the_environment_too(tmp_path: Path) -> None:
    async with FakeTelegram(token=TOKEN) as fake:
        code, err = await run_until_ready(tmp_path, TELEGRAM_API_BASE_URL=fake.base_url)
        assert code == 0, err
        assert "Telegram adapter started as @" in err
        assert not err.lstrip().startswith("{"), err
        assert TOKEN not in err
        code, err = await run_until_ready(
            tmp_path, TELEGRAM_API_BASE_URL=fake.base_url, SOLIDAIRE_LOG_FORMAT="json"
        )
    assert code == 0, err
    assert all(json.loads(line)["level"] for line in err.splitlines() if line.strip())
    assert TOKEN not in err


def test_a_line_holding_the_token_is_masked_in_both_formats() -> None:
    settings = replace(Settings(), telegram=replace(Settings().telegram, token=TOKEN))
    url = f"https://api.telegram.org/bot{quote(TOKEN, safe='')}/getMe"
    try:
        raise RuntimeError(f"refused: {TOKEN}")
    except RuntimeError:
        record = logging.LogRecord("httpx", logging.INFO, __file__, 1, "GET %s", (url,), None)
        record.exc_info = sys.exc_info()
    for formatter in (JsonFormatter(secrets_of(settings)), TextFormatter(secrets_of(settings))):
        line = formatter.format(record)
        assert "/bot***/getMe" in line and "refused: ***" in line, line
        assert TOKEN.split(":")[1] not in line
