"""Every streaming page starts, stops, cleans up and fails the same way: through `stream_reply`."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator, Callable
from types import SimpleNamespace

from workshop_app.db.users import Role
from workshop_app.services.core.errors import InvalidInput, WorkshopError
from workshop_app.services.workshops.policy import Actor
from workshop_app.state.streaming import Reply, stop_stream, stream_reply

WAIT_S = 2.0


class Page:
    """Stands in for a page state's background proxy: as in Reflex, its vars change only with the state locked."""

    def __init__(self, name: str = "playground", tab: str = "tab-1") -> None:
        self.__dict__.update(
            _lock=asyncio.Lock(),
            _name=name,
            router=SimpleNamespace(session=SimpleNamespace(client_token=tab)),
            streaming=False,
            queue_position=0,
            text="",
            ended=0,
            failures=[],
        )

    def __setattr__(self, name: str, value: object) -> None:
        assert self._lock.locked(), f"{name} changed without the state locked"
        self.__dict__[name] = value

    def get_full_name(self) -> str:
        return self._name

    async def acting_off_loop(self) -> Actor:
        return Actor(id=1, role=Role.ATTENDEE)

    async def __aenter__(self) -> Page:
        await self._lock.acquire()
        return self

    async def __aexit__(self, *exc: object) -> None:
        self._lock.release()


class Model:
    """A reply that sends `parts`, then fails with `error` or waits for more until it is closed."""

    def __init__(self, parts: list[str], error: WorkshopError | None = None) -> None:
        self.parts, self.error, self.closed = parts, error, False

    async def reply(self) -> AsyncGenerator[str, None]:
        try:
            for part in self.parts:
                yield part
            if self.error is not None:
                raise self.error
            await asyncio.Event().wait()  # the model thinks on until Stop
        finally:
            self.closed = True


def starting(page: Page, model: Model) -> Callable:
    """The page's start hook: the queue place it waited in, then the reply shown into `page.text`."""

    async def start(actor: Actor) -> Reply[str]:
        page.queue_position = 3

        def show(part: str) -> None:
            page.text += part

        def ended() -> None:
            page.ended += 1

        return Reply(model.reply(), show=show, failed=page.failures.append, ended=ended)

    return start


async def _until(condition: Callable[[], bool]) -> None:
    async with asyncio.timeout(WAIT_S):
        while not condition():
            await asyncio.sleep(0.005)


async def test_stop_mid_stream_closes_the_reply_and_frees_the_page_for_the_next_one():
    page, model = Page(), Model(["Hel", "lo"])
    running = asyncio.create_task(stream_reply(page, starting(page, model)))
    await _until(lambda: page.text == "Hello")
    assert page.streaming

    stop_stream(page)
    assert await asyncio.wait_for(running, WAIT_S) is None  # no toast: stopping is not an error
    assert model.closed, "Stop closed the request behind the reply"
    assert (page.streaming, page.queue_position, page.text, page.ended) == (False, 0, "Hello", 1)

    again = Model(["Bye"])
    running = asyncio.create_task(stream_reply(page, starting(page, again)))
    await _until(lambda: page.text == "HelloBye")
    stop_stream(page)
    await asyncio.wait_for(running, WAIT_S)
    assert page.ended == 2 and not page.streaming


async def test_an_error_mid_stream_keeps_the_text_shown_and_ends_with_a_toast():
    page = Page()
    model = Model(["Hel", "lo"], InvalidInput("The model went away.", hint="Pick another model."))

    toast = await asyncio.wait_for(stream_reply(page, starting(page, model)), WAIT_S)

    assert "The model went away." in str(toast) and "Pick another model." in str(toast)
    assert page.text == "Hello"
    assert [failure.message for failure in page.failures] == ["The model went away."]
    assert (page.streaming, page.queue_position, page.ended) == (False, 0, 1)


async def test_a_second_start_in_the_same_tab_is_refused_while_one_streams():
    page, first = Page(), Model(["Hel"])
    running = asyncio.create_task(stream_reply(page, starting(page, first)))
    await _until(lambda: page.text == "Hel")
    second_started = []

    async def second(actor: Actor) -> None:
        second_started.append(actor)

    assert await asyncio.wait_for(stream_reply(page, second), WAIT_S) is None
    assert second_started == [] and page.streaming and not first.closed

    stop_stream(page)
    await asyncio.wait_for(running, WAIT_S)
    assert page.text == "Hel" and page.ended == 1


async def test_a_refusal_before_anything_streams_is_a_toast_and_leaves_the_page_free():
    page = Page()

    async def refused(actor: Actor) -> None:
        raise InvalidInput("The message is empty.", hint="Type something first.")

    toast = await asyncio.wait_for(stream_reply(page, refused), WAIT_S)

    assert "The message is empty." in str(toast)
    assert not page.streaming
    model = Model(["Hi"], InvalidInput("done"))
    await asyncio.wait_for(stream_reply(page, starting(page, model)), WAIT_S)
    assert page.text == "Hi"


async def test_stop_on_one_page_leaves_the_same_tabs_reply_on_another_page_streaming():
    playground, compare = Page("playground"), Page("compare")
    in_playground, in_compare = Model(["A"]), Model(["B"])
    first = asyncio.create_task(stream_reply(playground, starting(playground, in_playground)))
    await _until(lambda: playground.text == "A")
    second = asyncio.create_task(stream_reply(compare, starting(compare, in_compare)))
    await _until(lambda: compare.text == "B")

    stop_stream(playground)
    await asyncio.wait_for(first, WAIT_S)
    assert in_playground.closed and not in_compare.closed and compare.streaming

    stop_stream(compare)
    await asyncio.wait_for(second, WAIT_S)
    assert in_compare.closed and not compare.streaming
