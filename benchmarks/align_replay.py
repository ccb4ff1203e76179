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
from typing import Any

import numpy as np
from common import print_table, saudinewsnet, save

from dedup import align
from dedup import passages as passage_stage
from dedup.config import DedupConfig
from dedup.pipeline import run
from dedup.types import Doc


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--docs", type=int, default=2000)
    ap.add_argument("--repeat", type=int, default=7)
    args = ap.parse_args()
    items = saudinewsnet(args.docs)
    docs = [Doc(f"{i}", x["content"], outlet=x["source"]) for i, x in enumerate(items)]
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
    codes = held[0]
    found = [al for spans in batches for al in align.align_spans(codes, spans)]
    digest = hashlib.sha1()
    for al in found:
        if al is None:
            digest.update(b"-")
            continue
        digest.update(repr((al.a_start, al.a_end, al.b_start, al.b_end, al.score)).encode())
        digest.update(al.a_matched.tobytes() + al.b_matched.tobytes())
    times = []
    for _ in range(args.repeat):
        start = time.perf_counter()
        for spans in batches:
            align.align_spans(codes, spans)
        times.append(time.perf_counter() - start)
    pairs = sum(len(b) for b in batches)
    print(
        f"{len(docs)} SaudiNewsNet articles: {len(batches)} calls, {pairs} token-range pairs, "
        f"{sum(al is not None for al in found)} alignments"
    )
    print_table(
        [[f"{statistics.median(times):.3f}", f"{min(times):.3f}", digest.hexdigest()[:12]]],
        ["median s", "min s", "digest"],
    )
    save(
        "align_replay",
        {
            "docs": len(docs),
            "calls": len(batches),
            "pairs": pairs,
            "seconds": times,
            "digest": digest.hexdigest(),
        },
    )


if __name__ == "__main__":
    main()
