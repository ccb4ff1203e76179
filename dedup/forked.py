"""Work shared between this process and forked ones, which inherit its memory.

Only the shares and the results cross between processes (pickled by the standard
library's process pool); the function and everything it refers to are inherited.
Where processes cannot be forked safely (other than Linux, or while other threads run),
everything runs here.
"""

from __future__ import annotations

import gc
import multiprocessing
import os
import sys
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from typing import Any, TypeVar

S = TypeVar("S")
R = TypeVar("R")

_TASK: Callable[[Any], Any] | None = None


def workers(asked: int | None) -> int:
    """Processes to use: `asked`, or every core this process may run on; 1 where
    processes cannot be forked safely (not Linux, or other threads are running: a
    lock one of them holds would stay locked in the child forever)."""
    if sys.platform != "linux" or "fork" not in multiprocessing.get_all_start_methods():
        return 1
    if threading.active_count() > 1:
        return 1
    return max(1, asked or len(os.sched_getaffinity(0)) or 1)


_FROZEN = False


@contextmanager
def frozen_heap() -> Iterator[None]:
    """Objects alive on entry (and, nested, on each inner entry) left out of garbage
    collection until the outermost exit: work that allocates many small objects then
    does not scan a large heap again and again, and a forked child's collections do not
    write to every inherited object (copying the memory pages it shares with this
    process: the standard library's advice for forking). Objects freed in between are
    still freed at once; only reference cycles among them wait for the exit. Nothing is
    done while objects are frozen by someone else (unfreezing would release theirs)."""
    global _FROZEN
    if _FROZEN:
        gc.freeze()
        yield
        return
    if gc.get_freeze_count():
        yield
        return
    _FROZEN = True
    gc.freeze()
    try:
        yield
    finally:
        _FROZEN = False
        gc.unfreeze()


def freeze_more() -> None:
    """Inside `frozen_heap`: leave the objects made since out of garbage collection
    too (a process that keeps a record per document, a piece at a time, then never
    scans the records of the pieces before again). Outside it, nothing."""
    if _FROZEN:
        gc.freeze()


def fork_map(
    task: Callable[[S], R],
    shares: list[S],
    *,
    pack: Callable[[R], Any] | None = None,
    unpack: Callable[[Any], R] | None = None,
) -> list[R]:
    """`[task(s) for s in shares]`, the first share in this process and each other in
    a forked one (all of them here where that is not possible). Should a forked process
    die (killed for memory, say), its shares are done here after all.

    A forked process's result crosses as `pack(result)`, turned back by `unpack`
    (many small objects pickle slowly: a few flat arrays do not).

    Example:
        >>> fork_map(lambda r: sum(range(*r)), [(0, 10), (10, 20)])
        [45, 145]
        >>> fork_map(lambda r: list(range(*r)), [(0, 2), (2, 5)], pack=tuple, unpack=list)
        [[0, 1], [2, 3, 4]]
    """
    if len(shares) < 2 or workers(len(shares)) < 2:
        return [task(s) for s in shares]
    global _TASK
    _TASK = task if pack is None else lambda share: pack(task(share))
    back = unpack if unpack is not None else lambda x: x
    try:
        ctx = multiprocessing.get_context("fork")
        with frozen_heap(), ProcessPoolExecutor(len(shares) - 1, mp_context=ctx) as pool:
            later = [pool.submit(_run, s) for s in shares[1:]]
            first = task(shares[0])
            rest = []
            for share, f in zip(shares[1:], later, strict=True):
                try:
                    rest.append(back(f.result()))
                except BrokenProcessPool:
                    rest.append(task(share))
            return [first, *rest]
    finally:
        _TASK = None


@contextmanager
def ahead(task: Callable[[], R], *, allowed: bool = True) -> Iterator[Callable[[], R | None]]:
    """Run `task` in a forked process while the body of the `with` goes on here. The
    value bound by `as`, called (inside the body), waits for the task's result: None
    where no process could be forked (or `allowed` is False), or where the task failed
    or its process died; whoever asked then does the work here, as without `ahead`. On
    leaving the body the process is stopped, if still running.

    The process is a plain forked child, with no thread here to manage it (as a process
    pool would have): `workers` and `fork_map` inside the body behave as outside it.

    Example:
        >>> with ahead(lambda: sum(range(10))) as result:
        ...     here = 1 + 1
        ...     there = result()
        >>> here, there in (45, None)
        (2, True)
    """
    if not allowed or workers(2) < 2:
        yield lambda: None
        return
    global _AHEAD
    ctx = multiprocessing.get_context("fork")
    recv, send = ctx.Pipe(duplex=False)
    child = ctx.Process(target=_run_ahead, args=(send,), daemon=True)
    _AHEAD = task
    try:
        with frozen_heap():  # the child's collections leave inherited objects alone
            child.start()
    finally:
        _AHEAD = None
        send.close()
    got: list[R | None] = []

    def result() -> R | None:
        if not got:
            try:
                got.append(recv.recv())
            except (EOFError, OSError):  # the task failed, or its process died
                got.append(None)
            child.join()
        return got[0]

    try:
        yield result
    finally:
        if child.is_alive():
            child.terminate()
        child.join()
        recv.close()


_AHEAD: Callable[[], Any] | None = None


def _run_ahead(send: Any) -> None:
    """The forked child of `ahead`: its task's result down the pipe, or nothing (the
    pipe closes) if the task or sending its result fails, or the child is interrupted
    (Ctrl-C reaches it too); no traceback, since the parent does the work itself."""
    assert _AHEAD is not None  # inherited from the parent, set before the fork
    try:
        send.send(_AHEAD())
    except BaseException:  # whatever it is, the parent does the work
        return
    finally:
        send.close()


def _run(share: Any) -> Any:
    assert _TASK is not None  # inherited from the parent, set before the fork
    return _TASK(share)
