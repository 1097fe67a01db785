"""Test doubles for external services. Import FakeOllama from tests.fakes.ollama_server.

(Nothing is re-exported here so ``python -m tests.fakes.ollama_server`` runs without
the module being imported twice.)
"""
