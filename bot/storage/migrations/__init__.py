"""Alembic migrations, shipped as package data and run in code by `bot.storage.database`."""
