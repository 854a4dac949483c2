"""One writer at a time, and group commit: the serialization behind every append.

Within a process, :class:`GroupCommit` lets one thread at a time write. A thread that
finds the writer busy queues its job; whoever writes next takes every queued job and
commits them in one transaction, so under load many appends share one fsync. With
one request per process at a time (gunicorn's sync workers) each batch is a single
job and nothing changes; with threaded workers batches form by themselves.

Across processes the database serializes the writers; for SQLite a :class:`FileLock`
beside the database lets the next writer in as soon as the lock is free.
"""

from __future__ import annotations

import fcntl
import os
import threading
from collections.abc import Callable, Sequence
from typing import Generic, TypeVar

Job = TypeVar("Job")
Result = TypeVar("Result")

MAX_BATCH = 256


class _Slot(Generic[Job, Result]):
    __slots__ = ("job", "done", "result", "error")

    def __init__(self, job: Job) -> None:
        self.job = job
        self.done = False
        self.result: Result | None = None
        self.error: BaseException | None = None


class GroupCommit(Generic[Job, Result]):
    """Run jobs through ``commit_batch`` one batch at a time, each job getting its own result.

    ``commit_batch`` receives the jobs in arrival order and returns one result per job,
    after committing; if it raises, every job of that batch fails with that error.
    """

    def __init__(self, commit_batch: Callable[[Sequence[Job]], Sequence[Result]]) -> None:
        self._commit_batch = commit_batch
        self._writer = threading.Lock()
        self._queue_lock = threading.Lock()
        self._queue: list[_Slot[Job, Result]] = []

    @property
    def lock(self) -> threading.Lock:
        """Held while a batch is written; other writes of the same database take it too."""
        return self._writer

    def submit(self, job: Job) -> Result:
        slot: _Slot[Job, Result] = _Slot(job)
        with self._queue_lock:
            self._queue.append(slot)
        with self._writer:
            while not slot.done:
                self._write_queued()
        if slot.error is not None:
            raise slot.error
        return slot.result  # type: ignore[return-value]

    def _write_queued(self) -> None:
        with self._queue_lock:
            batch, self._queue = self._queue[:MAX_BATCH], self._queue[MAX_BATCH:]
        try:
            results = self._commit_batch([slot.job for slot in batch])
            for slot, result in zip(batch, results, strict=True):
                slot.result = result
        except BaseException as error:  # every waiter must hear about it, whatever it is
            for slot in batch:
                slot.error = error
        finally:
            for slot in batch:
                slot.done = True


class FileLock:
    """An exclusive ``flock`` on a file, held around each SQLite write transaction.

    SQLite's own lock is the guarantee (``BEGIN IMMEDIATE``), but a writer that finds it
    taken sleeps in SQLite's busy handler for 1, 2, 5, 10 … ms; waiting on ``flock``
    instead wakes the next writer the moment the lock is free. The file is opened once per
    process, so workers forked from one parent never share a lock.
    """

    def __init__(self, path: str) -> None:
        self.path = path
        self._fd = -1
        self._pid: int | None = None

    def __enter__(self) -> None:
        if self._pid != os.getpid():
            self._fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
            self._pid = os.getpid()
        fcntl.flock(self._fd, fcntl.LOCK_EX)

    def __exit__(self, *_exc: object) -> None:
        fcntl.flock(self._fd, fcntl.LOCK_UN)

    def close(self) -> None:
        if self._pid == os.getpid():
            os.close(self._fd)
        self._pid = None
