"""The live console in a browser: signed links, sessions, and what each view may see."""
