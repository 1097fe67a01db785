"""One app worker's share of a workshop, as a separate process on the shared queue: `requests`
chats for `person` to the host at `url`, all at once, each through its own fair turn.

Run as `python -m tests.support.queue_worker URL PERSON REQUESTS` with WORKSHOP_REDIS_URL set.
It prints one JSON line per event (queued with a position, admitted, done), with the time,
so the test in another process can see the order in which the cluster served people.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time

import httpx

from workshop_app.services.ollama.scheduler import scheduler_for

MODEL = "qwen2.5:0.5b"


def say(event: str, person: str, **more: object) -> None:
    print(json.dumps({"event": event, "person": person, "at": time.time(), **more}), flush=True)


async def chat(client: httpx.AsyncClient, url: str, person: str) -> None:
    async with scheduler_for(url).turn(person) as turn:
        async for position in turn.positions():
            say("queued", person, position=position)
        say("admitted", person)
        body = {"model": MODEL, "messages": [{"role": "user", "content": "hi"}]}
        async with client.stream("POST", f"{url}/api/chat", json=body) as reply:
            async for _ in reply.aiter_lines():
                pass
    say("done", person)


async def main(url: str, person: str, requests: int) -> None:
    async with httpx.AsyncClient(timeout=60) as client:
        await asyncio.gather(*(chat(client, url, person) for _ in range(requests)))


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2], int(sys.argv[3])))
