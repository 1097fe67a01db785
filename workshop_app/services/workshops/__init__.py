"""Workshops: create, join by code, the rules of who may do what, the instructor's dashboard.
Also help requests, moderation, the pages each role has, and bundles that carry a workshop to the next event."""
