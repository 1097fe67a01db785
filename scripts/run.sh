#!/usr/bin/env bash
# Install what is needed, then serve the app on http://localhost:3000
# (SQLite and embedded Chroma under ~/.local/share/ollama-workshop, Ollama at http://localhost:11434 by default;
# see .env.example to change any of it).
set -euo pipefail
cd "$(dirname "$0")/.."
echo "Checking the installation (the first run installs the Python packages and bun; a few minutes)..."
bash scripts/setup.sh
exec .venv/bin/workshop run "$@"
