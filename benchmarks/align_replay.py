"""The passage stage's alignments alone: every dynamic programme it runs, replayed.

    python benchmarks/align_replay.py                  # 2,000 SaudiNewsNet articles
    python benchmarks/align_replay.py --docs 5000 --repeat 9

Runs `dedup.pipeline.run` once in one process, keeping every batch of token ranges the
passage stage hands to `dedup.align.align_spans`, then times replaying all of them
(medians and minima of `--repeat` runs, one core). The aligner is most of the cost of
aligning document pairs, and timing it alone is steadier than timing the whole run on
a machine whose speed moves with its neighbours' load. The digest covers every
alignment found (spans, score, matched tokens): equal digests from two commits mean
the same alignments.
"""

from __future__ import annotations

import argparse
import hashlib
import statistics
import time
from typing import Any, NamedTuple

import numpy as np
from common import print_table, saudinewsnet, save

from dedup import align
from dedup import passages as passage_stage
from dedup.config import DedupConfig
from dedup.pipeline import run
from dedup.types import Doc


class Replay(NamedTuple):
    """What replaying the passage stage's alignments gave: the batches of token ranges
    it aligned, the alignments found, their digest, and the seconds of each replay."""

    batches: int
    pairs: int
    alignments: int
    digest: str
    seconds: list[float]


def capture(docs: list[Doc]) -> tuple[align.Coded | None, list[np.ndarray[Any, Any]]]:
    """Run the pipeline on the documents in one process and keep every batch of token
    ranges the passage stage hands to `align_spans`, with the token table they index
    (None when it aligned nothing)."""
    batches: list[np.ndarray[Any, Any]] = []
    held: list[align.Coded] = []
    real = passage_stage.align_spans

    def keep(codes: align.Coded, spans: np.ndarray[Any, Any]) -> list[align.Alignment | None]:
        held[:] = [codes]  # one token table for the whole run
        batches.append(np.array(spans, dtype=np.int64))
        return real(codes, spans)

    passage_stage.align_spans = keep  # type: ignore[assignment]
    try:
        run(docs, DedupConfig(), workers=1)
    finally:
        passage_stage.align_spans = real
    return (held[0] if held else None), batches


def replay(docs: list[Doc], repeat: int) -> Replay:
    """Run the pipeline on the documents in one process, keeping every batch of token
    ranges the passage stage aligns, then align them all again `repeat` times."""
    codes, batches = capture(docs)
    if codes is None:
        return Replay(0, 0, 0, "", [])
    found = [al for spans in batches for al in align.align_spans(codes, spans)]
    digest = hashlib.sha1()
    for al in found:
        if al is None:
            digest.update(b"-")
            continue
        digest.update(repr((al.a_start, al.a_end, al.b_start, al.b_end, al.score)).encode())
        digest.update(al.a_matched.tobytes() + al.b_matched.tobytes())
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        for spans in batches:
            align.align_spans(codes, spans)
        times.append(time.perf_counter() - start)
    return Replay(
        len(batches),
        sum(len(b) for b in batches),
        sum(al is not None for al in found),
        digest.hexdigest(),
        times,
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--docs", type=int, default=2000)
    ap.add_argument("--repeat", type=int, default=7)
    args = ap.parse_args()
    items = saudinewsnet(args.docs)
    docs = [Doc(f"{i}", x["content"], outlet=x["source"]) for i, x in enumerate(items)]
    got = replay(docs, args.repeat)
    print(
        f"{len(docs)} SaudiNewsNet articles: {got.batches} calls, {got.pairs} token-range "
        f"pairs, {got.alignments} alignments"
    )
    print_table(
        [
            [
                f"{statistics.median(got.seconds):.3f}",
                f"{min(got.seconds):.3f}",
                got.digest[:12],
            ]
        ],
        ["median s", "min s", "digest"],
    )
    save("align_replay", {"docs": len(docs), **got._asdict()})


if __name__ == "__main__":
    main()
