"""The process's log lines: readable text by default, one JSON object a line on request
(`[logging] format = "json"` or `SOLIDAIRE_LOG_FORMAT=json`), for a collector that indexes fields.

Whatever the format, the secrets the process knows (bot tokens, the webhook secret) are replaced
by `***` in every line, after formatting: libraries log them in URLs (httpx writes
`POST https://api.telegram.org/bot<token>/getMe` at INFO) and in exception messages we do not
control, so filtering our own calls would not be enough.
"""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import TextIO
from urllib.parse import quote

from bot.settings import Settings

TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
MASK = "***"
# The fields every LogRecord has: anything else on a record was passed with `extra=` and is kept.
_STANDARD = frozenset(logging.makeLogRecord({}).__dict__) | {"message", "asctime", "taskName"}


def secrets_of(settings: Settings) -> list[str]:
    """The values that must never appear in a log line, longest first (a secret containing
    another is masked whole)."""
    found = {settings.telegram.token, settings.telegram.webhook_secret, settings.discord.token}
    values = {v for v in found if v}
    values |= {quote(v, safe="") for v in values}  # as it appears in an encoded URL
    return sorted(values, key=len, reverse=True)


class _Redacting(logging.Formatter):
    def __init__(self, secrets: Iterable[str], fmt: str | None = None) -> None:
        super().__init__(fmt)
        self.secrets = list(secrets)

    def redact(self, line: str) -> str:
        for secret in self.secrets:
            line = line.replace(secret, MASK)
        return line


class TextFormatter(_Redacting):
    def format(self, record: logging.LogRecord) -> str:
        return self.redact(super().format(record))


class JsonFormatter(_Redacting):
    """`time` (UTC, ISO 8601), `level`, `logger`, `message`, `exception` when there is one, and
    any `extra=` fields of the call."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        elif record.exc_text:
            entry["exception"] = record.exc_text
        if record.stack_info:
            entry["stack"] = self.formatStack(record.stack_info)
        for key, value in record.__dict__.items():
            if key not in _STANDARD and not key.startswith("_"):
                entry[key] = value if isinstance(value, (str, int, float, bool)) else repr(value)
        return self.redact(json.dumps(entry, ensure_ascii=False))


def configure(
    settings: Settings, stream: TextIO | None = None, *, level: str | None = None
) -> None:
    """The root logger writes to `stream` (stderr) in the configured format; `level` overrides
    the configured one (the shell keeps to warnings)."""
    secrets = secrets_of(settings)
    formatter: logging.Formatter = (
        JsonFormatter(secrets)
        if settings.log_format == "json"
        else TextFormatter(secrets, TEXT_FORMAT)
    )
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(formatter)
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level or settings.log_level)
    # Alembic narrates every step at INFO; our own lines say what matters.
    logging.getLogger("alembic").setLevel(logging.WARNING)
