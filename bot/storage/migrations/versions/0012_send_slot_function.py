"""The shared send window's take as one server-side function (PostgreSQL only).

Why: a take was a transaction of five round trips (BEGIN, the window's advisory lock, forget the
freed slots, insert if room, COMMIT) with the lock held across them, then the chat's slot in
`send_budget` was a sixth. A process's sends queue for it one at a time, so those round trips
were on every send's path, and with several processes each waited for the others' round trips
on the lock (`bench/processes.py`: a take 25 ms at the median in one process; the fan-out 0.75 to
0.90 of Telegram's limit). In a function the lock is held only while the server runs it, and the
take, the chat's slot included, is one round trip. When the window is full, the slot that frees
first is handed over from when it frees: the caller sleeps until then and sends, where it used
to sleep, ask again and send a round trip after the slot was free.

Under READ COMMITTED each statement of a VOLATILE PL/pgSQL function takes a new snapshot, so
what follows the lock sees what the lock's previous holder committed, as separate statements
did. Nothing on SQLite: one process there, its limiter in memory is the whole budget.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-03 12:20:00
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# In: the token's key, the window's name, its count, when an unanswered slot is abandoned;
# the chat's window in `send_budget` (NULL: none) and its spacing, in seconds.
# Out: `at`, the database's clock as the call began (epoch seconds), the release's bound on the
# answer (`send_window.py`); then one of
#   (slot, wait): a slot from `wait` seconds from now; with room, a new one from now (0);
#       full, the answered slot that frees first, from when it frees (its `taken_at` then);
#       the chat's next slot taken from the same moment;
#   (NULL, NULL, chat_wait): the chat is not free then; nothing taken; it frees in chat_wait s;
#   (NULL, NULL, NULL): every slot in flight, no known time; nothing taken.
TAKE = """
CREATE OR REPLACE FUNCTION solidaire_take_send_slot(
    p_token varchar, p_window varchar, p_count integer, p_abandoned float8,
    p_chat varchar, p_chat_interval float8,
    OUT slot bigint, OUT wait float8, OUT chat_wait float8, OUT at float8
) LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    starts timestamptz;
    chat_free timestamptz;
BEGIN
    at := EXTRACT(EPOCH FROM clock_timestamp())::float8;
    PERFORM pg_advisory_xact_lock(hashtextextended(p_token || '/' || p_window, 17));
    DELETE FROM send_slot WHERE token_key = p_token AND window_key = p_window
        AND (frees_at <= clock_timestamp()
             OR (frees_at IS NULL
                 AND taken_at < clock_timestamp() - make_interval(secs => p_abandoned)));
    IF (SELECT count(*) FROM send_slot
        WHERE token_key = p_token AND window_key = p_window) < p_count THEN
        starts := clock_timestamp();
    ELSE
        SELECT id, frees_at INTO slot, starts FROM send_slot
        WHERE token_key = p_token AND window_key = p_window AND frees_at IS NOT NULL
        ORDER BY frees_at LIMIT 1;
        IF slot IS NULL THEN
            RETURN;
        END IF;
    END IF;
    IF p_chat IS NOT NULL THEN
        SELECT next_at INTO chat_free FROM send_budget
        WHERE token_key = p_token AND window_key = p_chat FOR UPDATE;
        IF chat_free > starts THEN
            slot := NULL;
            chat_wait := GREATEST(0.001, EXTRACT(EPOCH FROM chat_free - clock_timestamp()));
            RETURN;
        END IF;
        INSERT INTO send_budget AS b (token_key, window_key, next_at)
        VALUES (p_token, p_chat, starts + make_interval(secs => p_chat_interval))
        ON CONFLICT (token_key, window_key) DO UPDATE SET next_at = EXCLUDED.next_at;
    END IF;
    IF slot IS NULL THEN
        INSERT INTO send_slot (token_key, window_key, taken_at)
        VALUES (p_token, p_window, starts) RETURNING id INTO slot;
    ELSE
        UPDATE send_slot SET taken_at = starts, frees_at = NULL WHERE id = slot;
    END IF;
    wait := GREATEST(0.0, EXTRACT(EPOCH FROM starts - clock_timestamp()));
END
$$
"""


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(TAKE)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "DROP FUNCTION IF EXISTS solidaire_take_send_slot"
            "(varchar, varchar, integer, float8, varchar, float8)"
        )
