"""Passage matching in several processes gives what one process gives."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from typing import Any

import pytest

import dedup.passages as passage_stage
from dedup.config import DedupConfig
from dedup.io import read_docs
from dedup.pipeline import run
from tests.conftest import FIXTURES


def _passages(workers: int) -> list[tuple[object, ...]]:
    docs = list(read_docs([str(FIXTURES / "seeds"), str(FIXTURES / "copies")]))
    report = run(docs, DedupConfig(), workers=workers)
    assert report.passages is not None
    return [
        (p.a, p.a_start, p.a_end, p.b, p.b_start, p.b_end, p.weight, p.a_diff, p.b_diff)
        for p in report.passages.passages
    ]


@pytest.mark.skipif(sys.platform != "linux", reason="passages fork worker processes on Linux")
def test_two_processes_find_the_same_passages(monkeypatch: pytest.MonkeyPatch) -> None:
    one = _passages(1)
    shares: list[int] = []
    fork_map = passage_stage.fork_map

    def counted(task: Callable[[Any], Any], parts: list[Any]) -> list[Any]:
        shares.append(len(parts))
        return fork_map(task, parts)

    monkeypatch.setattr(passage_stage, "PARALLEL_MIN_PAIRS", 1)
    monkeypatch.setattr(passage_stage, "fork_map", counted)
    two = _passages(2)
    assert shares == [2]  # the pairs really were split between two processes
    assert len(one) >= 10
    assert two == one


@pytest.mark.skipif(sys.platform != "linux", reason="processes are forked on Linux")
def test_fork_map_runs_shares_in_other_processes() -> None:
    from dedup.forked import fork_map

    here = os.getpid()
    pids = fork_map(lambda share: (share, os.getpid()), [1, 2, 3])
    assert [s for s, _ in pids] == [1, 2, 3]
    assert pids[0][1] == here
    assert all(pid != here for _, pid in pids[1:])


@pytest.mark.skipif(sys.platform != "linux", reason="processes are forked on Linux")
def test_fork_map_stays_here_while_another_thread_runs() -> None:
    import threading

    from dedup.forked import fork_map

    here = os.getpid()
    release = threading.Event()
    other = threading.Thread(target=release.wait)
    other.start()
    try:
        pids = fork_map(lambda share: (share, os.getpid()), [1, 2, 3])
    finally:
        release.set()
        other.join()
    assert pids == [(1, here), (2, here), (3, here)]
