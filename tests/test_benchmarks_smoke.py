"""The benchmark runner on a tiny corpus, so that the benchmarks never rot."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from tests.conftest import ROOT

sys.path.insert(0, str(ROOT / "benchmarks"))

import compare_peers
import corpus


def test_runner_scores_dedup_on_a_tiny_corpus(tmp_path: Path) -> None:
    path = tmp_path / "tiny.jsonl"
    with path.open("w", encoding="utf-8") as fh:
        for rec in corpus.generate(300, seed=3):
            fh.write(json.dumps(rec, ensure_ascii=False) + "\n")
    records = compare_peers.load(path)
    assert len(records) == 300
    groups = {r["group"] for r in records}
    assert 250 <= len(groups) < 300  # about a tenth are copies
    results = compare_peers.run_all(path, ["dedup", "datasketch", "xxh3 floor"])
    assert results["dedup"]["f1"] >= 0.9
    assert results["datasketch"]["pairs"] > 0
    assert all(m["seconds"] > 0 for m in results.values())


def test_index_passage_benchmark_on_a_tiny_corpus() -> None:
    import argparse

    import index_passages

    args = argparse.Namespace(docs=200, batch=50, queries=10, scan=True)
    result, rows = index_passages.measure(args)
    assert result["known_found"] >= 0.8 * result["known"] > 0  # type: ignore[operator]
    assert 0 < result["both"] <= result["scan_pairs"]  # type: ignore[operator]
    assert len(rows) == 9


def test_alignment_replay_on_a_tiny_corpus() -> None:
    import align_replay

    from dedup.types import Doc

    docs = [Doc(r["id"], r["text"]) for r in corpus.generate(200, seed=3)]
    first = align_replay.replay(docs, repeat=2)
    assert first.batches > 0 and first.alignments > 0
    assert len(first.seconds) == 2 and all(t > 0 for t in first.seconds)
    assert align_replay.replay(docs, repeat=1).digest == first.digest  # the same alignments
