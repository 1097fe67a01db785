"""Run the Locust workshop scenario headless, for a bounded time, against a local app and the fake.

Prepares N attendees with API keys and a public RAG system, serves the app with `workshop run`
(loopback only), runs benchmarks/locustfile.py, and prints Locust's summary; the HTML and CSV
reports are kept in --report-dir.

    .venv/bin/python -m benchmarks.workshop_load [--users 50] [--duration 90s] [--report-dir DIR]
"""

from __future__ import annotations

import argparse
import csv
import subprocess
import sys
import tempfile
from pathlib import Path

from benchmarks.figures import line
from benchmarks.platform import prepare, served, use_data_dir


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--spawn-rate", type=float, default=10)
    parser.add_argument("--duration", default="90s", help="Locust --run-time (e.g. 90s, 3m)")
    parser.add_argument("--parallelism", type=int, default=4, help="WORKSHOP_OLLAMA_PARALLELISM of the fake host")
    parser.add_argument("--first-token-delay", type=float, default=0.2)
    parser.add_argument("--token-delay", type=float, default=0.02)
    parser.add_argument("--tokens", type=int, default=20)
    parser.add_argument("--report-dir", type=Path, default=Path(tempfile.gettempdir()) / "workshop-bench-reports")
    args = parser.parse_args()

    from tests.fakes.ollama_server import FakeOllama

    with FakeOllama(port=0) as backend:
        use_data_dir(backend.url, {"WORKSHOP_OLLAMA_PARALLELISM": str(args.parallelism)})
        prepared = prepare(args.users)
        args.report_dir.mkdir(parents=True, exist_ok=True)
        keys_file = args.report_dir / "keys.txt"
        keys_file.write_text("\n".join(prepared.keys) + "\n")
        log = Path(tempfile.mkdtemp(prefix="workshop-bench-log-")) / "server.log"
        print(f"Building and starting the app (log: {log}) ...", flush=True)
        with served(prepared, log) as (url, _start_s):
            backend.config.first_token_delay, backend.config.token_delay = args.first_token_delay, args.token_delay
            backend.config.reply_tokens = args.tokens
            prefix = args.report_dir / "workshop"
            subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "locust",
                    "-f",
                    str(Path(__file__).with_name("locustfile.py")),
                    "--headless",
                    "-u",
                    str(args.users),
                    "-r",
                    str(args.spawn_rate),
                    "-t",
                    args.duration,
                    "--host",
                    url,
                    "--keys-file",
                    str(keys_file),
                    "--rag-system",
                    str(prepared.rag_system_id),
                    "--csv",
                    str(prefix),
                    "--html",
                    f"{prefix}.html",
                    "--only-summary",
                    "--loglevel",
                    "WARNING",
                ],
                check=False,
            )
        keys_file.unlink()

    print(
        f"\n{args.users} attendees for {args.duration}; fake host parallelism {args.parallelism}, "
        f"first token {args.first_token_delay * 1000:.0f} ms,"
        f" {args.tokens} tokens {args.token_delay * 1000:.0f} ms apart"
    )
    line("request", "count", "failures", "p50", "p95", "req/s")
    with open(f"{prefix}_stats.csv") as handle:
        for row in csv.DictReader(handle):
            line(
                row["Name"],
                row["Request Count"],
                row["Failure Count"],
                f"{row['50%']} ms",
                f"{row['95%']} ms",
                f"{float(row['Requests/s']):.2f}",
            )
    print(f"\nReports: {prefix}.html, {prefix}_stats.csv")


if __name__ == "__main__":
    main()
