#!/usr/bin/env bash
# Install what the tests need (Chromium, PostgreSQL and Redis from Debian packages when
# missing, plus the Python test extras) and run every tier of the suite: unit,
# integration, PostgreSQL and end-to-end in Chromium, after ruff's lint and format checks and mypy.
# Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."

as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

missing=()
command -v chromium >/dev/null || missing+=(chromium)
ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1 || missing+=(postgresql)
command -v redis-server >/dev/null || missing+=(redis-server)
command -v Xvfb >/dev/null || missing+=(xvfb)
if [ ${#missing[@]} -gt 0 ]; then
  echo "Installing ${missing[*]} from Debian packages..."
  as_root apt-get update -qq
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq "${missing[@]}" >/dev/null
fi

bash scripts/setup.sh test

export REFLEX_TELEMETRY_ENABLED=false REFLEX_CHECK_LATEST_VERSION=0
.venv/bin/ruff check . || { echo "ruff check found problems (above); fix them, or run: .venv/bin/ruff check --fix ." >&2; exit 1; }
.venv/bin/ruff format --check . || { echo "Files are not formatted (above); run: .venv/bin/ruff format ." >&2; exit 1; }
.venv/bin/python -m mypy || { echo "mypy found type errors (above); fix them, or give an ignore its reason." >&2; exit 1; }
exec .venv/bin/python -m pytest "$@"
