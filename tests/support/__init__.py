"""Real processes the tests start: PostgreSQL, the app server, free ports."""
