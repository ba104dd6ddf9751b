"""`solidaire` / `python -m bot`: the bot (with tokens) or the shell (without), and the
operator's tools: `solidaire doctor` checks an installation, `solidaire backup` copies its
database. A bad setting stops any of them with one clear message, never a traceback."""

from __future__ import annotations

import argparse
import asyncio
import os
import sys

from bot.settings import LANGUAGES, Settings, SettingsError, load_settings


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="solidaire", description="Live skill-sharing sessions on Discord and Telegram."
    )
    parser.add_argument("--config", help="TOML settings file (else $SOLIDAIRE_CONFIG)")
    sub = parser.add_subparsers(dest="mode")
    shell = sub.add_parser("shell", help="the terminal chat (the default without tokens)")
    shell.add_argument("--demo", action="store_true", help="schedule a few lives to play with")
    doctor = sub.add_parser(
        "doctor",
        help="check the settings, the database, each token and the bot's permissions in the"
        " linked spaces, and say what to fix (exit status 1 when something must be fixed)",
    )
    backup = sub.add_parser(
        "backup",
        help="copy the SQLite database (safe while the bot runs) and check the copy; for"
        " PostgreSQL, print the pg_dump line to run",
    )
    backup.add_argument("path", nargs="?", help="file or folder to write (default: beside it)")
    for tool in (doctor, backup):
        tool.add_argument("--lang", choices=LANGUAGES, help="language of the report")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        settings = load_settings(args.config)
    except SettingsError as bad:
        if args.mode == "doctor":
            from bot.tools.doctor import report_bad_settings

            return report_bad_settings(bad, args.lang or "fr", sys.stdout)
        print(bad, file=sys.stderr)
        return 2
    from bot.logs import configure

    quiet = settings.shell_only or args.mode in ("doctor", "backup")
    # In the terminal chat and the tools' reports, INFO lines would interleave with what they
    # say: warnings only, unless DEBUG was asked for.
    configure(settings, level="WARNING" if quiet and settings.log_level == "INFO" else None)
    if args.mode == "doctor":
        from bot.tools.doctor import run_doctor

        locale = args.lang or settings.language
        config = args.config or os.environ.get("SOLIDAIRE_CONFIG") or None
        return asyncio.run(run_doctor(settings, locale, sys.stdout, config))
    if args.mode == "backup":
        from bot.tools.backup import run_backup

        return run_backup(
            settings, args.lang or settings.language, args.path, sys.stdout, sys.stderr
        )
    return _run(settings, demo=bool(getattr(args, "demo", False)))


def _run(settings: Settings, *, demo: bool) -> int:
    # Imported late so that a settings error is reported without loading the whole stack.
    from bot.adapters.web.server import StartError
    from bot.app import run
    from bot.storage.database import DatabaseUnavailable

    try:
        return asyncio.run(run(settings, demo=demo))
    except (StartError, DatabaseUnavailable) as cannot:  # the operator's to fix, not a crash
        print(f"solidaire: {cannot}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
