"""Questions and their moderation: asking, votes, the queue, decisions, mutes, the log."""
