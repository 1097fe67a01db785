"""Sharing one Ollama fairly: per-user request rate limits and daily token quotas.
The fair turn on each host lives with the scheduler in `services.ollama`."""
