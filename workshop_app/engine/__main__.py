"""`python -m workshop_app.engine --host 127.0.0.1 --port 11434`: run the built-in engine alone."""

from __future__ import annotations

import argparse

from workshop_app.engine.server import run


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Serve Ollama's API with the built-in CPU engine (llama.cpp).")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=11434)
    args = parser.parse_args(argv)
    run(args.host, args.port)


if __name__ == "__main__":
    main()
