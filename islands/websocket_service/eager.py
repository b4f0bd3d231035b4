"""Running a coroutine eagerly: start it in the caller's turn, finish it in a task only if it waits.

An ASGI server's websocket send usually completes without waiting (it writes to the transport),
so starting the send coroutine by hand (`coro.send(None)`) delivers the frame with no task
created and none woken. Only a send that suspends needs a task, and that task must then drive
the already-started coroutine exactly as its own task would have: whatever the coroutine yielded
(an asyncio future, a server's future-like object, or None for "one loop turn") is handed to the
task unchanged, and what the task is woken with (a result or an exception, cancellation
included) is passed back in. Python 3.12's eager tasks do this; the project runs on 3.11.

It must not know what the coroutine does, nor catch the coroutine's own errors: callers do.
"""

from __future__ import annotations

from collections.abc import Awaitable, Coroutine
from typing import Any

# What a coroutine started eagerly returns when it finished at once.
DONE = object()


def as_coroutine(awaitable: Awaitable[Any]) -> Coroutine[Any, Any, Any]:
    """awaitable if it is a coroutine, else a coroutine awaiting it.

    uvicorn's send is a coroutine; granian's returns an awaitable of its own, with no send().
    """
    if hasattr(awaitable, "send"):
        return awaitable  # type: ignore[return-value]
    return _awaiting(awaitable)


async def _awaiting(awaitable: Awaitable[Any]) -> Any:
    return await awaitable


def eager_start(coro: Coroutine[Any, Any, Any]) -> Any:
    """Run coro to its first suspension: DONE if it finished, else what it yielded.

    Pass what it yielded to `eager_finish` in a task. Raises what the coroutine raised.
    """
    try:
        return coro.send(None)
    except StopIteration:
        return DONE


class _HandOff:
    """Hands what a suspended coroutine yielded to the running task, exactly as it was yielded."""

    __slots__ = ("value",)

    def __init__(self, value: Any) -> None:
        self.value = value

    def __await__(self) -> Any:
        yield self.value


async def eager_finish(coro: Coroutine[Any, Any, Any], yielded: Any) -> None:
    """Drive a coroutine that suspended while started eagerly, the way its own task would."""
    while True:
        try:
            await _HandOff(yielded)
        except BaseException as exc:  # cancellation included: the coroutine sees it where it waits
            try:
                yielded = coro.throw(exc)
            except StopIteration:
                return
            continue
        try:
            yielded = coro.send(None)
        except StopIteration:
            return
