"""The blind arena: attendees judge two anonymous models side by side, the class gets a leaderboard.

An instructor opens an arena on 2+ of the workshop's models. Each round pairs two of them at
random as "Model A" and "Model B"; both stream as one turn of the fair queue (services/chat/compare).
Which model is which stays in the database until the attendee votes (A, B, tie, both bad); only
then does the round view carry the names. The leaderboard ranks the models with Bradley–Terry
(`ranking`), with a bootstrap interval, for the workshop's instructors and as CSV.
"""
