"""Group commit: concurrent commands queue up and are applied in batches, one transaction per
batch, in the order they arrived.

There is no timer. The first command to arrive starts a runner task; whatever else arrives
while a batch is in the database waits for the next one. One command alone therefore waits
for nothing, and under load a batch holds everything that queued during the previous one."""

from __future__ import annotations

import asyncio
import contextlib
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Generic, TypeVar

from api.observability import metrics

C = TypeVar("C")
R = TypeVar("R")


@dataclass(slots=True)
class Pending(Generic[C, R]):
    """One queued command and the future its caller awaits."""

    command: C
    future: asyncio.Future[R] = field(repr=False)

    @property
    def waiting(self) -> bool:
        return not self.future.done()

    def answer(self, result: R) -> None:
        if not self.future.done():
            self.future.set_result(result)

    def refuse(self, error: BaseException) -> None:
        if not self.future.done():
            self.future.set_exception(error)


class BatchRunner(Generic[C, R]):
    """`apply(batch)` must settle every command it takes off the front of `batch` and return
    how many it took (at least one): the rest go back to the head of the queue, so a batch
    can stop early, say before a command that must run on its own. Whatever `apply` leaves
    unsettled, by returning or by raising, is refused with the error, so no caller waits
    for an answer forever."""

    def __init__(
        self, apply: Callable[[list[Pending[C, R]]], Awaitable[int]], max_batch: int = 256
    ) -> None:
        if max_batch < 1:
            raise ValueError("max_batch must be at least 1")
        self._apply = apply
        self._max_batch = max_batch
        self._queue: deque[Pending[C, R]] = deque()
        self._runner: asyncio.Task[None] | None = None
        self.batches = 0
        self.commands = 0

    async def submit(self, command: C) -> R:
        loop = asyncio.get_running_loop()
        pending: Pending[C, R] = Pending(command, loop.create_future())
        self._queue.append(pending)
        if self._runner is None:
            self._runner = loop.create_task(self._drain())
        return await pending.future

    async def _drain(self) -> None:
        try:
            while self._queue:
                batch = self._take()
                if not batch:
                    continue
                taken = len(batch)
                try:
                    taken = max(1, min(await self._apply(batch), len(batch)))
                except asyncio.CancelledError:
                    for pending in [*batch, *self._queue]:
                        pending.refuse(asyncio.CancelledError())
                    self._queue.clear()
                    raise
                except Exception as error:
                    for pending in batch:
                        pending.refuse(error)
                for pending in batch[:taken]:
                    pending.refuse(RuntimeError("the batch left this command unanswered"))
                self._queue.extendleft(reversed(batch[taken:]))
                self.batches += 1
                self.commands += taken
                metrics.GROUP_COMMIT_BATCH.observe(taken)
        finally:
            self._runner = None
            if self._queue:
                self._runner = asyncio.get_running_loop().create_task(self._drain())

    def _take(self) -> list[Pending[C, R]]:
        """Up to `max_batch` commands whose callers still wait (a cancelled caller's command
        is dropped before it touches the database)."""
        batch: list[Pending[C, R]] = []
        while self._queue and len(batch) < self._max_batch:
            pending = self._queue.popleft()
            if pending.waiting:
                batch.append(pending)
        return batch

    async def close(self) -> None:
        runner = self._runner
        if runner is not None:
            runner.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await runner
