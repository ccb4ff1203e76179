"""Candidate regions for reordered copies: windows of content words matched against
whole documents by the rare words they share, in any order.

Alignment needs the words in order; a copy whose words were shuffled or whose
sentences were restructured keeps its vocabulary instead. Every window of
`window` content tokens (half-overlapping) is looked up, through an inverted index of
rare stems, in every other document; where a document holds most of the window's rare
stems, the densest stretch of those stems in it is the other side of the region.
Only a window's rarest stems are looked up (a prefix filter: enough of them that any
document holding most of the window holds two of them), and the documents found are
then counted exactly. All in numpy: the index join is a sort, not a loop over words.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence

import numpy as np
import numpy.typing as npt

from dedup.arrays import distinct, distinct_counts, distinct_inverse

I64 = npt.NDArray[np.int64]
U64 = npt.NDArray[np.uint64]
Rect = tuple[int, int, int, int]

#: Entries of the window × document join computed at once.
JOIN_CHUNK = 1 << 22


def _windows(n: int, size: int) -> list[tuple[int, int]]:
    """Half-overlapping windows of `size` over `n` items (one window if n < size)."""
    if n <= size:
        return [(0, n)] if n else []
    step = max(1, size // 2)
    starts = list(range(0, n - size + 1, step))
    if starts[-1] + size < n:
        starts.append(n - size)
    return [(s, s + size) for s in starts]


def window_regions(
    stems: Sequence[U64],
    rare: Sequence[npt.NDArray[np.bool_]],
    pair_ok: Callable[[I64, I64], npt.NDArray[np.bool_]],
    *,
    window: int,
    min_shared: int,
    share: float,
    max_df: int | None = None,
    windowed: Sequence[bool] | None = None,
) -> dict[tuple[int, int], list[Rect]]:
    """Regions (a_t0, a_t1, b_t0, b_t1) of document pairs (a < b) where a window of
    `window` rare content tokens of one document has at least `min_shared` distinct
    stems, and `share` of its distinct stems, in the other.

    Args:
        stems: per document, the stem id of every token.
        rare: per document, which tokens are rare content words.
        pair_ok: vectorised filter of (window document, other document) index arrays.
        max_df: stems in more documents than this are left out of the index (the
            windows still count them in their size).
        windowed: which documents' windows are looked up (default all); the others are
            only found by them.
    """
    pos = [np.flatnonzero(r) for r in rare]
    counts = np.array([len(p) for p in pos], dtype=np.int64)
    if not counts.sum():
        return {}
    base = np.cumsum(counts) - counts
    tok_doc = np.repeat(np.arange(len(pos), dtype=np.int64), counts)
    tok_pos = np.concatenate(pos)
    vocab, sid = distinct_inverse(np.concatenate([st[p] for st, p in zip(stems, pos, strict=True)]))
    n_stems = np.int64(len(vocab))
    # Windows, as ranges [ws, we) of the concatenated rare tokens.
    spans = [
        (int(base[d]) + s, int(base[d]) + e)
        for d in range(len(pos))
        if windowed is None or windowed[d]
        for s, e in _windows(int(counts[d]), window)
    ]
    if not spans:
        return {}
    ws = np.array([x[0] for x in spans], dtype=np.int64)
    we = np.array([x[1] for x in spans], dtype=np.int64)
    wd, w = tok_doc[ws], len(spans)
    length = we - ws
    member = np.repeat(ws - (np.cumsum(length) - length), length) + np.arange(int(length.sum()))
    pairs = distinct(np.repeat(np.arange(w, dtype=np.int64), length) * n_stems + sid[member])
    w_row, w_sid = pairs // n_stems, pairs % n_stems
    w_size = np.bincount(w_row, minlength=w)
    w_first = np.searchsorted(w_row, np.arange(w + 1))
    # Inverted index: distinct (stem, document), sorted by stem.
    dpairs = distinct(sid * np.int64(len(pos)) + tok_doc)
    d_sid, d_doc = dpairs // len(pos), dpairs % len(pos)
    if max_df is not None:
        df = np.bincount(d_sid, minlength=int(n_stems))
        indexed = df[d_sid] <= max_df
        d_sid, d_doc = d_sid[indexed], d_doc[indexed]
    n_docs = np.int64(len(pos))
    index_keys = d_sid * n_docs + d_doc  # sorted: distinct (stem, document)
    # Prefix filter: a document sharing `need` of a window's `size` stems holds at least
    # `k` of any `size - need + k` of them; look up only that many of the window's
    # rarest stems, keep the documents holding `k` of those, then count exactly.
    need = np.maximum(min_shared, np.ceil(share * w_size)).astype(np.int64)
    k = np.minimum(2, need)
    prefix = w_size - need + k
    df = np.bincount(d_sid, minlength=int(n_stems))
    rank_key = np.where(df[w_sid] > 0, df[w_sid], np.iinfo(np.int64).max)
    order = np.lexsort((w_sid, rank_key, w_row))
    rank = np.empty(len(order), dtype=np.int64)
    rank[order] = np.arange(len(order)) - w_first[w_row[order]]
    probe = (rank < prefix[w_row]) & (need[w_row] <= w_size[w_row])
    p_row, p_sid = w_row[probe], w_sid[probe]
    lo = np.searchsorted(d_sid, p_sid, side="left")
    count = np.searchsorted(d_sid, p_sid, side="right") - lo
    hits_w, hits_d = [], []
    # The join expands every probed stem into the documents holding it: done a slice of
    # windows at a time (whole windows, about JOIN_CHUNK entries), so memory stays flat.
    cut = np.searchsorted(p_row, np.arange(0, w + 1, 1), side="left")
    before = np.concatenate([[0], np.cumsum(count)])[cut]  # join entries before each window
    first = 0
    while first < w:
        last = int(np.searchsorted(before[1:], before[first] + JOIN_CHUNK, side="right"))
        last = min(w, max(first + 1, last))
        a, b = cut[first], cut[last]
        cw, cd, hits = _join(p_row[a:b], lo[a:b], count[a:b], d_doc, wd, pair_ok, len(stems))
        cw, cd = cw[hits >= k[cw]], cd[hits >= k[cw]]
        shared = _held(cw, cd, w_first, w_sid, index_keys, n_docs)
        good = (shared >= min_shared) & (shared >= share * w_size[cw])
        hits_w.append(cw[good])
        hits_d.append(cd[good])
        first = last
    cw = np.concatenate(hits_w)
    cd = np.concatenate(hits_d)
    good = np.ones(len(cw), dtype=bool)
    doc_sid = [sid[base[d] : base[d] + counts[d]] for d in range(len(pos))]
    win_t0 = tok_pos[ws].tolist()
    win_t1 = (tok_pos[we - 1] + 1).tolist()
    # Runs of consecutive windows of one document that hit the same other document
    # are one stretch; its other side is the densest stretch of its stems there.
    runs: dict[tuple[int, int], list[list[int]]] = defaultdict(list)
    for win, other in sorted(
        zip(cw[good].tolist(), cd[good].tolist(), strict=True), key=lambda x: (x[1], x[0])
    ):
        key = (int(wd[win]), other)
        if runs[key] and runs[key][-1][-1] == win - 1:
            runs[key][-1].append(win)
        else:
            runs[key].append([win])
    found: dict[tuple[int, int], list[Rect]] = defaultdict(list)
    for (da, other), groups in runs.items():
        for run in groups:
            wanted = w_sid[w_first[run[0]] : w_first[run[-1] + 1]]
            a0, a1 = win_t0[run[0]], win_t1[run[-1]]
            n_rare = int(np.count_nonzero((pos[da] >= a0) & (pos[da] < a1)))
            b0, b1 = _densest(doc_sid[other], pos[other], wanted, 2 * n_rare + window)
            if da < other:
                found[(da, other)].append((a0, a1, b0, b1))
            else:
                found[(other, da)].append((b0, b1, a0, a1))
    return found


def _join(
    w_row: I64,
    lo: I64,
    count: I64,
    d_doc: I64,
    wd: I64,
    pair_ok: Callable[[I64, I64], npt.NDArray[np.bool_]],
    n_docs: int,
) -> tuple[I64, I64, I64]:
    """(window, document, shared stems) for a slice of window stems."""
    rows = np.repeat(w_row, count)
    idx = np.repeat(lo - (np.cumsum(count) - count), count) + np.arange(int(count.sum()))
    docs = d_doc[idx]
    keep = pair_ok(wd[rows], docs)
    codes, shared = distinct_counts(rows[keep] * np.int64(n_docs) + docs[keep])
    return codes // n_docs, codes % n_docs, shared


def _held(cw: I64, cd: I64, w_first: I64, w_sid: I64, index_keys: I64, n_docs: np.int64) -> I64:
    """How many of window `cw`'s stems document `cd` holds (indexed ones), for each pair."""
    size = w_first[cw + 1] - w_first[cw]
    row = np.repeat(np.arange(len(cw), dtype=np.int64), size)
    at = np.repeat(w_first[cw] - (np.cumsum(size) - size), size) + np.arange(int(size.sum()))
    keys = w_sid[at] * n_docs + cd[row]
    order = np.argsort(keys)
    pos = np.searchsorted(index_keys, keys[order])
    held = np.zeros(len(keys), dtype=bool)
    if len(index_keys):
        held[order] = index_keys[np.minimum(pos, len(index_keys) - 1)] == keys[order]
    return np.bincount(row[held], minlength=len(cw)).astype(np.int64)


def _densest(sids: I64, pos: I64, wanted: I64, span: int) -> tuple[int, int]:
    """The token range of at most `span` rare tokens of a document (whose stem ids are
    `sids`, at token positions `pos`) holding the most tokens whose stem is in `wanted`."""
    hits = pos[np.isin(sids, wanted)]
    if len(hits) == 0:
        return 0, 0
    ends = np.searchsorted(hits, hits + span, side="left")
    best = int(np.argmax(ends - np.arange(len(hits))))
    return int(hits[best]), int(hits[ends[best] - 1]) + 1
