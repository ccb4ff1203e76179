"""Passage matching in several processes gives what one process gives."""

from __future__ import annotations

import sys

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
    forks = passage_stage._in_processes

    def counted(job: passage_stage._Job, parts: list[list[tuple[int, int]]]) -> object:
        shares.append(len(parts))
        return forks(job, parts)

    monkeypatch.setattr(passage_stage, "PARALLEL_MIN_PAIRS", 1)
    monkeypatch.setattr(passage_stage, "_in_processes", counted)
    two = _passages(2)
    assert shares == [2]  # the pairs really were split between two processes
    assert len(one) >= 10
    assert two == one
