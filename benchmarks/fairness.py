"""How long attendees wait when one of them floods a parallelism-1 Ollama: fair scheduler vs FIFO.

One eager attendee submits a burst of requests at once, nine others one each right
after; all go through the chat service to the Ollama-speaking fake over real sockets.
The same run with every request under one identity shows first-come-first-served.

    .venv/bin/python -m benchmarks.fairness [--burst 20] [--others 9] [--token-delay 0.03] [--tokens 4]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import tempfile


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--burst", type=int, default=20, help="requests the eager attendee submits at once")
    parser.add_argument("--others", type=int, default=9, help="attendees with one request each")
    parser.add_argument("--token-delay", type=float, default=0.03, help="seconds between streamed tokens")
    parser.add_argument("--tokens", type=int, default=4, help="tokens per reply")
    args = parser.parse_args()

    os.environ["WORKSHOP_DATA_DIR"] = tempfile.mkdtemp(prefix="workshop-bench-")
    os.environ["WORKSHOP_DATABASE_URL"] = ""
    os.environ["WORKSHOP_OLLAMA_PARALLELISM"] = "1"
    os.environ["WORKSHOP_USER_CONCURRENCY"] = "1"
    os.environ["WORKSHOP_LOG_LEVEL"] = "WARNING"
    from tests.fakes.ollama_server import FakeOllama
    from tests.support.fairness import run_fairness
    from workshop_app.db.migrations import upgrade_database
    from workshop_app.settings import get_settings

    with FakeOllama(host="127.0.0.1", port=0) as fake:
        fake.config.token_delay, fake.config.reply_tokens = args.token_delay, args.tokens
        os.environ["WORKSHOP_OLLAMA_URLS"] = fake.url
        upgrade_database(get_settings())
        model = "qwen2.5:0.5b"
        fair = asyncio.run(run_fairness(model, fake.url, burst=args.burst, others=args.others))
        fifo = asyncio.run(
            run_fairness(model, fake.url, burst=args.burst, others=args.others, address_of=lambda _person: "192.0.2.99")
        )

    print(f"{args.others} attendees with one request each, after one with {args.burst}; parallelism 1")
    print(f"one job alone: {fair.job_s * 1000:.0f} ms")
    print(f"{'':16}{'median wait':>18}{'p95 wait':>18}{'median wait behind the eager one':>36}")
    for name, run in (("fair scheduler", fair), ("FIFO", fifo)):
        s = run.summary()
        print(
            f"{name:16}{_jobs(s['median_wait_s'], run.job_s):>18}{_jobs(s['p95_wait_s'], run.job_s):>18}"
            f"{_jobs(s['median_wait_behind_greedy_s'], run.job_s):>36}"
        )


def _jobs(seconds: float, job_s: float) -> str:
    return f"{seconds:.2f} s ({seconds / job_s:.1f}x)"


if __name__ == "__main__":
    main()
