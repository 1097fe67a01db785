"""How long attendees wait when some of them flood Ollama: fair scheduler vs FIFO, and one worker vs several.

Without --workers: one eager attendee submits a burst of requests at once, nine others one
each right after; all go through the chat service (in this process) to the Ollama-speaking
fake over real sockets. The same run with every request under one identity shows
first-come-first-served.

With --workers N: a room (tests/support/fairness_room.py) of greedy attendees bursting and
light ones with one chat each, through the gateway of N app worker processes (the REST face
`workshop run` mounts, served by uvicorn on a port each, requests handed out round-robin) on
one SQLite database, sharing the fair queue through a Redis server started for the run (one
worker keeps its in-process queue unless --redis). With --app the app is served by `workshop
run` with WORKSHOP_WORKERS=N instead (its frontend built first, Granian's workers behind one
port). The fake host, in its own process, counts the replies it streams at once.

    .venv/bin/python -m benchmarks.fairness [--burst 20] [--others 9] [--token-delay 0.03] [--tokens 4]
    .venv/bin/python -m benchmarks.fairness --workers 3 [--parallelism 2] [--greedy 3] [--greedy-burst 10] [--light 27]
    .venv/bin/python -m benchmarks.fairness --workers 3 --app [--project DIR --port PORT]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import tempfile
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--burst", type=int, default=20, help="requests the eager attendee submits at once")
    parser.add_argument("--others", type=int, default=9, help="attendees with one request each")
    parser.add_argument("--token-delay", type=float, default=0.03, help="seconds between streamed tokens")
    parser.add_argument("--tokens", type=int, default=4, help="tokens per reply")
    parser.add_argument("--workers", type=int, help="run the room on this many app worker processes")
    parser.add_argument("--redis", action="store_true", help="with --workers 1: share the queue through Redis too")
    parser.add_argument("--parallelism", type=int, default=2, help="with --workers: the host's parallelism")
    parser.add_argument("--greedy", type=int, default=3, help="with --workers: attendees who burst")
    parser.add_argument("--greedy-burst", type=int, default=10, help="with --workers: chats each greedy one sends")
    parser.add_argument("--light", type=int, default=27, help="with --workers: attendees with one chat each")
    parser.add_argument("--app", action="store_true", help="with --workers: serve with `workshop run` (builds)")
    parser.add_argument("--project", help="with --app: folder holding the project copy to build in or reuse")
    parser.add_argument("--port", type=int, help="with --app: the port (a build is reused on the same port)")
    args = parser.parse_args()
    if args.workers is not None:
        room(args)
        return

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


def room(args: argparse.Namespace) -> None:
    """Start the fake host, Redis (when shared) and the app; run the room once; print its figures."""
    from benchmarks.platform import use_data_dir
    from tests.support.fairness import p95
    from tests.support.fairness_room import RoomShape, run_room
    from tests.support.fake_process import fake_process
    from tests.support.redis import redis_server

    shape = RoomShape(args.greedy, args.greedy_burst, args.light)
    with ExitStack() as stack:
        fake = stack.enter_context(fake_process(token_delay=args.token_delay, reply_tokens=args.tokens))
        shared = args.workers > 1 or args.redis
        redis = {"WORKSHOP_REDIS_URL": stack.enter_context(redis_server())} if shared else {}
        settings = {
            "WORKSHOP_OLLAMA_PARALLELISM": str(args.parallelism),
            "WORKSHOP_USER_CONCURRENCY": "1",
            "WORKSHOP_RATE_LIMIT": "1000/minute",
            "WORKSHOP_ENGINE": "off",
            **redis,
        }
        logs = use_data_dir(fake.url, settings)
        keys = attendee_keys(shape.people + 1)
        urls = stack.enter_context(served_app(args, logs) if args.app else api_processes(args.workers, logs))
        load_before = os.getloadavg()
        run = asyncio.run(run_room(urls, fake.url, keys, shape, warm_ups=4 * args.workers if args.app else 1))
        load_after = os.getloadavg()
    queue = "shared through Redis" if shared else "in-process"
    server = "`workshop run` (one port)" if args.app else "API processes (a port each, round-robin)"
    print(
        f"{args.workers} worker(s), {server}, queue {queue}, parallelism {args.parallelism}: "
        f"{shape.greedy} greedy attendees x {shape.burst} chats, then {shape.light} light ones x 1"
    )
    print(f"one chat alone: {run.job_s * 1000:.0f} ms; the most replies the host streamed at once: {run.peak}")
    print(f"the greedy bursts were all queued {run.queued_s:.2f} s after they were sent; the light ones came then")
    busy = run.host_busy(args.parallelism)
    print(f"the room took {run.room_s:.2f} s; the host's slots were streaming {busy:.0%} of it")
    print(f"{'':10}{'median wait':>20}{'p95 wait':>20}")
    for name, waits in (("light", run.light), ("greedy", run.greedy)):
        print(f"{name:10}{_jobs(statistics.median(waits), run.job_s):>20}{_jobs(p95(waits), run.job_s):>20}")
    print(f"load average (1, 5, 15 min): before {_loads(load_before)}, after {_loads(load_after)}")


@contextmanager
def api_processes(workers: int, logs: Path) -> Iterator[list[str]]:
    """The REST face in `workers` uvicorn processes on this process's WORKSHOP_* settings; yield their URLs."""
    from tests.support.api_workers import api_workers

    env = {name: value for name, value in os.environ.items() if name.startswith("WORKSHOP_")}
    with api_workers(workers, env, logs) as started:
        yield [worker.url for worker in started]


@contextmanager
def served_app(args: argparse.Namespace, logs: Path) -> Iterator[list[str]]:
    """`workshop run` with WORKSHOP_WORKERS (Granian's workers behind one port; a Chroma server too when there
    are several, as `workshop check` asks); yield its URL. --project and --port reuse an earlier build."""
    from benchmarks.platform import Prepared, served
    from tests.support.app_server import project_copy
    from tests.support.chroma import chroma_server
    from tests.support.ports import free_port
    from workshop_app.settings import get_settings

    project = Path(args.project or tempfile.mkdtemp(prefix="workshop-bench-app-")) / "project"
    if not project.exists():
        project_copy(project)
    port = args.port or free_port()
    print(f"`workshop run` from {project.parent} on port {port} (log: {logs / 'app.log'}) ...", flush=True)
    with ExitStack() as stack:
        extra = {"WORKSHOP_WORKERS": str(args.workers)}
        if args.workers > 1:
            extra["WORKSHOP_CHROMA_URL"] = stack.enter_context(chroma_server())
        prepared = Prepared(get_settings().data_dir, [], 0)
        url, _ = stack.enter_context(served(prepared, logs / "app.log", extra, project, port))
        yield [url]


def attendee_keys(count: int) -> list[str]:
    """Migrate the fresh database; one attendee with an API key per entry."""
    from tests.support.accounts import actor_of, make_user
    from workshop_app.db.migrations import upgrade_database
    from workshop_app.db.users import Role
    from workshop_app.services.accounts.api_keys import create_api_key
    from workshop_app.settings import get_settings

    upgrade_database(get_settings())
    return [create_api_key(actor_of(make_user(Role.ATTENDEE, "bench")), "bench")[1] for _ in range(count)]


def _loads(figures: tuple[float, float, float]) -> str:
    return " ".join(f"{figure:.2f}" for figure in figures)


def _jobs(seconds: float, job_s: float) -> str:
    return f"{seconds:.2f} s ({seconds / job_s:.1f}x)"


if __name__ == "__main__":
    main()
