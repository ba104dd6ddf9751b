"""The shared send window's take for several sends at once (PostgreSQL only).

Why: a process's sends asked for their slots one at a time, a round trip each (migration
0012). With four processes on two busy cores a round trip took 30-60 ms at the median, and a
process with eight sends ready waited for each in turn: once the others had finished, the last
one could not take more than one slot a round trip (about 20 a second against Telegram's 30),
and every round trip was CPU for it and for the server (`bench/processes.py`, issue 17). Here
one call takes a slot for each send of a list, its chat's spaced slot with it, each as 0012's
function takes one: with room, a new slot from now; full, the answered slot that frees first,
from when it frees; a send whose chat is not free then takes nothing and says when it is.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-03 15:20:00
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# In: the token's key, the window's name, its count, when an unanswered slot is abandoned;
# for each send, its chat's window in `send_budget` (NULL: none) and that chat's spacing.
# Out, a row per send, in order (`idx` from 1), each with `at`, the database's clock as the
# call began (epoch seconds): (slot, wait), or (NULL, NULL, chat_wait) for a chat not free
# then, or (NULL, NULL, NULL) when every slot is in flight; as 0012's function answers.
TAKE_MANY = """
CREATE OR REPLACE FUNCTION solidaire_take_send_slots(
    p_token varchar, p_window varchar, p_count integer, p_abandoned float8,
    p_chats varchar[], p_intervals float8[]
) RETURNS TABLE (idx integer, slot bigint, wait float8, chat_wait float8, at float8)
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    held integer;
    handed bigint;
    starts timestamptz;
    chat_free timestamptz;
    began float8 := EXTRACT(EPOCH FROM clock_timestamp())::float8;
BEGIN
    PERFORM pg_advisory_xact_lock(hashtextextended(p_token || '/' || p_window, 17));
    DELETE FROM send_slot WHERE token_key = p_token AND window_key = p_window
        AND (frees_at <= clock_timestamp()
             OR (frees_at IS NULL
                 AND taken_at < clock_timestamp() - make_interval(secs => p_abandoned)));
    SELECT count(*) INTO held FROM send_slot
        WHERE token_key = p_token AND window_key = p_window;
    FOR i IN 1 .. coalesce(array_length(p_chats, 1), 0) LOOP
        idx := i; slot := NULL; wait := NULL; chat_wait := NULL; at := began; handed := NULL;
        IF held < p_count THEN
            starts := clock_timestamp();
        ELSE
            SELECT s.id, s.frees_at INTO handed, starts FROM send_slot s
            WHERE s.token_key = p_token AND s.window_key = p_window AND s.frees_at IS NOT NULL
            ORDER BY s.frees_at LIMIT 1;
            IF handed IS NULL THEN
                RETURN NEXT;  -- every slot in flight
                CONTINUE;
            END IF;
        END IF;
        IF p_chats[i] IS NOT NULL THEN
            chat_free := NULL;
            SELECT b.next_at INTO chat_free FROM send_budget b
            WHERE b.token_key = p_token AND b.window_key = p_chats[i] FOR UPDATE;
            IF chat_free > starts THEN
                chat_wait := GREATEST(0.001, EXTRACT(EPOCH FROM chat_free - clock_timestamp()));
                RETURN NEXT;
                CONTINUE;
            END IF;
            INSERT INTO send_budget AS b (token_key, window_key, next_at)
            VALUES (p_token, p_chats[i], starts + make_interval(secs => p_intervals[i]))
            ON CONFLICT (token_key, window_key) DO UPDATE SET next_at = EXCLUDED.next_at;
        END IF;
        IF handed IS NULL THEN
            INSERT INTO send_slot (token_key, window_key, taken_at)
            VALUES (p_token, p_window, starts) RETURNING id INTO slot;
            held := held + 1;
        ELSE
            UPDATE send_slot SET taken_at = starts, frees_at = NULL WHERE id = handed;
            slot := handed;
        END IF;
        wait := GREATEST(0.0, EXTRACT(EPOCH FROM starts - clock_timestamp()));
        RETURN NEXT;
    END LOOP;
END
$$
"""


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(TAKE_MANY)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "DROP FUNCTION IF EXISTS solidaire_take_send_slots"
            "(varchar, varchar, integer, float8, varchar[], float8[])"
        )
