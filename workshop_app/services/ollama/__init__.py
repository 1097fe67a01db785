"""Access to Ollama backends: clients, typed errors and the configured set of hosts."""
