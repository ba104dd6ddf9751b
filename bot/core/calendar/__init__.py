"""Lives outside the chat (issue 15): calendar feeds (a community's, a member's, one live's)
and a community's public schedule page. The core says what they hold; the web adapter writes
them as iCalendar and HTML."""
