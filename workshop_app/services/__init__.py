"""The core: plain Python over the database and Ollama. Never imports reflex."""
