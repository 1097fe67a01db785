"""What a browser tab receives over Reflex's websocket, to check what a page's redraws carry.

Reflex sends each var a redraw changed, whole: a page that streams text into a var that also
holds everything before it sends all of that several times a second.
"""

from __future__ import annotations

import re

from playwright.sync_api import Page, WebSocket


class ReceivedFrames:
    """Every frame the page's websockets receive from now on: create it before the page loads."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.frames: list[str] = []
        page.on("websocket", self._follow)

    def _follow(self, socket: WebSocket) -> None:
        socket.on("framereceived", self._keep)

    def _keep(self, payload: str | bytes) -> None:
        self.frames.append(payload if isinstance(payload, str) else payload.decode(errors="replace"))

    def forget(self) -> None:
        """Drop the frames received so far: what is checked next is about the steps that follow only."""
        self.frames.clear()

    def filling(self, var: str) -> list[str]:
        """The redraws that give the page's `var` a text (not an empty one), in the order they came."""
        pattern = re.compile(rf'"{var}_rx_state_":"[^"]')
        return [frame for frame in self.frames if pattern.search(frame)]

    def until_filling(self, var: str, count: int, within_s: float = 20.0) -> list[str]:
        """Wait (letting the page receive) until at least `count` redraws filled `var`."""
        for _ in range(int(within_s * 10)):
            if len(found := self.filling(var)) >= count:
                return found
            self.page.wait_for_timeout(100)
        raise AssertionError(f"{len(self.filling(var))} redraws filled {var}, not {count}")
