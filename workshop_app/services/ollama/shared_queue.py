"""The fair queue of one Ollama host, shared by every app worker through Redis.

The rules are those of scheduler.py (leaders round-robin across people, least recently
served first, at most `per_user` actions each; riders only on slots no leader can take),
applied in Redis by Lua scripts, so each step (join, leave, renew) is atomic and counts
the whole cluster: the host gets at most its parallelism at once whichever worker holds
the requests, and every waiting person's position is their place in the one queue.

Every step publishes the queue's new state (requests in flight, waiting ones in the order
they will be admitted, a version number) on the host's channel; each worker listens once
per host and wakes its own waiting requests from it. A ticket (waiting or in flight) has
a lease the worker renews every third of WORKSHOP_QUEUE_LEASE_S; that renewal also
re-reads the state, the bounded fallback for a lost message. A worker that dies stops
renewing: its tickets expire, and a worker with requests waiting steps in as the first
lease runs out, so the dead worker's slots free within the lease.

When Redis cannot be reached a new request fails with QueueUnavailable (503); requests in
flight finish, and the places they held run out with their leases.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import AsyncIterator, Callable, Coroutine
from contextlib import asynccontextmanager
from typing import Any

from redis.exceptions import RedisError

from workshop_app.services.core.redis_clients import command_client, listening_client, raise_if_stopping
from workshop_app.services.ollama.errors import QueueUnavailable
from workshop_app.services.ollama.queue_turns import QueueLoad, Ticket, Turn
from workshop_app.services.operations.metrics import set_queue_length

log = logging.getLogger(__name__)

_KEYS = ("tickets", "waiting", "running", "served", "leases", "serial", "version", "epoch")

_COMMON = r"""
local tickets, waiting, running, served, leases, serial, version, epoch =
  KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5], KEYS[6], KEYS[7], KEYS[8]
local parallelism, per_user, lease_ms, channel = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3]), ARGV[4]
local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000 + math.floor(tonumber(clock[2]) / 1000)
local changed = false

local function forget(id)
  if redis.call('HDEL', tickets, id) == 1 then changed = true end
  redis.call('ZREM', waiting, id)
  redis.call('SREM', running, id)
  redis.call('ZREM', leases, id)
end

local function entry(id)
  local t = cjson.decode(redis.call('HGET', tickets, id))
  return {id = tonumber(id), u = t.u, g = t.g}
end

local function actions(groups)
  local n = 0
  for _ in pairs(groups or {}) do n = n + 1 end
  return n
end

