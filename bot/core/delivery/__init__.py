"""What the bot owes and its sending: planning, the outbox, staleness, calendar events, payloads, and the ledger's vocabulary and repository protocol."""
