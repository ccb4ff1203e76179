"""Passage matching in several processes gives what one process gives."""

from __future__ import annotations

import gc
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import dedup.passages as passage_stage
from dedup.config import DedupConfig
from dedup.io import read_docs
from dedup.pipeline import run
from tests.conftest import FIXTURES

ROOT = Path(__file__).resolve().parents[2]


def _passages(workers: int) -> list[tuple[object, ...]]:
    docs = list(read_docs([str(FIXTURES / "seeds"), str(FIXTURES / "copies")]))
    report = run(docs, DedupConfig(), workers=workers)
    assert report.passages is not None
    return [
        (p.a, p.a_start, p.a_end, p.b, p.b_start, p.b_end, p.weight, p.a_diff, p.b_diff)
        for p in report.passages.passages
    ]


def one_and_two_processes() -> None:
    """Run in a fresh interpreter (other tests leave threads behind, e.g. Spark's, and
    no process forks while other threads run): passages in one process and in two."""
    one = _passages(1)
    pids: list[int] = []
    fork_map = passage_stage.fork_map

    def recorded(task: Callable[[Any], Any], parts: list[Any], pack: Any, unpack: Any) -> list[Any]:
        done = fork_map(
            lambda share: (os.getpid(), task(share)),
            parts,
            pack=lambda got: (got[0], pack(got[1])),  # results cross packed, as they do
            unpack=lambda got: (got[0], unpack(got[1])),
        )
        pids.extend(pid for pid, _ in done)
        return [result for _, result in done]

    passage_stage.PARALLEL_MIN_PAIRS = 1
    passage_stage.fork_map = recorded  # type: ignore[assignment]
    two = _passages(2)
    assert len(set(pids)) == 2, pids  # the pairs really were aligned in two processes
    assert len(one) >= 10
    assert two == one
    print("same", len(one))


def shares_elsewhere() -> None:
    """Run in a fresh interpreter: `fork_map` runs the first share here, the others in
    other processes."""
    from dedup.forked import fork_map

    here = os.getpid()
    pids = fork_map(lambda share: (share, os.getpid()), [1, 2, 3])
    assert [s for s, _ in pids] == [1, 2, 3]
    assert pids[0][1] == here
    assert all(pid != here for _, pid in pids[1:])  # (one worker may take both)
    print("forked")


def dead_child_redone_here() -> None:
    """Run in a fresh interpreter: a forked process that dies leaves its share to this
    one."""
    from dedup.forked import fork_map

    here = os.getpid()

    def task(share: int) -> tuple[int, int]:
        if os.getpid() != here:
            os._exit(3)  # the child dies without a word
        return share, os.getpid()

    done = fork_map(task, [1, 2])
    assert done == [(1, here), (2, here)], done
    print("redone")


