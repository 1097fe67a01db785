"""Models on the Ollama hosts: the catalog, per-model metrics, pulls/deletes/loads, valid names.
Also what the machine and the hosts have to spare (CPU, RAM, GPU memory)."""
