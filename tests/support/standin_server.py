"""A small stand-in for the app server in launch tests: answers /health like the app and serves one page.

python -m tests.support.standin_server --port 8123
"""

from __future__ import annotations

import argparse
import json
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

PAGE = b"""<!doctype html><html><head><title>Ollama Workshop</title></head>
<body style="font-family:sans-serif;background:#f5f3ff;margin:0;
 display:flex;align-items:center;justify-content:center;height:100vh">
<main style="text-align:center"><h1 style="color:#5b21b6">Ollama Workshop</h1>
<p>Stand-in server for launch tests.</p></main>
</body></html>"""


class Handler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:  # http.server's naming
        if self.path == "/health":
            body, kind = json.dumps({"status": "ok"}).encode(), "application/json"
        else:
            body, kind = PAGE, "text/html"
        self.send_response(200)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *_args: object) -> None:
        """Quiet: the launch tests read the server's log for other things."""


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    ThreadingHTTPServer(("127.0.0.1", parser.parse_args().port), Handler).serve_forever()


if __name__ == "__main__":
    main()
