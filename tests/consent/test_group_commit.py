"""The single writer with group commit: one batch at a time, every job its own answer."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from consent_service.writer import MAX_BATCH, GroupCommit


def test_a_lone_job_is_committed_alone_and_gets_its_result():
    batches = []
    writer = GroupCommit(lambda jobs: batches.append(list(jobs)) or [job * 2 for job in jobs])
    assert writer.submit(21) == 42
    assert batches == [[21]]


def test_jobs_arriving_while_a_batch_is_written_share_the_next_batch():
    batches = []
    first_started = threading.Event()

    def commit(jobs):
        batches.append(list(jobs))
        first_started.set()
        time.sleep(0.2)
        return [f"done {job}" for job in jobs]

    writer = GroupCommit(commit)
    with ThreadPoolExecutor(9) as pool:
        first = pool.submit(writer.submit, 0)
        first_started.wait()
        rest = [pool.submit(writer.submit, job) for job in range(1, 9)]
        time.sleep(0.05)
        results = [first.result()] + [future.result() for future in rest]
    assert results == [f"done {job}" for job in range(9)]
    assert batches[0] == [0]
    assert sorted(batches[1]) == list(range(1, 9))
    assert len(batches) == 2


def test_a_failed_batch_fails_each_of_its_jobs_and_the_next_batch_still_runs():
    calls = []

    def commit(jobs):
        calls.append(list(jobs))
        if len(calls) == 1:
            raise RuntimeError("disk full")
        return list(jobs)

    writer = GroupCommit(commit)
    with pytest.raises(RuntimeError, match="disk full"):
        writer.submit("a")
    assert writer.submit("b") == "b"


def test_batches_are_capped_and_every_queued_job_is_still_written():
    sizes = []
    gate = threading.Event()

    def commit(jobs):
        sizes.append(len(jobs))
        gate.wait()
        return list(jobs)

    writer = GroupCommit(commit)
    total = MAX_BATCH + 40
    with ThreadPoolExecutor(64) as pool:
        futures = [pool.submit(writer.submit, job) for job in range(total)]
        time.sleep(0.3)
        gate.set()
        results = sorted(future.result() for future in futures)
    assert results == list(range(total))
    assert max(sizes) <= MAX_BATCH
    assert sum(sizes) == total


def test_the_lock_keeps_other_writes_out_while_a_batch_is_written():
    inside = threading.Event()
    release = threading.Event()

    def commit(jobs):
        inside.set()
        release.wait()
        return list(jobs)

    writer = GroupCommit(commit)
    thread = threading.Thread(target=writer.submit, args=(1,))
    thread.start()
    inside.wait()
    assert not writer.lock.acquire(blocking=False)
    release.set()
    thread.join()
    assert writer.lock.acquire(blocking=False)
    writer.lock.release()
