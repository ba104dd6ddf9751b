"""The Telegram adapter (python-telegram-bot 22)."""

import os

# python-telegram-bot 22 warns on every 429 that `retry_after` will become a timedelta; we read
# it either way (platform.retry_seconds), so take the future behaviour now and stay quiet.
os.environ.setdefault("PTB_TIMEDELTA", "true")
