"""The built-in model engine: Ollama's HTTP API over llama.cpp (xllamacpp) and GGUF files.

It runs as its own process (`python -m workshop_app.engine`), so the app never imports it:
nothing here imports reflex, and xllamacpp is imported only when a model loads.
"""
