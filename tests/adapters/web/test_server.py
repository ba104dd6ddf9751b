"""The bot's web server: where it listens, what happens when its port is taken (the shell moves
to a free one and says where; a bot with tokens stops with one clear message), server-sent
events that keep alive and end at once when the bot stops, and files served from the package."""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import aiohttp
import pytest
from aiohttp import web

from bot.adapters.web.server import WebServer
from bot.app import build
from bot.settings import Settings, WebSettings, load_settings


@pytest.fixture
def busy_port() -> Iterator[int]:
    """A port some other program already listens on."""
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        yield taken.getsockname()[1]


def run_solidaire(
    folder: Path, port: int, *args: str, stdin: str = "", **env: str
) -> subprocess.CompletedProcess[str]:
    environ = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("TELEGRAM_", "DISCORD_", "SOLIDAIRE_"))
    }
    environ |= {
        "SOLIDAIRE_DATABASE_URL": f"sqlite:///{folder / 'web.sqlite3'}",
        "SOLIDAIRE_WEB_LISTEN": f"127.0.0.1:{port}",
        **env,
    }
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        input=stdin, capture_output=True, text=True, cwd=folder, env=environ, timeout=120,
        check=False,
    )  # fmt: skip


def test_the_shell_takes_a_free_port_and_says_which(tmp_path: Path, busy_port: int) -> None:
    done = run_solidaire(tmp_path, busy_port, "shell", stdin="/help\n")
    assert done.returncode == 0, done.stderr
    said = f"Le port {busy_port} est déjà pris : le serveur web du bot écoute sur http://127.0.0.1:"
    assert said in done.stdout, done.stdout
    assert "Traceback" not in done.stderr, done.stderr


def test_with_a_token_a_taken_port_stops_the_start_with_one_message(
    tmp_path: Path, busy_port: int
) -> None:
    """Before any platform is reached: the web server starts first."""
    done = run_solidaire(tmp_path, busy_port, TELEGRAM_TOKEN="123:not-used")
    assert done.returncode == 1, (done.stdout, done.stderr)
    lines = [line for line in done.stderr.splitlines() if line.startswith("solidaire:")]
    assert lines == [
        f"solidaire: the web server cannot listen on 127.0.0.1:{busy_port}: that port is already"
        " in use (another Solidaire?); set SOLIDAIRE_WEB_LISTEN to a free host:port, or to off"
    ], done.stderr
    assert "Traceback" not in done.stderr, done.stderr


async def test_off_turns_the_server_off(tmp_path: Path) -> None:
    settings = load_settings(
        env={
            "SOLIDAIRE_WEB_LISTEN": "off",
            "SOLIDAIRE_DATABASE_URL": f"sqlite:///{tmp_path / 'off.sqlite3'}",
        }
    )
    assert settings.web == WebSettings(listen=None)
    app = await build(settings)
    try:
        assert app.web is None and app.core.config.web is False
    finally:
        await app.stop()


async def test_the_shell_links_to_the_server_it_runs(tmp_path: Path) -> None:
    settings = Settings(
        database_url=f"sqlite:///{tmp_path / 'shell.sqlite3'}", web=WebSettings(("127.0.0.1", 0))
    )
    app = await build(settings)
    await app.start()
    try:
        assert app.web is not None and app.web.port != 0
        assert app.core.config.public_url == f"http://127.0.0.1:{app.web.port}"
        async with aiohttp.ClientSession() as client:
            async with client.get(f"{app.web.url}/static/console.js") as got:
                assert got.status == 200
                assert got.content_type == "text/javascript"
                assert "EventSource" in await got.text()
            async with client.get(f"{app.web.url}/static/secrets.txt") as got:
                assert got.status == 404
    finally:
        await app.stop()


async def test_event_streams_keep_alive_and_end_when_the_server_stops() -> None:
    server = WebServer(("127.0.0.1", 0))

    async def events(request: web.Request) -> web.StreamResponse:
        stream = server.stream(heartbeat=0.05)
        stream.push("hello", {"n": 1})
        return await server.serve(stream, request)

    server.app.router.add_get("/events", events)
    await server.start()
    async with aiohttp.ClientSession() as client:
        async with client.get(f"{server.url}/events") as got:
            assert got.headers["Content-Type"] == "text/event-stream"
            assert got.headers["X-Accel-Buffering"] == "no"
            lines = [(await got.content.readline()).decode() for _ in range(6)]
            assert 'data: {"type": "hello", "data": {"n": 1}}\n' in lines
            assert ": still here\n" in lines  # the heartbeat of an idle stream
            started = time.monotonic()
            await server.stop()
            rest = await asyncio.wait_for(got.content.read(), 5)  # the stream ends
            assert time.monotonic() - started < 1.5, rest
