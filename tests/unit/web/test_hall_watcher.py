"""The hall's watchers: sends run eagerly, a slow client gets only the newest state."""

from __future__ import annotations

import asyncio

from ggzy.web.hall import Watcher, eager


def test_a_coroutine_that_never_suspends_finishes_inside_eager() -> None:
    done = []

    async def work() -> None:
        done.append(1)

    async def main() -> object:
        return eager(work())

    assert asyncio.run(main()) is None and done == [1]


def test_a_coroutine_that_suspends_is_finished_by_a_task() -> None:
    async def main() -> list[str]:
        gate = asyncio.get_running_loop().create_future()
        steps = []

        async def work() -> str:
            steps.append("before")
            value = await gate
            steps.append(value)
            await asyncio.sleep(0)
            return "done"

        task = eager(work())
        assert task is not None and steps == ["before"]
        gate.set_result("after")
        assert await task == "done"
        return steps

    assert asyncio.run(main()) == ["before", "after"]


def test_a_failure_while_suspended_is_thrown_into_the_coroutine() -> None:
    async def main() -> str:
        gate = asyncio.get_running_loop().create_future()

        async def work() -> str:
            try:
                await gate
            except ConnectionResetError:
                return "handled"
            return "not raised"

        task = eager(work())
        assert task is not None
        gate.set_exception(ConnectionResetError())
        return await task

    assert asyncio.run(main()) == "handled"


class SlowSocket:
    """A client whose socket buffer is full until `drain` is called."""

    def __init__(self) -> None:
        self.sent: list[str] = []
        self.room: asyncio.Future[None] | None = None

    async def send_text(self, message: str) -> None:
        if self.room is not None:
            await self.room
        self.sent.append(message)


def test_a_slow_watcher_skips_to_the_newest_state_and_never_gets_an_older_one() -> None:
    async def main() -> list[str]:
        ws = SlowSocket()
        w = Watcher(ws, official=False, entity=None)  # type: ignore[arg-type]
        w.offer(1, "a", "state-1")  # room in the buffer: sent at once
        ws.room = asyncio.get_running_loop().create_future()
        w.offer(2, "b", "state-2")  # in flight, waiting for room
        w.offer(3, "c", "state-3")  # kept in the mailbox
        w.offer(4, "d", "state-4")  # replaces state-3
        w.offer(2, "e", "stale")  # older than what is in flight: dropped
        w.offer(4, "d", "state-4")  # unchanged: not sent again
        ws.room.set_result(None)
        ws.room = None
        for _ in range(5):
            await asyncio.sleep(0)
        return ws.sent

    assert asyncio.run(main()) == ["state-1", "state-2", "state-4"]


def test_a_watcher_whose_client_has_gone_is_closed_and_sends_nothing_more() -> None:
    class GoneSocket:
        calls = 0

        async def send_text(self, message: str) -> None:
            GoneSocket.calls += 1
            raise ConnectionResetError

    async def main() -> Watcher:
        w = Watcher(GoneSocket(), official=False, entity=None)  # type: ignore[arg-type]
        w.offer(1, "a", "state-1")
        w.offer(2, "b", "state-2")
        return w

    assert asyncio.run(main()).closed and GoneSocket.calls == 1
