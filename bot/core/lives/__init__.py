"""Lives and the people in them: scheduling, fields, browsing, views, sign-ups, proposals, on air, and the pickers that suggest lives."""
