"""Word lists for auto-moderation, one term per line (a package so the wheel ships the files)."""
