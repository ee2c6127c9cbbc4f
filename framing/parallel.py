"""`--jobs N`: apply a function to a stream of items in N worker processes, results in input order.

At most ``in_flight`` items are submitted and not yet collected, so memory stays bounded
however long the stream is; the input is consumed only as results are taken. A stream of a
single item is processed in this process (no workers start for one article). Workers are
forked where the system allows it, so they inherit what the parent has loaded (the model)
instead of loading it again; elsewhere ``initializer`` prepares each fresh worker.
"""

from __future__ import annotations

import mmap
import multiprocessing
import os
import signal
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from itertools import chain
from typing import Any, TypeVar

from .errors import WorkerError

T = TypeVar("T")
R = TypeVar("R")


def default_jobs() -> int:
    """The cores this process may use (its CPU affinity), at least 1."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not every system has sched_getaffinity
        return max(1, os.cpu_count() or 1)


def forks() -> bool:
    """Whether workers are forked (and so inherit the parent's memory) on this system."""
    return "fork" in multiprocessing.get_all_start_methods()


def _start_worker(initializer: Callable[..., None] | None, args: tuple[Any, ...]) -> None:
    # Ctrl-C reaches the whole process group; only the parent decides what to do with it.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if initializer is not None:
        initializer(*args)


def ordered_map(
    function: Callable[[T], R],
    items: Iterable[T],
    *,
    jobs: int,
    in_flight: int | None = None,
    initializer: Callable[..., None] | None = None,
    initargs: tuple[Any, ...] = (),
) -> Iterator[R]:
    """``map(function, items)`` over ``jobs`` processes, yielding results in the order of ``items``.

    If reading ``items`` fails, the results of the items already read are yielded first, then
    the error is raised: work done before a bad input is never thrown away.
    """
    items = iter(items)
    if jobs <= 1:
        yield from map(function, items)
        return
    head: list[T] = []
    try:
        while len(head) < 2 and (item := next(items, _END)) is not _END:
            head.append(item)
    except Exception:
        yield from map(function, head)
        raise
    if len(head) < 2:
        yield from map(function, head)
        return
    limit = in_flight or 2 * jobs
    context = multiprocessing.get_context("fork" if forks() else "spawn")
    pool = ProcessPoolExecutor(jobs, mp_context=context, initializer=_start_worker, initargs=(initializer, initargs))
    try:
        yield from ordered_results(chain(head, items), lambda item: pool.submit(function, item), limit)
    except BrokenProcessPool:
        raise WorkerError(
            "a worker process died (killed, or out of memory); rerun with fewer --jobs, or --resume with --output"
        ) from None
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def ordered_results(items: Iterable[T], submit: Callable[[T], Any], limit: int) -> Iterator[Any]:
    """Submit ``items`` keeping at most ``limit`` futures in flight; yield their results in input order.

    Works with any futures that have ``result()`` and ``cancel()`` (concurrent.futures, Dask). If
    reading the next item fails, the results already submitted are yielded before the error is
    raised: work done before a bad input is never thrown away.
    """
    pending: deque[Any] = deque()
    source = iter(items)
    try:
        while True:
            try:
                item = next(source, _END)
            except Exception:
                while pending:
                    yield pending.popleft().result()
                raise
            if item is _END:
                break
            pending.append(submit(item))
            if len(pending) >= limit:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()
    finally:
        for future in pending:
            future.cancel()


_END: Any = object()


class ResultSlots:
    """Shared memory that forked workers leave large results in, instead of sending them back.

    A result sent back crosses a pipe and is unpickled: the coordinating process copies it
    twice before it can write it anywhere, on the same cores the workers need. Here ``count``
    slots of ``size`` bytes are mapped before the workers fork, so they share them: a worker
    copies its result into a slot and the coordinating process writes it from there. With
    results taken in input order and at most ``count`` items in flight (:func:`ordered_map`
    with ``in_flight=count``), item ``k`` can use slot ``k % count``: by the time it is
    submitted, the result that used the slot before has been taken and used.
    """

    def __init__(self, count: int, size: int) -> None:
        self.count, self.size = count, size
        self._memory = mmap.mmap(-1, count * size)  # anonymous and shared: forked workers see it
        self._view = memoryview(self._memory)

    def put(self, slot: int, data: bytes) -> bool:
        """Copy ``data`` into ``slot``; ``False`` (nothing copied) if it does not fit."""
        if len(data) > self.size:
            return False
        start = slot * self.size
        self._view[start : start + len(data)] = data
        return True

    def get(self, slot: int, size: int) -> memoryview:
        """The first ``size`` bytes of ``slot``: valid until the slot is used again."""
        start = slot * self.size
        return self._view[start : start + size]


_TUNED = False
# glibc's mallopt parameters (malloc.h).
_M_TRIM_THRESHOLD, _M_TOP_PAD, _M_MMAP_THRESHOLD = -1, -2, -3


def tune_allocator() -> None:
    """Keep glibc from returning memory to the system after every batch (done once per process).

    Scoring a batch allocates and frees arrays of a few MB. By default glibc maps each in fresh
    pages and unmaps it when freed, so every batch pays for page faults on new memory: about 14%
    of the classification time went to the kernel. With these limits the freed memory is reused;
    the peak is what the largest batch needs. Elsewhere than glibc (macOS, musl, Windows) this
    does nothing.
    """
    global _TUNED
    if _TUNED:
        return
    _TUNED = True
    try:
        import ctypes

        libc = ctypes.CDLL("libc.so.6")
        libc.mallopt(_M_MMAP_THRESHOLD, 32 * 1024 * 1024)
        libc.mallopt(_M_TRIM_THRESHOLD, 64 * 1024 * 1024)
        libc.mallopt(_M_TOP_PAD, 16 * 1024 * 1024)
    except (OSError, AttributeError):
        pass
