"""A fake Ollama on a real socket, for integration tests, browser end-to-end tests and benchmarks.

In-process::

    fake = FakeOllama(port=0).start()
    fake.config.token_delay = 0.05
    ...
    fake.stop()

Standalone (control it over HTTP at /_fake/*)::

    python -m tests.fakes.ollama_server --port 11435
"""

from __future__ import annotations

import argparse
import logging
import socket
import threading
import time
from typing import Any

import uvicorn

from .app import FakeOllamaApp, ServerHalted
from .state import FakeConfig, FakeState, FakeStats

_START_TIMEOUT = 10.0


class _HideHaltTracebacks(logging.Filter):
    """Dropping connections on stop is deliberate; keep uvicorn from logging it as a crash."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not (record.exc_info and isinstance(record.exc_info[1], ServerHalted))


logging.getLogger("uvicorn.error").addFilter(_HideHaltTracebacks())


class FakeOllama:
    """Runs the fake Ollama app under uvicorn in a background thread.

    State (config, stats, installed/loaded models, scripts) lives here, not in the uvicorn
    server, so it survives refuse_connections()/accept_connections() restarts on the same port.
    """

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        config: FakeConfig | None = None,
        *,
        log_level: str = "warning",
        access_log: bool = False,
    ) -> None:
        self.host = host
        self.port = port
        self._state = FakeState(config or FakeConfig())
        self._app = FakeOllamaApp(self._state).build()
        self._log_level = log_level
        self._access_log = access_log
        self._started = False
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    @property
    def config(self) -> FakeConfig:
        return self._state.config

    @property
    def stats(self) -> FakeStats:
        """Live counters; replaced by a fresh object on reset()."""
        return self._state.stats

    @property
    def refusing(self) -> bool:
        return self._started and self._server is None

    def start(self) -> FakeOllama:
        """Listen (port 0 picks a free port, kept for restarts) and return once connections are accepted."""
        if self._started:
            raise RuntimeError("FakeOllama is already started")
        self._listen()
        self._started = True
        return self

    def stop(self) -> None:
        self._shutdown()
        self._started = False

    def refuse_connections(self) -> None:
        """Simulate Ollama being down: close the listening socket and drop open connections."""
        self._shutdown()

    def accept_connections(self) -> None:
        """Listen again on the same port after refuse_connections()."""
        if self.refusing:
            self._listen()

    def reset(self) -> None:
        """Back to defaults: listening, baseline config, default catalog, no scripts, zero counters."""
        self.accept_connections()
        self._state.reset()

    def script_chat(self, model: str, responses: list[dict[str, Any]]) -> int:
        """Queue replies for the next chats with ``model``: {"content": ...} and/or {"tool_calls": [...]}."""
        return self._state.script_chat(model, responses)

    def __enter__(self) -> FakeOllama:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def _listen(self) -> None:
        family = socket.AF_INET6 if ":" in self.host else socket.AF_INET
        # IPPROTO_TCP, not 0: asyncio turns Nagle's algorithm off only on sockets that say they are TCP, and
        # with it on, a piece written right after the headers waits for the client's delayed ACK (about
        # 40 ms) whenever requests come back to back. Ollama (Go) sends every write at once.
        sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((self.host, self.port))
        self.port = sock.getsockname()[1]
        server = uvicorn.Server(
            uvicorn.Config(
                self._app,
                lifespan="off",
                loop="asyncio",
                log_config=None,
                log_level=self._log_level,
                access_log=self._access_log,
                timeout_graceful_shutdown=2,
            )
        )
        self._state.halting = False
        thread = threading.Thread(
            target=server.run, kwargs={"sockets": [sock]}, name=f"fake-ollama-{self.port}", daemon=True
        )
        thread.start()
        deadline = time.monotonic() + _START_TIMEOUT
        while not server.started:
            if not thread.is_alive() or time.monotonic() > deadline:
                server.should_exit = True
                sock.close()
                raise RuntimeError(f"fake Ollama did not start on {self.url}")
            time.sleep(0.01)
        self._server, self._thread = server, thread

    def _shutdown(self) -> None:
        if self._server is None or self._thread is None:
            return
        self._state.halting = True
        self._server.should_exit = True
        self._thread.join(timeout=_START_TIMEOUT)
        self._server = self._thread = None


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Serve a fake Ollama API (control it at /_fake/*).")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=11435)
    parser.add_argument("--first-token-delay", type=float, default=0.1, help="seconds before the first token")
    parser.add_argument("--token-delay", type=float, default=0.05, help="seconds between tokens")
    parser.add_argument("--reply-tokens", type=int, default=12, help="tokens per default reply")
    parser.add_argument("--pull-line-delay", type=float, default=0.05, help="seconds between pull progress lines")
    parser.add_argument(
        "--engine", default="", help="name reported in /api/version (workshop-builtin: as the built-in engine)"
    )
    parser.add_argument("--slots", type=int, default=0, help="slots reported in /api/version (0: none, as Ollama)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    config = FakeConfig(
        first_token_delay=args.first_token_delay,
        token_delay=args.token_delay,
        reply_tokens=args.reply_tokens,
        pull_line_delay=args.pull_line_delay,
        engine=args.engine,
        slots=args.slots,
    )
    fake = FakeOllama(args.host, args.port, config, log_level="info", access_log=True).start()
    print(f"Fake Ollama listening on {fake.url} (control API: {fake.url}/_fake/config, /_fake/stats)", flush=True)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        fake.stop()


if __name__ == "__main__":
    main()
