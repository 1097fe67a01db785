"""How `workshop run` serves the production app: build the frontend only when its inputs
changed, then become the server.

Reflex's own `reflex run --env prod` recompiles the pages and rebuilds the JavaScript
bundle on every start (about 20 s, more on a busy machine). The build depends only on
the code, the assets, the installed Reflex and the settings (the port is written into
the bundle), so a hash of those is stored next to the build and a start with the same
hash serves the existing build as it is.

Run as `python -m workshop_app.serving PORT`: Reflex's production backend (Granian) with
the built frontend mounted on the same port, without the compile step.
"""

from __future__ import annotations

import gc
import hashlib
import json
import os
import subprocess
import sys
from collections.abc import Mapping
from importlib.metadata import version
from pathlib import Path

from workshop_app.settings import Settings, get_settings

PROJECT_ROOT = Path(__file__).resolve().parent.parent  # not from db.migrations: the server need not import Alembic
WEB_DIR = PROJECT_ROOT / ".web"
BUILD_KEY_FILE = WEB_DIR / "workshop-build-key"
BUILT_INDEX = WEB_DIR / "build" / "client" / "index.html"
SOURCES = ("workshop_app/**/*.py", "assets/**/*", "rxconfig.py", "pyproject.toml")


def build_key(settings: Settings, port: int, env: Mapping[str, str]) -> str:
    """A hash of everything the production build is made from."""
    digest = hashlib.sha256()
    for pattern in SOURCES:
        for path in sorted(PROJECT_ROOT.glob(pattern)):
            if path.is_file() and "__pycache__" not in path.parts:
                digest.update(str(path.relative_to(PROJECT_ROOT)).encode() + b"\0" + path.read_bytes() + b"\0")
    context = {
        "reflex": version("reflex"),
        "port": port,
        "settings": settings.model_dump(mode="json"),  # secrets come out masked; they never reach the bundle
        "reflex_env": {name: value for name, value in env.items() if name.startswith("REFLEX_")},
    }
    digest.update(json.dumps(context, sort_keys=True, default=str).encode())
    return digest.hexdigest()


def build_is_current(key: str) -> bool:
    return BUILT_INDEX.exists() and BUILD_KEY_FILE.exists() and BUILD_KEY_FILE.read_text().strip() == key


EXPORT_ARGS = ("-m", "reflex", "export", "--frontend-only", "--no-zip", "--env", "prod")


def build_log() -> Path:
    """Where the last build's own output went."""
    return BUILD_KEY_FILE.with_name("workshop-build.log")


def build_frontend(key: str, env: Mapping[str, str]) -> bool:
    """Compile the pages and build the bundle; remember the key only after a complete build.

    Reflex's own output (npm registry probes, Node.js version notes, hints to run `reflex run`)
    is meant for Reflex projects, not for someone starting the workshop: it goes to `build_log()`,
    which the caller shows when the build fails.
    """
    BUILD_KEY_FILE.unlink(missing_ok=True)
    log_path = build_log()
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with log_path.open("w") as log:
        done = subprocess.run(
            [sys.executable, *EXPORT_ARGS],
            cwd=PROJECT_ROOT,
            env=dict(env),
            check=False,
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )
    if done.returncode != 0:
        return False
    BUILD_KEY_FILE.write_text(key + "\n")
    return True


def serve_command(port: int) -> list[str]:
    return [sys.executable, "-m", "workshop_app.serving", str(port)]


def freeze_startup_heap() -> None:
    """Hide everything loaded at startup (pages, components, states: most of the heap) from the
    garbage collector, as Reflex does before forking workers. Without it every full collection
    walks the whole app, which showed as 50 simultaneous first requests waiting ~100 ms longer."""
    gc.collect()
    gc.freeze()


def backend_start_method(settings: Settings) -> str | None:
    """How Granian starts its workers: None keeps Reflex's fork, which shares the preloaded app between
    several workers; with one worker the preload only keeps a second copy of the app resident in the
    supervisor (~120 MB), so that one is spawned instead."""
    return "spawn" if settings.workers == 1 else None


def serve(port: int) -> None:
    """Reflex's production backend on `port`, the prebuilt frontend mounted on it (no compile)."""
    from reflex.utils import exec as reflex_exec
    from reflex_base import constants
    from reflex_base.config import get_config
    from reflex_base.environment import environment

    os.chdir(PROJECT_ROOT)
    environment.REFLEX_ENV_MODE.set(constants.Env.PROD)
    environment.REFLEX_COMPILE_CONTEXT.set(constants.CompileContext.RUN)
    environment.REFLEX_SKIP_COMPILE.set(True)
    start_method = backend_start_method(get_settings())
    if start_method is not None and not environment.REFLEX_BACKEND_START_METHOD.is_set():
        environment.REFLEX_BACKEND_START_METHOD.set(start_method)
    config = get_config()
    config._set_persistent(frontend_port=port, backend_port=port)  # what `reflex run --single-port` does
    reflex_exec.notify_app_running()
    reflex_exec.run_backend_prod(
        config.backend_host, port, config.loglevel.subprocess_level(), mount_frontend_compiled_app=True
    )


if __name__ == "__main__":
    serve(int(sys.argv[1]))
