"""The database work of one Playground chat, alone: save the question, read the chat as the model
reads it, save the reply; CPU and wall time per chat, with the model's stream replaced by a few
ready pieces (no host, no HTTP, no Reflex).

Every chat of the UI's path pays this once, in the database thread, under the interpreter lock
that the event loop forwarding everyone's tokens also needs; `benchmarks.ui_latency` measures
the whole path, this the part of it that the database code decides, with less noise.

    .venv/bin/python -m benchmarks.chat_db [--chats 200] [--turns 5] [--profile]
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import pstats
import statistics
import time
from collections.abc import AsyncGenerator, Callable
from typing import Any

from benchmarks.platform import CHAT_MODEL, use_data_dir

PIECES = 20


async def _ready_pieces(*_args: Any, **_kwargs: Any) -> AsyncGenerator[Any, None]:
    """The model's reply without a model: PIECES tokens, then the final counters."""
    from workshop_app.services.ollama.types import ChatChunk, ChatStats

    for n in range(PIECES):
        yield ChatChunk(f"t{n} ")
    yield ChatChunk("", done=True, stats=ChatStats(prompt_tokens=30, completion_tokens=PIECES, eval_ms=100.0))


async def _no_extras(*_args: Any) -> dict[str, Any]:
    return {}


async def _chats(count: int, turns: int) -> tuple[list[float], list[float]]:
    """CPU and wall seconds of each of `count` chats, `turns` to a conversation, as the Playground runs them."""
    from tests.support.accounts import actor_of, make_user
    from workshop_app.db.users import Role
    from workshop_app.services.chat import history
    from workshop_app.services.chat.history import ChatSettings
    from workshop_app.services.core.database_threads import off_loop

    history._model_events = _ready_pieces  # type: ignore[assignment]
    history._extras = _no_extras  # type: ignore[assignment]
    actor = actor_of(make_user(Role.ATTENDEE, "chat-db-bench"))
    settings = ChatSettings(CHAT_MODEL, "Answer briefly.", {"temperature": "0.2"})
    cpu, wall, chat_id = [], [], None
    for n in range(count):
        started_cpu, started = time.process_time(), time.perf_counter()
        question = history.NewMessage(chat_id if n % turns else None, settings, f"question {n} " * 8)
        view = await off_loop(history.ask, actor, question)
        chat_id = view.chat.id
        async for _event in history.stream_chat_reply(actor, view):
            pass
        cpu.append(time.process_time() - started_cpu)
        wall.append(time.perf_counter() - started)
    return cpu, wall


def _run_in_database_thread(work: Callable[[], None]) -> None:
    from workshop_app.services.core.database_threads import _database_threads

    _database_threads().submit(work).result()


def _profiling() -> tuple[cProfile.Profile, cProfile.Profile]:
    """One profiler on the event loop's thread and one in the database thread (SQLite has one)."""
    on_loop, in_thread = cProfile.Profile(time.thread_time), cProfile.Profile(time.thread_time)
    _run_in_database_thread(in_thread.enable)
    on_loop.enable()
    return on_loop, in_thread


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--chats", type=int, default=200)
    parser.add_argument("--turns", type=int, default=5, help="chats to a conversation before a new one")
    parser.add_argument("--profile", action="store_true", help="print the 25 costliest functions (cumulative)")
    args = parser.parse_args()
    use_data_dir("http://127.0.0.1:9")
    from workshop_app.db.migrations import upgrade_database
    from workshop_app.settings import get_settings

    upgrade_database(get_settings())
    asyncio.run(_chats(20, args.turns))  # warm-up: imports, statement caches
    profilers = _profiling() if args.profile else None
    cpu, wall = asyncio.run(_chats(args.chats, args.turns))
    if profilers:
        for where, profiler in zip(("event loop", "database thread"), profilers, strict=True):
            _run_in_database_thread(profiler.disable) if where == "database thread" else profiler.disable()
            print(f"--- {where}")
            pstats.Stats(profiler).sort_stats("cumulative").print_stats(30)
    print(f"{args.chats} chats, {args.turns} turns to a conversation, SQLite")
    print(f"CPU per chat: median {statistics.median(cpu) * 1000:.2f} ms, mean {statistics.mean(cpu) * 1000:.2f} ms")
    print(f"wall per chat: median {statistics.median(wall) * 1000:.2f} ms, mean {statistics.mean(wall) * 1000:.2f} ms")


if __name__ == "__main__":
    main()
