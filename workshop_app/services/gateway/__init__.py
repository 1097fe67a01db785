"""The gateway for attendees' own code: Ollama's and OpenAI's API shapes over the platform's core.
Also what it reports about the room itself (version, models in memory)."""