def ahead_elsewhere() -> None:
    """Run in a fresh interpreter: `ahead` runs its task in a forked child, leaves no
    thread here, gives None for a task that fails or a child that dies, and stops a
    child still running when its body ends."""
    import threading
    import time

    from dedup.forked import ahead, workers

    here = os.getpid()
    with ahead(os.getpid) as result:
        assert threading.active_count() == 1 and workers(2) == 2  # fork_map may fork
        pid = result()
        assert result() == pid  # asked again: the same result
    assert pid is not None and pid != here, pid
    with ahead(lambda: 1 // 0) as result:
        assert result() is None
    with ahead(lambda: os._exit(3)) as result:
        assert result() is None
    with ahead(lambda: threading.Lock()) as result:  # a result that cannot be pickled
        assert result() is None
    with ahead(os.getpid, allowed=False) as result:
        assert result() is None
    start = time.monotonic()
    with ahead(lambda: time.sleep(60)):
        pass
    assert time.monotonic() - start < 30
    print("ahead")


def words_known_ahead() -> None:
    """Run in a fresh interpreter: with the words' features looked up in a forked child
    during the document level, passage matching finds every word known (it computes no
    features itself), the passages are those found without, and the feature table holds
    the same features for every word both runs looked up."""
    from dedup.morph import skeleton, stem

    asked: list[int] = []
    real = passage_stage.features_of

    def counted(words: list[str], workers: int | None = None) -> object:
        asked.append(len(words))
        return real(words, workers)

    passage_stage.features_of = counted  # type: ignore[assignment]
    passage_stage.AHEAD_MIN_WORDS = 10**12  # never ahead
    plain = _passages(2)
    plain_table = passage_stage._TABLE
    assert sum(asked) > 1000
    passage_stage._TABLE = passage_stage._empty_table()
    stem.cache_clear()
    skeleton.cache_clear()
    asked.clear()
    passage_stage.AHEAD_MIN_WORDS = 1
    assert _passages(2) == plain
    assert sum(asked) == 0, asked  # every word was known: looked up in the child
    table = passage_stage._TABLE
    assert len(table.keys) >= len(plain_table.keys)
    at = passage_stage.member(table.keys, plain_table.keys)
    assert at.all()
    rows = np.searchsorted(table.keys, plain_table.keys)

    def stems(t: passage_stage._FeatureTable, r: np.ndarray) -> list[str]:
        return [
            t.codes[a : a + n].tobytes().decode("utf-32-le")
            for a, n in zip(t.stem_start[r].tolist(), t.stem_len[r].tolist(), strict=True)
        ]

    every = np.arange(len(plain_table.keys))
    assert (table.feats[rows] == plain_table.feats).all()
    assert stems(table, rows) == stems(plain_table, every)
    print("known", len(table.keys))


def _fresh(function: str) -> str:
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            f"from tests.unit.test_passages_parallel import {function}; {function}()",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr, done.stderr  # not even from a child
    return done.stdout


@pytest.mark.skipif(sys.platform != "linux", reason="passages fork worker processes on Linux")
def test_two_processes_find_the_same_passages() -> None:
    assert _fresh("one_and_two_processes").startswith("same ")


@pytest.mark.skipif(sys.platform != "linux", reason="processes are forked on Linux")
def test_fork_map_runs_shares_in_other_processes() -> None:
    assert _fresh("shares_elsewhere").strip() == "forked"


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


@pytest.mark.skipif(sys.platform != "linux", reason="processes are forked on Linux")
def test_fork_map_redoes_the_share_of_a_process_that_died() -> None:
    assert _fresh("dead_child_redone_here").strip() == "redone"


def _frozen(objs: list[object]) -> bool:
    """Whether every one of `objs` is frozen: out of every generation the collector
    scans. (Counts of frozen objects are not compared: frozen objects that other code
    frees meanwhile leave the count.)"""
    ids = {id(o) for o in objs}
    return ids.isdisjoint(id(o) for o in gc.get_objects())


def test_frozen_heap_freezes_until_the_outermost_exit() -> None:
    from dedup.forked import frozen_heap

    gc.unfreeze()  # from nothing frozen
    before = [[] for _ in range(100)]
    with frozen_heap():
        assert _frozen(before)
        made = [[] for _ in range(100)]
        assert not _frozen(made)
        with frozen_heap():  # nested: the newer objects too
            assert _frozen(made)
        assert _frozen(before) and _frozen(made)  # until the outermost exit
    assert gc.get_freeze_count() == 0
    assert not _frozen(before) and not _frozen(made)
    with pytest.raises(ValueError, match="inside"), frozen_heap():
        raise ValueError("inside")  # an error still unfreezes
    assert gc.get_freeze_count() == 0


def test_frozen_heap_leaves_someone_elses_freeze_alone() -> None:
    from dedup.forked import frozen_heap

    theirs = [[] for _ in range(100)]
    gc.freeze()
    try:
        with frozen_heap():
            ours = [[] for _ in range(100)]
        assert _frozen(theirs)  # not unfrozen ...
        assert not _frozen(ours)  # ... nor anything frozen more
    finally:
        gc.unfreeze()


def test_packed_passages_are_the_same_passages() -> None:
    """What crosses between processes (`_packed`, a few flat arrays) turns back into
    the very passages: every field, of every passage of the fixtures (found by their
    alignments and as reordered copies), and of none."""
    from dedup.pipeline import _passage_docs, prepare_batch

    docs = list(read_docs([str(FIXTURES / "seeds"), str(FIXTURES / "copies")]))
    cfg = DedupConfig()
    pds = _passage_docs(prepare_batch(docs, cfg), cfg)
    found = passage_stage.find(pds, cfg.passage, workers=1)
    assert len(found) >= 10
    assert any(p.a_diff for p in found) and any(not p.b_diff for p in found)

    def fields(p: passage_stage.Passage) -> tuple[object, ...]:
        return tuple(
            getattr(p, f).tolist() if f.endswith("matched") else getattr(p, f)
            for f in p.__dataclass_fields__
        )

    back = passage_stage._unpacked(passage_stage._packed(found))
    assert [fields(p) for p in back] == [fields(p) for p in found]
    assert [type(x) for x in fields(back[0])] == [type(x) for x in fields(found[0])]
    assert passage_stage._unpacked(passage_stage._packed([])) == []


def test_with_diffs_and_weighed_are_replace() -> None:
    """The shortcuts `weigh` and the pairs' finish use (no `dataclasses.replace` per
    object) carry every other field over, as `replace` does."""
    from dataclasses import fields, replace

    from dedup.pipeline import _passage_docs, prepare_batch

    docs = list(read_docs([str(FIXTURES / "seeds")]))
    cfg = DedupConfig()
    pds = _passage_docs(prepare_batch(docs, cfg), cfg)
    found = passage_stage.find(pds, cfg.passage, workers=1)
    assert found
    p, spans = found[0], ((1, 2),)
    got, want = p.with_diffs(spans, ()), replace(p, a_diff=spans, b_diff=())
    assert all(getattr(got, f.name) is getattr(want, f.name) for f in fields(p))
    d = pds[0]
    uni, bi = d.uni * 2, d.bi * 3
    got_d, want_d = d.weighed(uni, bi), replace(d, uni=uni, bi=bi)
    assert all(getattr(got_d, f.name) is getattr(want_d, f.name) for f in fields(d))


@pytest.mark.skipif(sys.platform != "linux", reason="processes are forked on Linux")
def test_ahead_runs_its_task_in_a_forked_child() -> None:
    assert _fresh("ahead_elsewhere").strip() == "ahead"


@pytest.mark.skipif(sys.platform != "linux", reason="processes are forked on Linux")
def test_words_looked_up_ahead_change_nothing_but_who_looks_them_up() -> None:
    assert _fresh("words_known_ahead").startswith("known ")
