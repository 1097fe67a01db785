"""The built-in engine as a real process on a free loopback port, for tests that need real models."""

from __future__ import annotations

import atexit
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import gguf
import httpx
import numpy as np

from tests.support.ports import free_port
from workshop_app.engine.catalog import find
from workshop_app.settings import get_settings

PROJECT = Path(__file__).resolve().parents[2]
_READY_SECONDS = 30.0


class EngineProcess:
    """`python -m workshop_app.engine` with its own data directory (and optional GGUF directory)."""

    def __init__(self, data_dir: Path, gguf_dir: Path | None = None, **settings: str) -> None:
        self.data_dir = data_dir
        self.gguf_dir = gguf_dir
        self.settings = settings
        self.port = free_port()
        self.process: subprocess.Popen[bytes] | None = None
        self.log = data_dir / "engine.log"
        self.ready_seconds = 0.0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> EngineProcess:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        env = {**os.environ, "WORKSHOP_DATA_DIR": str(self.data_dir), "PYTHONPATH": str(PROJECT)}
        env.pop("WORKSHOP_ENGINE_MODELS_DIR", None)
        if self.gguf_dir is not None:
            env["WORKSHOP_ENGINE_GGUF_DIR"] = str(self.gguf_dir)
        env.update({f"WORKSHOP_ENGINE_{key.upper()}": value for key, value in self.settings.items()})
        started = time.monotonic()
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "workshop_app.engine", "--host", "127.0.0.1", "--port", str(self.port)],
                cwd=PROJECT,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        deadline = started + _READY_SECONDS
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"engine exited with {self.process.returncode}: {self.log.read_text()[-2000:]}")
            try:
                if httpx.get(f"{self.url}/api/version", timeout=1).status_code == 200:
                    self.ready_seconds = time.monotonic() - started
                    return self
            except httpx.TransportError:
                pass
            time.sleep(0.05)
        self.stop()
        raise TimeoutError(f"engine not ready within {_READY_SECONDS} s: {self.log.read_text()[-2000:]}")

    @property
    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def stop(self) -> None:
        if self.process is None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.process = None

    def __enter__(self) -> EngineProcess:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()


_SHARED: list[EngineProcess] = []


def shared_engine(session_dir: Path) -> EngineProcess:
    """One engine for the whole test session (engine tests and contract tests share it).

    One slot, so "a client that leaves frees the slot" is visible: the next request would
    otherwise wait for the abandoned one. Its GGUF directory holds a valid extra model, a
    truncated one and one whose header is sound but which has no weights llama.cpp could run.
    """
    if _SHARED and _SHARED[0].alive:
        return _SHARED[0]
    gguf_dir = session_dir / "engine-gguf"
    gguf_dir.mkdir(parents=True, exist_ok=True)
    embedder = cached_model("all-minilm")
    shutil.copyfile(embedder, gguf_dir / "My-Embedder.gguf")
    (gguf_dir / "broken.gguf").write_bytes(embedder.read_bytes()[: 3 << 20])
    write_tiny_gguf(gguf_dir / "hollow.gguf")
    engine = EngineProcess(session_dir / "engine-data", gguf_dir, slots="1").start()
    _SHARED[:] = [engine]
    atexit.register(engine.stop)
    return engine


def cached_model(name: str) -> Path:
    """A catalog model's file as setup produced it (setup must have run)."""
    model = find(name)
    cache_dir = get_settings().engine_cache_dir
    assert model is not None and cache_dir is not None
    path = model.cached(cache_dir)
    if not path.exists():
        raise RuntimeError(f"{path} is missing: run scripts/setup.sh (it produces the engine's models)")
    return path


def write_tiny_gguf(path: Path) -> Path:
    """A well-formed GGUF header for a "llama" with one small tensor: readable, not runnable."""
    writer = gguf.GGUFWriter(path, "llama")
    writer.add_context_length(1024)
    writer.add_embedding_length(64)
    writer.add_chat_template("{{ messages }}")
    writer.add_tensor("token_embd.weight", np.zeros((32, 64), dtype=np.float32))
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    return path
