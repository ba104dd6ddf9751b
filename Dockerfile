# Solidaire: Discord/Telegram bot for live skill-sharing sessions.
# Build: docker build -t solidaire .
# Run:   docker run -e TELEGRAM_TOKEN=... -e DISCORD_TOKEN=... -v solidaire-data:/app/data solidaire
FROM python:3.11-slim

ENV PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

RUN useradd --create-home --uid 10001 --user-group solidaire

WORKDIR /app

# Install the exact versions the tests passed with (the hashed lock), then the project itself without
# resolving anything again: a hashed lock and the project in one `pip install` would refuse the
# project, which has no hash. CI runs these two lines in a venv.
COPY pyproject.toml README.md requirements.lock ./
COPY bot/ ./bot/
COPY config/ ./config/
RUN pip install --require-hashes -r requirements.lock \
    && pip install --no-deps . \
    && rm -rf build ./*.egg-info \
    && mkdir -p /app/data \
    && chown solidaire:solidaire /app/data

USER solidaire

# SQLite database (default URL sqlite:///data/solidaire.sqlite3, relative to /app).
VOLUME ["/app/data"]

# Secrets come from the environment only: TELEGRAM_TOKEN, TELEGRAM_WEBHOOK_SECRET, DISCORD_TOKEN.
# Optional: SOLIDAIRE_CONFIG=/app/config/solidaire.toml (mount your own copy of the example).
ENTRYPOINT ["solidaire"]
