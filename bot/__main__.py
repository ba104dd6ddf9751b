"""`solidaire` / `python -m bot`: with no token, the shell on a local SQLite file."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys

from bot.settings import SettingsError, load_settings


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="solidaire", description="Live skill-sharing sessions on Discord and Telegram."
    )
    parser.add_argument("--config", help="TOML settings file (else $SOLIDAIRE_CONFIG)")
    sub = parser.add_subparsers(dest="mode")
    shell = sub.add_parser("shell", help="the terminal chat (the default without tokens)")
    shell.add_argument("--demo", action="store_true", help="schedule a few lives to play with")
    args = parser.parse_args(argv)
    try:
        settings = load_settings(args.config)
    except SettingsError as bad:
        print(bad, file=sys.stderr)
        return 2
    # In the terminal chat, INFO lines would interleave with the conversation: warnings only,
    # unless DEBUG was asked for.
    level = (
        "WARNING" if settings.shell_only and settings.log_level == "INFO" else settings.log_level
    )
    logging.basicConfig(
        level=level,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    # Alembic narrates every step at INFO; our own lines say what matters.
    logging.getLogger("alembic").setLevel(logging.WARNING)
    # Imported late so that a settings error is reported without loading the whole stack.
    from bot.adapters.web.server import StartError
    from bot.app import run
    from bot.storage.database import DatabaseUnavailable

    demo = bool(getattr(args, "demo", False))
    try:
        return asyncio.run(run(settings, demo=demo))
    except (StartError, DatabaseUnavailable) as cannot:  # the operator's to fix, not a crash
        print(f"solidaire: {cannot}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