-- Each person's n-th request in the n-th round, least recently served person first.
local function rounds(line, people)
  local last = {}
  for _, u in ipairs(people) do last[u] = tonumber(redis.call('HGET', served, u) or '-1') end
  table.sort(people, function(a, b)
    if last[a] ~= last[b] then return last[a] < last[b] end
    return line[a][1].id < line[b][1].id
  end)
  local out, n, more = {}, 1, true
  while more do
    more = false
    for _, u in ipairs(people) do
      if line[u][n] then out[#out + 1] = line[u][n]; more = true end
    end
    n = n + 1
  end
  return out
end

-- Waiting requests as leaders (each starts an action) and riders (each joins its group's action).
local function lines(run, queue)
  local line = {leaders = {}, riders = {}}
  local people = {leaders = {}, riders = {}}
  local seen = {}
  for _, e in ipairs(queue) do
    if not seen[e.u] then
      seen[e.u] = {}
      for g in pairs(run[e.u] or {}) do seen[e.u][g] = true end
    end
    local kind = seen[e.u][e.g] and 'riders' or 'leaders'
    if not line[kind][e.u] then
      line[kind][e.u] = {}
      table.insert(people[kind], e.u)
    end
    table.insert(line[kind][e.u], e)
    seen[e.u][e.g] = true
  end
  return rounds(line.leaders, people.leaders), rounds(line.riders, people.riders)
end

local function next_up(run, leaders, riders)
  for _, e in ipairs(leaders) do
    if actions(run[e.u]) < per_user then return e end
  end
  for _, e in ipairs(riders) do
    if run[e.u] and run[e.u][e.g] then return e end
  end
  return nil
end

-- Drop expired tickets, admit while slots are free, publish and return the state: its version
-- `v` within epoch `e` (when the queue was created: a Redis that restarted empty starts a new one),
-- and `due`, milliseconds until the next lease runs out (-1: none).
local function dispatch()
  for _, id in ipairs(redis.call('ZRANGEBYSCORE', leases, '-inf', now)) do forget(id) end
  local run, in_flight, queue = {}, 0, {}
  for _, id in ipairs(redis.call('SMEMBERS', running)) do
    local e = entry(id)
    run[e.u] = run[e.u] or {}
    run[e.u][e.g] = (run[e.u][e.g] or 0) + 1
    in_flight = in_flight + 1
  end
  for _, id in ipairs(redis.call('ZRANGE', waiting, 0, -1)) do queue[#queue + 1] = entry(id) end
  local leaders, riders = lines(run, queue)
  while in_flight < parallelism do
    local pick = next_up(run, leaders, riders)
    if not pick then break end
    redis.call('ZREM', waiting, pick.id)
    redis.call('SADD', running, pick.id)
    run[pick.u] = run[pick.u] or {}
    run[pick.u][pick.g] = (run[pick.u][pick.g] or 0) + 1
    redis.call('HSET', served, pick.u, redis.call('INCR', serial))
    in_flight = in_flight + 1
    changed = true
    for i, e in ipairs(queue) do
      if e.id == pick.id then table.remove(queue, i); break end
    end
    leaders, riders = lines(run, queue)
  end
  local order = {}
  for _, e in ipairs(leaders) do order[#order + 1] = e.id end
  for _, e in ipairs(riders) do order[#order + 1] = e.id end
  local v = changed and redis.call('INCR', version) or tonumber(redis.call('GET', version) or '0')
  local first = redis.call('ZRANGE', leases, 0, 0, 'WITHSCORES')
  local due = first[2] and (tonumber(first[2]) - now) or -1
  redis.call('SETNX', epoch, now)
  local e = tonumber(redis.call('GET', epoch))
  local state = cjson.encode({e = e, v = v, running = redis.call('SMEMBERS', running), order = order, due = due})
  if changed then redis.call('PUBLISH', channel, state) end
  return state
end
"""

_JOIN = (
    _COMMON
    + r"""
local id = redis.call('INCR', serial)
local group = ARGV[6] ~= '' and ARGV[6] or ('#' .. id)
redis.call('HSET', tickets, id, cjson.encode({u = ARGV[5], g = group}))
redis.call('ZADD', waiting, id, id)
redis.call('ZADD', leases, now + lease_ms, id)
changed = true
return {id, dispatch()}
"""
)

_LEAVE = _COMMON + "\nforget(ARGV[5])\nreturn dispatch()\n"

_RENEW = (
    _COMMON
    + r"""
for i = 5, #ARGV do redis.call('ZADD', leases, 'XX', now + lease_ms, ARGV[i]) end
return dispatch()
"""
)


def _ids(listed: object) -> list[int]:
    """Ids from the scripts' JSON (Lua's cjson writes an empty list as {})."""
    return [int(item) for item in listed] if isinstance(listed, list) else []


class SharedHostScheduler:
    """One host's fair queue in Redis, seen from this worker: `async with queue.turn(user) as turn`."""

    def __init__(self, url: str, parallelism: int, per_user: int, redis_url: str, lease_s: float) -> None:
        self.url = url
        self.parallelism = parallelism
        self.per_user = per_user
        self.lease_s = lease_s
        self._redis = command_client(redis_url)
        self._listener = listening_client(redis_url)
        prefix = f"workshop:queue:{{{url}}}:"  # one hash slot per host, should Redis be a cluster
        self._keys = [prefix + name for name in _KEYS]
        self._channel = prefix + "changed"
        self._join = self._redis.register_script(_JOIN)
        self._leave = self._redis.register_script(_LEAVE)
        self._renew = self._redis.register_script(_RENEW)
        self._tickets: dict[int, Ticket] = {}  # this worker's requests, by serial
        self._version = (-1, -1)  # (epoch, version) of the newest state applied
        self._running: set[int] = set()
        self._places: dict[int, int] = {}
        self._due = float("inf")  # when the next lease (any worker's) runs out, on this loop's clock
        self._load = QueueLoad(url, parallelism, 0, 0)
        self._tasks: set[asyncio.Task[None]] = set()
        self._renewer: asyncio.Task[None] | None = None
        self._spawn(self._listen())

    @asynccontextmanager
    async def turn(self, user: str, group: str | None = None) -> AsyncIterator[Turn]:
        """Queue a request for `user` in the shared queue; leaving the block frees its place or its slot."""
        ticket = await self._enter(user, group)
        try:
            yield Turn(self, ticket)
        finally:
            del self._tickets[ticket.serial]
            await self._step(self._leave_script(ticket.serial))

    async def _enter(self, user: str, group: str | None) -> Ticket:
        join = asyncio.ensure_future(self._join(keys=self._keys, args=[*self._args(), user, group or ""]))
        try:
            serial, state = await asyncio.shield(join)
        except asyncio.CancelledError:
            join.add_done_callback(self._abandon)  # its place may exist already: give it up at once
            raise
        except RedisError as error:
            raise QueueUnavailable(f"The shared queue for {self.url} cannot be reached: {error}") from error
        ticket = Ticket(user, int(serial), group)
        self._tickets[ticket.serial] = ticket
        self._apply(state)
        if self._renewer is None or self._renewer.done():
            self._renewer = self._spawn(self._keep_leases())
        return ticket

    def _abandon(self, join: asyncio.Future[Any]) -> None:
        if not join.cancelled() and join.exception() is None:
            self._spawn(self._step(self._leave_script(int(join.result()[0]))))

    def _leave_script(self, serial: int) -> Coroutine[Any, Any, Any]:
        return self._leave(keys=self._keys, args=[*self._args(), serial])

    def fail_waiting(self, error: Callable[[], BaseException]) -> None:
        """This worker's waiting requests leave with `error()` (each worker's monitor sees the outage itself)."""
        for ticket in self._tickets.values():
            if not ticket.admitted and ticket.error is None:
                ticket.error = error()
                ticket.changed.set()

    def resize(self, parallelism: int) -> None:
        """Admit up to `parallelism` at once from now on (every worker reads the same setting or host report)."""
        self.parallelism = parallelism
        self._spawn(self._step(self._renew(keys=self._keys, args=self._args())))

    def load(self) -> QueueLoad:
        """The cluster's load on the host as of the last state this worker heard (every step publishes it)."""
        return QueueLoad(self.url, self.parallelism, self._load.in_flight, self._load.waiting)

    async def current_load(self) -> QueueLoad:
        """The cluster's load on the host, read from Redis now."""
        await self._step(self._renew(keys=self._keys, args=self._args()))
        return self.load()

    def position(self, ticket: Ticket) -> int:
        return 0 if ticket.admitted else ticket.place

    def _args(self) -> list[Any]:
        return [self.parallelism, self.per_user, int(self.lease_s * 1000), self._channel]

    def _apply(self, raw: bytes | str) -> None:
        """Take the queue's state if it is newer than the last one, then admit, re-place or drop our requests.

        States arrive both as script replies and on the channel, so an older one may come last.
        """
        state = json.loads(raw)
        self._due = asyncio.get_running_loop().time() + state["due"] / 1000 if state["due"] >= 0 else float("inf")
        if (state["e"], state["v"]) >= self._version:
            self._version = (state["e"], state["v"])
            self._running, order = set(_ids(state["running"])), _ids(state["order"])
            self._places = {serial: place for place, serial in enumerate(order, 1)}
            self._load = QueueLoad(self.url, self.parallelism, len(self._running), len(order))
            set_queue_length(self.url, len(order))
        for ticket in self._tickets.values():
            if ticket.admitted or ticket.error is not None:
                continue
            if ticket.serial in self._running:
                ticket.admitted = True
            elif ticket.serial in self._places:
                ticket.place = self._places[ticket.serial]
            else:  # its lease ran out (Redis was unreachable for longer than the lease)
                ticket.error = QueueUnavailable(f"This request lost its place in the queue for {self.url}.")
            ticket.changed.set()

    async def _step(self, script: Coroutine[Any, Any, Any]) -> None:
        """Run one script and apply the state it returns; an unreachable Redis is left to the leases."""
        try:
            self._apply(await script)
        except RedisError as error:
            raise_if_stopping(error)
            log.warning("shared queue for %s: Redis unreachable (%s); leases will free its places", self.url, error)

    async def _keep_leases(self) -> None:
        """While this worker has requests for the host: renew their leases and re-read the state, every
        third of the lease, and just after another worker's lease runs out (so a dead worker's slot frees
        within the lease)."""
        while self._tickets:
            due = self._due - asyncio.get_running_loop().time() + 0.01
            await asyncio.sleep(max(0.01, min(self.lease_s / 3, due)))
            await self._step(self._renew(keys=self._keys, args=[*self._args(), *self._tickets]))

    async def _listen(self) -> None:
        """Apply every state the host's channel carries; after a reconnect, catch up by reading it."""
        while True:
            try:
                async with self._listener.pubsub() as pubsub:
                    await pubsub.subscribe(self._channel)
                    await self._step(self._renew(keys=self._keys, args=self._args()))
                    async for message in pubsub.listen():
                        if message["type"] == "message":
                            self._apply(message["data"])
            except RedisError as error:
                raise_if_stopping(error)
                log.warning("shared queue for %s: lost its channel (%s); reconnecting", self.url, error)
                await asyncio.sleep(1.0)  # the back-off before a reconnect, not a poll

    def _spawn(self, work: Coroutine[Any, Any, None]) -> asyncio.Task[None]:
        task = asyncio.get_running_loop().create_task(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task
