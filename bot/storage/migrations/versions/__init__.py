"""Migration scripts; a shipped migration is never edited, a new one is added instead."""
