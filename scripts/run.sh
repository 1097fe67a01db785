#!/usr/bin/env bash
# Install what is needed, then serve the app on http://localhost:3000
# (SQLite and embedded Chroma under ./data, Ollama at http://localhost:11434 by default;
# see .env.example to change any of it).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec .venv/bin/workshop run "$@"
