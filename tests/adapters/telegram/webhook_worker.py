"""One webhook worker, a process of its own: `python -m tests.adapters.telegram.webhook_worker`
with its settings as JSON in the environment variable WEBHOOK_WORKER.

It is the bot as `solidaire` builds it (`bot.app.build`, the real Telegram adapter and its
webhook server), with what the command line cannot give: an `http://` webhook URL (the fake
Telegram calls the test's proxy on 127.0.0.1; `solidaire` asks for https), Telegram's limits on
a faster clock, and short leases so that a test sees a dead worker's updates taken over within
seconds. It logs to stderr, prints `ready` once it listens, and stops cleanly on SIGTERM.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sys
from datetime import timedelta

from bot.app import build
from bot.logs import configure
from bot.settings import Settings, TelegramSettings, WebSettings
from tests.adapters.telegram.world import FAST


async def main() -> int:
    given = json.loads(os.environ["WEBHOOK_WORKER"])
    settings = Settings(
        database_url=given["database_url"],
        process_name=given["name"],
        telegram=TelegramSettings(
            token=given["token"],
            api_base_url=given["api_base_url"],
            webhook_url=given["webhook_url"],
            webhook_secret=given["secret"],
            webhook_listen=("127.0.0.1", int(given["port"])),
        ),
        web=WebSettings(None),
    )
    configure(settings)
    app = await build(settings, telegram_limits=FAST, lease=timedelta(seconds=given["lease"]))
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    try:
        await app.start()
        print("ready", flush=True)
        await stop.wait()
    finally:
        await app.stop()
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
