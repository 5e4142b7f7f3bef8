"""The batch runner alone: who waits, who is answered, and in which order."""

from __future__ import annotations

import asyncio

import pytest

from api.services.group_commit import BatchRunner, Pending


class Recorder:
    """An `apply` that answers each command with its square and remembers its batches."""

    def __init__(self, take: int | None = None, fail_on: int | None = None) -> None:
        self.batches: list[list[int]] = []
        self.take = take
        self.fail_on = fail_on

    async def __call__(self, batch: list[Pending[int, int]]) -> int:
        await asyncio.sleep(0)
        self.batches.append([p.command for p in batch])
        if self.fail_on is not None and self.fail_on in [p.command for p in batch]:
            raise RuntimeError("the database went away")
        taken = batch[: self.take] if self.take else batch
        for pending in taken:
            pending.answer(pending.command**2)
        return len(taken)


async def test_commands_arriving_together_share_one_batch_in_arrival_order():
    recorder = Recorder()
    runner = BatchRunner(recorder)
    results = await asyncio.gather(*(runner.submit(n) for n in range(5)))
    assert results == [0, 1, 4, 9, 16]
    assert recorder.batches == [[0, 1, 2, 3, 4]]


async def test_a_batch_is_never_larger_than_its_limit():
    recorder = Recorder()
    runner = BatchRunner(recorder, max_batch=2)
    await asyncio.gather(*(runner.submit(n) for n in range(5)))
    assert recorder.batches == [[0, 1], [2, 3], [4]]


async def test_commands_a_batch_did_not_take_go_first_into_the_next():
    recorder = Recorder(take=1)
    runner = BatchRunner(recorder)
    results = await asyncio.gather(*(runner.submit(n) for n in range(3)))
    assert results == [0, 1, 4]
    assert recorder.batches == [[0, 1, 2], [1, 2], [2]]


async def test_a_failed_batch_answers_each_of_its_callers_and_the_next_batch_still_runs():
    recorder = Recorder(fail_on=1)
    runner = BatchRunner(recorder, max_batch=2)
    results = await asyncio.gather(*(runner.submit(n) for n in range(4)), return_exceptions=True)
    assert [type(r) for r in results[:2]] == [RuntimeError, RuntimeError]
    assert results[2:] == [4, 9]


async def test_a_command_the_batch_left_unanswered_is_refused_not_left_waiting():
    async def forgetful(batch: list[Pending[int, int]]) -> int:
        return len(batch)

    runner = BatchRunner(forgetful)
    with pytest.raises(RuntimeError, match="unanswered"):
        await asyncio.wait_for(runner.submit(1), timeout=5)


async def test_a_caller_that_gave_up_before_its_batch_is_dropped():
    recorder = Recorder()
    runner = BatchRunner(recorder)
    gave_up = asyncio.ensure_future(runner.submit(7))
    await asyncio.sleep(0)  # its command is queued now
    gave_up.cancel()
    waits = asyncio.ensure_future(runner.submit(8))
    assert await waits == 64
    assert gave_up.cancelled()
    assert recorder.batches == [[8]]
