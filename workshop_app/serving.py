"""How `workshop run` serves the production app: build the frontend only when its inputs
changed, then become the server.

Reflex works from the current directory: rxconfig.py, assets/ and reflex.lock/ there, the
build in .web/ below it. Each build therefore gets a work folder of its own under the data
directory (`<data_dir>/web/<key>/`, with copies of those files), named by a hash of what the
bundle is made of: the app's code and version, the assets, Reflex's version and lock files,
the settings and the port (written into the bundle). A start whose hash names a finished build
serves it as it is (Reflex's own `reflex run --env prod` rebuilds on every start, ~20 s or
more); two instances on different ports, or of different versions, keep separate builds, and
the app's install folder is never written to.

Run as `python -m workshop_app.serving PORT WORK_DIR`: Reflex's production backend (Granian)
with the built frontend mounted on the same port, without the compile step.
"""

from __future__ import annotations

import gc
import hashlib
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path

from workshop_app import app_files
from workshop_app.settings import Settings, get_settings

BUILDS_DIR = "web"
"""Under the data directory: one work folder per build."""
BUILDS_KEPT = 3
"""Builds a data directory keeps (the most recently used); older ones are removed after a new build."""
EXPORT_ARGS = ("-m", "reflex", "export", "--frontend-only", "--no-zip", "--env", "prod")


@dataclass(frozen=True)
class FrontendBuild:
    """One production build of the web interface and the work folder Reflex runs in for it."""

    key: str
    work_dir: Path

    @property
    def key_file(self) -> Path:
        return self.work_dir / ".web" / "workshop-build-key"

    @property
    def index(self) -> Path:
        return self.work_dir / ".web" / "build" / "client" / "index.html"

    @property
    def log(self) -> Path:
        """Where the build's own output went."""
        return self.work_dir / "build.log"

    def is_current(self) -> bool:
        return self.index.exists() and self.key_file.exists() and self.key_file.read_text().strip() == self.key


def _sources() -> Iterator[tuple[str, Path]]:
    """Every file the bundle is compiled from, with a name that does not depend on where it is installed."""
    groups = [(app_files.PACKAGE_DIR, "*.py"), (app_files.ASSETS, "*"), (app_files.REFLEX_LOCK, "*")]
    for folder, pattern in groups:
        for path in sorted(folder.rglob(pattern)):
            if path.is_file() and "__pycache__" not in path.parts and "external" not in path.parts:
                yield f"{folder.name}/{path.relative_to(folder)}", path
    yield "rxconfig.py", app_files.RXCONFIG


def build_key(settings: Settings, port: int, env: Mapping[str, str]) -> str:
    """A hash of everything the production build is made from."""
    digest = hashlib.sha256()
    for name, path in _sources():
        digest.update(name.encode() + b"\0" + path.read_bytes() + b"\0")
    context = {
        "app": version("workshop-app"),
        "reflex": version("reflex"),
        "port": port,
        "settings": settings.model_dump(mode="json"),  # secrets come out masked; they never reach the bundle
        "reflex_env": {name: value for name, value in env.items() if name.startswith("REFLEX_")},
    }
    digest.update(json.dumps(context, sort_keys=True, default=str).encode())
    return digest.hexdigest()


def frontend_build(settings: Settings, port: int, env: Mapping[str, str]) -> FrontendBuild:
    """The build this start needs, finished or not."""
    key = build_key(settings, port, env)
    return FrontendBuild(key, settings.data_dir / BUILDS_DIR / key[:20])


def _prepare_work_dir(work_dir: Path) -> None:
    """Copies, not links: Reflex writes back into reflex.lock/ and assets/external/, never into the install."""
    work_dir.mkdir(parents=True, exist_ok=True)
    shutil.copy2(app_files.RXCONFIG, work_dir / "rxconfig.py")
    for folder in (app_files.ASSETS, app_files.REFLEX_LOCK):
        shutil.rmtree(work_dir / folder.name, ignore_errors=True)
        shutil.copytree(folder, work_dir / folder.name, ignore=shutil.ignore_patterns("external"))


def build_frontend(build: FrontendBuild, env: Mapping[str, str]) -> bool:
    """Compile the pages and build the bundle; remember the key only after a complete build.

    Reflex's own output (npm registry probes, Node.js version notes, hints to run `reflex run`)
    is meant for Reflex projects, not for someone starting the workshop: it goes to `build.log`,
    which the caller shows when the build fails.
    """
    _prepare_work_dir(build.work_dir)
    build.key_file.unlink(missing_ok=True)
    with build.log.open("w") as log:
        done = subprocess.run(
            [sys.executable, *EXPORT_ARGS],
            cwd=build.work_dir,
            env=dict(env),
            check=False,
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )
    if done.returncode != 0:
        return False
    build.key_file.parent.mkdir(exist_ok=True)
    build.key_file.write_text(build.key + "\n")
    return True


def prune_builds(current: FrontendBuild, keep: int = BUILDS_KEPT) -> list[Path]:
    """Mark `current` as just used and remove all but the `keep` most recently used builds beside it."""
    if current.key_file.exists():
        current.key_file.touch()
    siblings = [path for path in current.work_dir.parent.iterdir() if path.is_dir()]
    siblings.sort(key=_last_used, reverse=True)
    removed = [path for path in siblings[keep:] if path != current.work_dir]
    for path in removed:
        shutil.rmtree(path, ignore_errors=True)
    return removed


def _last_used(work_dir: Path) -> float:
    key_file = work_dir / ".web" / "workshop-build-key"
    return key_file.stat().st_mtime if key_file.exists() else 0.0


def serve_command(port: int, build: FrontendBuild) -> list[str]:
    return [sys.executable, "-m", "workshop_app.serving", str(port), str(build.work_dir)]


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


def serve(port: int, work_dir: Path) -> None:
    """Reflex's production backend on `port`, the prebuilt frontend in `work_dir` mounted on it (no compile)."""
    from reflex.utils import exec as reflex_exec
    from reflex_base import constants
    from reflex_base.config import get_config
    from reflex_base.environment import environment

    os.chdir(work_dir)
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
    serve(int(sys.argv[1]), Path(sys.argv[2]))
