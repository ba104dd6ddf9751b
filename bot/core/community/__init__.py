"""Communities, their spaces and members: setup, links, roles, settings, lookups."""
