"""What a compiled aligner buys: the passage stage's programmes in numba, next to numpy's.

    pip install numba                                   # not a dependency of dedup
    python benchmarks/compiled_aligner.py               # 2,000 SaudiNewsNet articles
    python benchmarks/compiled_aligner.py --docs 10000 --repeat 3
    python benchmarks/compiled_aligner.py --end-to-end  # and whole runs, as passages_speed.py

Replays every batch of token ranges the passage stage aligns (`align_replay.capture`)
with `dedup.align.align_spans` and with the same programme written as plain loops and
compiled by numba (one pair at a time, its cells in one row-major buffer; the first
best cell, and in the traceback a diagonal step before an upward one before a leftward
one, as `align_spans` breaks ties), checks that every alignment is the same, and prints
the medians of both and of the compiled programmes alone. `--end-to-end` also times
`dedup.pipeline.run` without passages, with them, and with them aligned by the compiled
programme (numba loaded before any timed run, in every mode), interleaved, and checks
that the passages are the same. An experiment for deciding whether the aligner should
be compiled code: dedup itself never imports numba.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from dataclasses import replace
from typing import Any

import numpy as np
from align_replay import capture
from common import print_table, python_loop, saudinewsnet, save

from dedup import align
from dedup import passages as passage_stage
from dedup.align import Alignment, Scoring
from dedup.config import DedupConfig
from dedup.memory import reused_heap, small_pages
from dedup.pipeline import run
from dedup.types import Doc

try:
    import numba  # type: ignore[import-not-found, unused-ignore]
except ImportError:
    sys.exit("this benchmark needs numba: pip install numba")

Array = Any  # numba's arrays

#: The aligner's default penalties.
SCORING = Scoring()


@numba.njit(cache=True, nogil=True)  # type: ignore[misc, unused-ignore]
def programmes(
    exact: Array,
    near: Array,
    weights: Array,
    content: Array,
    r0: Array,
    nr: Array,
    c0: Array,
    nc: Array,
    mismatch: int,
    gap: int,
) -> tuple[Array, Array, Array]:
    """The best local alignment of each pair of token ranges: rows `[r0, r0 + nr)`
    against columns `[c0, c0 + nc)` of the coded tokens (`align.Coded`'s exact and
    near codes, weights and content flags; the rows are the shorter side).

    Returns per pair (best score, row start, row end, column start, column end,
    matches, content matches), the score 0 where nothing aligns; and the matched rows
    and columns of all pairs end to end, each pair's in increasing order, offsets
    from its range starts."""
    count = len(r0)
    out = np.zeros((count, 7), np.int64)
    total, most_n, most_m = 0, 0, 0
    for k in range(count):
        total += min(nr[k], nc[k])
        most_n = max(most_n, nr[k])
        most_m = max(most_m, nc[k])
    mi = np.empty(total, np.int64)
    mj = np.empty(total, np.int64)
    h = np.empty((most_n + 1) * (most_m + 1), np.int32)
    pos = 0
    for k in range(count):
        n, m, a0, b0 = nr[k], nc[k], r0[k], c0[k]
        width = m + 1
        h[:width] = 0
        eb, kb, wb = exact[b0 : b0 + m], near[b0 : b0 + m], weights[b0 : b0 + m]
        best, bi, bj = 0, 0, 0
        for i in range(1, n + 1):
            ea, ka, wa = exact[a0 + i - 1], near[a0 + i - 1], weights[a0 + i - 1]
            prev = h[(i - 1) * width : i * width]
            cur = h[i * width : (i + 1) * width]
            cur[0] = 0
            left, diag, row_best, row_j = 0, prev[0], 0, 0
            for j in range(m):
                w = min(wa, wb[j])
                s = mismatch
                if ka >= 0 and ka == kb[j]:
                    s = w >> 1
                if ea == eb[j]:
                    s = w
                up = prev[j + 1]
                v = max(diag + s, up - gap, left - gap, 0)
                diag = up
                cur[j + 1] = v
                left = v
                if v > row_best:
                    row_best, row_j = v, j + 1
            if row_best > best:  # the first best cell in row-major order
                best, bi, bj = row_best, i, row_j
        if best <= 0:
            continue
        i, j, first, both = bi, bj, pos, 0
        while i > 0 and j > 0 and h[i * width + j] > 0:
            here = h[i * width + j]
            w = min(weights[a0 + i - 1], weights[b0 + j - 1])
            s = mismatch
            if near[a0 + i - 1] >= 0 and near[a0 + i - 1] == near[b0 + j - 1]:
                s = w >> 1
            if exact[a0 + i - 1] == exact[b0 + j - 1]:
                s = w
            if here == h[(i - 1) * width + j - 1] + s:
                if s > 0:
                    mi[pos], mj[pos] = i - 1, j - 1
                    pos += 1
                    both += content[a0 + i - 1] and content[b0 + j - 1]
                i, j = i - 1, j - 1
            elif here == h[(i - 1) * width + j] - gap:
                i -= 1
            else:
                j -= 1
        mi[first:pos] = mi[first:pos][::-1].copy()
        mj[first:pos] = mj[first:pos][::-1].copy()
        out[k] = (best, i, bi, j, bj, pos - first, both)
    return out, mi[:pos], mj[:pos]


def compiled_spans(
    codes: align.Coded, spans: Array, scoring: Scoring = SCORING
) -> list[Alignment | None]:
    """`align_spans` with the compiled programme: the same rows (`align.programme_sides`)
    and, checked, the same alignments."""
    out: list[Alignment | None] = [None] * len(spans)
    sides = align.programme_sides(codes, spans)
    found, mi, mj = programmes(
        codes.exact,
        codes.near,
        codes.weights,
        codes.content,
        sides.row_start,
        sides.rows,
        sides.col_start,
        sides.cols,
        scoring.mismatch,
        scoring.gap,
    )
    cut = np.concatenate([[0], np.cumsum(found[:, 5])]).tolist()
    for k, (at, flipped, row) in enumerate(
        zip(sides.where.tolist(), sides.flipped.tolist(), found.tolist(), strict=True)
    ):
        best, a_start, a_end, b_start, b_end, _, both = row
        if best > 0:
            al = Alignment(
                a_start,
                a_end,
                b_start,
                b_end,
                best,
                mi[cut[k] : cut[k + 1]],
                mj[cut[k] : cut[k + 1]],
                both,
            )
            out[at] = al.swapped() if flipped else al
    return out


def _same(x: Alignment | None, y: Alignment | None) -> bool:
    if x is None or y is None:
        return x is y
    return (
        (x.a_start, x.a_end, x.b_start, x.b_end, x.score, x.content_matches)
        == (y.a_start, y.a_end, y.b_start, y.b_end, y.score, y.content_matches)
        and np.array_equal(x.a_matched, y.a_matched)
        and np.array_equal(x.b_matched, y.b_matched)
    )


def replayed(docs: list[Doc], repeat: int) -> dict[str, Any]:
    """Both aligners on every batch the passage stage aligns, and the programmes alone."""
    codes, batches = capture(docs)
    if codes is None:
        sys.exit("the passage stage aligned nothing")
    start = time.perf_counter()
    compiled_spans(codes, batches[0][:1])
    loaded = time.perf_counter() - start
    pairs = differ = 0
    for spans in batches:
        for x, y in zip(align.align_spans(codes, spans), compiled_spans(codes, spans), strict=True):
            pairs += 1
            differ += not _same(x, y)
    if differ:
        sys.exit(f"{differ} of {pairs} alignments differ from align_spans'")
    inputs = [align.programme_sides(codes, spans)[2:] for spans in batches]
    modes = ("numpy (align_spans)", "compiled", "compiled programmes alone")
    times: dict[str, list[float]] = {k: [] for k in modes}
    for _ in range(repeat):
        for name in modes:
            start = time.perf_counter()
            if name == modes[0]:
                for spans in batches:
                    align.align_spans(codes, spans)
            elif name == modes[1]:
                for spans in batches:
                    compiled_spans(codes, spans)
            else:
                for rows, n, cols, m in inputs:
                    programmes(
                        codes.exact,
                        codes.near,
                        codes.weights,
                        codes.content,
                        rows,
                        n,
                        cols,
                        m,
                        SCORING.mismatch,
                        SCORING.gap,
                    )
            times[name].append(time.perf_counter() - start)
    cells = sum(int(((s[:, 1] - s[:, 0]) * (s[:, 3] - s[:, 2])).sum()) for s in batches)
    med = {k: statistics.median(v) for k, v in times.items()}
    print(
        f"{len(docs)} SaudiNewsNet articles: {pairs} token-range pairs, {cells / 1e6:.1f} "
        f"million cells, every alignment the same (the compiled programme compiled, or "
        f"loaded from numba's cache, in {loaded:.2f} s)"
    )
    print_table(
        [
            [k, f"{v:.3f}", f"{med[modes[0]] / v:.2f}x", f"{v / cells * 1e9:.1f}"]
            for k, v in med.items()
        ],
        ["aligner", "median s", "speed-up", "ns/cell"],
    )
    return {"pairs": pairs, "cells": cells, "seconds": times}


def end_to_end(docs: list[Doc], repeat: int) -> dict[str, list[float]]:
    """`dedup.pipeline.run` without passages, with them, and with them aligned by the
    compiled programme (every core; numpy on small pages and malloc reusing its heap, as
    `passages_speed.py` runs), interleaved after one untimed run of each."""
    small_pages()
    reused_heap()
    cfg = DedupConfig()
    real = passage_stage.align_spans
    modes = {
        "--no-passages": (replace(cfg, passages=False), real),
        "passages": (cfg, real),
        "passages, compiled aligner": (cfg, compiled_spans),
    }
    times: dict[str, list[float]] = {k: [] for k in modes}
    found: dict[str, list[Any]] = {}
    before = python_loop()
    for rnd in range(repeat + 1):
        for name, (c, aligner) in modes.items():
            passage_stage.align_spans = aligner  # type: ignore[assignment]
            try:
                start = time.perf_counter()
                report = run(docs, c)
                took = time.perf_counter() - start
            finally:
                passage_stage.align_spans = real
            if rnd:  # the first round looks up every word's stem: untimed
                times[name].append(took)
            found[name] = list(report.passages.passages) if report.passages else []
    after = python_loop()
    if found["passages"] != found["passages, compiled aligner"]:
        sys.exit("the passages found with the compiled aligner differ")
    med = {k: statistics.median(v) for k, v in times.items()}
    base = med["--no-passages"]
    print_table(
        [[k, f"{v:.2f}", f"{v / base:.2f}x", str(len(found[k]))] for k, v in med.items()],
        ["mode", "median s", "vs --no-passages", "passages"],
    )
    print(f"host check: {before:.3f} s before, {after:.3f} s after")
    return times


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--docs", type=int, default=2000)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--end-to-end", action="store_true", help="also time whole runs")
    args = ap.parse_args()
    items = saudinewsnet(args.docs)
    docs = [Doc(f"{i}", x["content"], outlet=x["source"]) for i, x in enumerate(items)]
    result: dict[str, Any] = {"docs": len(docs), **replayed(docs, args.repeat)}
    if args.end_to_end:
        result["runs"] = end_to_end(docs, args.repeat)
    save("compiled_aligner", result)


if __name__ == "__main__":
    main()
