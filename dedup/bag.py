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

from dedup.arrays import distinct, distinct_counts, distinct_inverse, member, ranges

I64 = npt.NDArray[np.int64]
U64 = npt.NDArray[np.uint64]
Rect = tuple[int, int, int, int]

#: Entries of the window × document join computed at once: the join's arrays (8 bytes an
#: entry) then stay well under glibc's 32 MiB ceiling for serving memory from the heap,
#: which reuses it; larger ones are fresh memory every time, and faulting that in cost
#: this virtual machine as much as the join itself (1 << 22 on 10,000 articles: the
#: search 2.1-2.3 s, 415,000-433,000 page faults; 1 << 20: 1.4-1.5 s, 244,000-269,000).
JOIN_CHUNK = 1 << 20


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
    ws, we = _window_spans(counts, base, window, windowed)
    if not len(ws):
        return {}
    wd, w = tok_doc[ws], len(ws)
    length = we - ws
    member = ranges(ws, length)
    pairs = distinct(np.repeat(np.arange(w, dtype=np.int64), length) * n_stems + sid[member])
    w_row, w_sid = pairs // n_stems, pairs % n_stems
    w_size = np.bincount(w_row, minlength=w)
    w_first = np.concatenate([[0], np.cumsum(w_size)])
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
    # Each window's stems by (df, stem), stems of no indexed document last: `pairs` is
    # sorted by (window, stem), so a stable sort by (window, df) orders them so.
    rank_key = np.where(df[w_sid] > 0, df[w_sid], n_docs + 1)
    order = np.argsort(w_row * (n_docs + 2) + rank_key, kind="stable")
    rank = np.empty(len(order), dtype=np.int64)
    rank[order] = np.arange(len(order)) - w_first[w_row[order]]
    probe = (rank < prefix[w_row]) & (need[w_row] <= w_size[w_row])
    p_row, p_sid = w_row[probe], w_sid[probe]
    # The join counts the probed stems a document holds; its other indexed stems are
    # looked up once the join has found the document.
    rest = ~probe & (df[w_sid] > 0)
    r_sid = w_sid[rest]
    r_first = np.concatenate([[0], np.cumsum(np.bincount(w_row[rest], minlength=w))])
    count = df[p_sid]  # d_sid is sorted: a stem's documents are df of them from its first
    lo = (np.cumsum(df) - df)[p_sid]
    hits_w, hits_d = [], []
    # The join expands every probed stem into the documents holding it: done a slice of
    # windows at a time (whole windows, about JOIN_CHUNK entries), so memory stays flat.
    cut = np.concatenate([[0], np.cumsum(np.bincount(p_row, minlength=w))])
    before = np.concatenate([[0], np.cumsum(count)])[cut]  # join entries before each window
    first = 0
    while first < w:
        last = int(np.searchsorted(before[1:], before[first] + JOIN_CHUNK, side="right"))
        last = min(w, max(first + 1, last))
        a, b = cut[first], cut[last]
        cw, cd, hits = _join(p_row[a:b], lo[a:b], count[a:b], d_doc, wd, pair_ok, len(stems))
        found_k = hits >= k[cw]
        cw, cd = cw[found_k], cd[found_k]
        shared = hits[found_k] + _held(cw, cd, r_first, r_sid, index_keys, n_docs)
        good = (shared >= min_shared) & (shared >= share * w_size[cw])
        hits_w.append(cw[good])
        hits_d.append(cd[good])
        first = last
    cw = np.concatenate(hits_w)
    cd = np.concatenate(hits_d)
    found: dict[tuple[int, int], list[Rect]] = defaultdict(list)
    stretches = _stretches(cw, cd, wd, ws, we, w_first, w_sid, tok_pos, base, counts, sid, window)
    for da, other, a0, a1, b0, b1 in stretches.tolist():
        if da < other:
            found[(da, other)].append((a0, a1, b0, b1))
        else:
            found[(other, da)].append((b0, b1, a0, a1))
    return found


def _window_spans(
    counts: I64, base: I64, size: int, windowed: Sequence[bool] | None
) -> tuple[I64, I64]:
    """Half-overlapping windows of `size` over every (windowed) document's rare tokens
    (one window if it has `size` or fewer; a last window flush with its end), as ranges
    [ws, we) of all documents' rare tokens end to end (`base[d]` is where document d's
    start)."""
    docs = np.flatnonzero(counts > 0)
    if windowed is not None:
        docs = docs[np.asarray(windowed, dtype=bool)[docs]]
    n = counts[docs]
    step = max(1, size // 2)
    long = n > size
    steps = np.where(long, (n - size) // step + 1, 1)
    extra = long & ((steps - 1) * step + size < n)  # a last window flush with the end
    total = steps + extra
    doc = np.repeat(np.arange(len(docs)), total)
    k = np.arange(int(total.sum())) - np.repeat(np.cumsum(total) - total, total)
    start = np.where(k < steps[doc], k * step, n[doc] - size)
    end = np.where(long[doc], start + size, n[doc])
    b = base[docs][doc]
    return (b + start).astype(np.int64), (b + end).astype(np.int64)


def _stretches(
    cw: I64,
    cd: I64,
    wd: I64,
    ws: I64,
    we: I64,
    w_first: I64,
    w_sid: I64,
    tok_pos: I64,
    base: I64,
    counts: I64,
    sid: I64,
    window: int,
) -> I64:
    """Rows (document, other document, a_t0, a_t1, b_t0, b_t1) of the windows `cw`
    that hit documents `cd`: runs of consecutive windows of one document that hit the
    same other document are one stretch, and its other side is the densest stretch
    there of the run's stems: of the other document's rare tokens whose stem is one of
    them, the window of `span` tokens (twice the run's rare tokens, plus `window`) that
    starts at one and holds the most (the first such). All runs at once."""
    if not len(cw):
        return np.empty((0, 6), dtype=np.int64)
    n_win = np.int64(len(ws))
    key = np.sort(cd * n_win + cw)
    cd, cw = key // n_win, key % n_win
    new = np.ones(len(key), dtype=bool)
    new[1:] = (cd[1:] != cd[:-1]) | (cw[1:] != cw[:-1] + 1) | (wd[cw[1:]] != wd[cw[:-1]])
    at = np.flatnonzero(new)
    first, last, other = cw[at], cw[np.r_[at[1:], len(key)] - 1], cd[at]
    a0, a1 = tok_pos[ws[first]], tok_pos[we[last] - 1] + 1
    span = 2 * (we[last] - ws[first]) + window  # the run's rare tokens in A, twice, + window
    runs = np.int64(len(at))
    # Each run's stems, and the other document's rare tokens whose stem is one of them.
    n_stems = np.int64(int(sid.max()) + 1)
    size = w_first[last + 1] - w_first[first]
    wanted = np.sort(
        np.repeat(np.arange(runs), size) * n_stems + w_sid[ranges(w_first[first], size)]
    )
    tok = ranges(base[other], counts[other])
    run = np.repeat(np.arange(runs), counts[other])
    probe = run * n_stems + sid[tok]
    held = member(wanted, probe)
    run, hits = run[held], tok_pos[tok[held]]  # by run, then position
    big = np.int64(int(tok_pos.max()) + int(span.max()) + 1)
    spot = run * big + hits
    ends = np.searchsorted(spot, spot + span[run], side="left")
    gain = ends - np.arange(len(spot))
    b0 = np.zeros(runs, dtype=np.int64)
    b1 = np.zeros(runs, dtype=np.int64)
    if len(spot):
        starts = np.flatnonzero(np.r_[True, run[1:] != run[:-1]])
        most = np.maximum.reduceat(gain, starts)
        top = np.flatnonzero(gain == np.repeat(most, np.diff(np.r_[starts, len(gain)])))
        best = top[np.r_[True, run[top[1:]] != run[top[:-1]]]]  # the first best per run
        b0[run[best]] = hits[best]
        b1[run[best]] = hits[ends[best] - 1] + 1
    return np.stack([wd[first], other, a0, a1, b0, b1], axis=1)


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
    """How many of window `cw`'s stems (`w_sid[w_first[cw]:w_first[cw + 1]]`) document
    `cd` holds (indexed ones), for each pair."""
    size = w_first[cw + 1] - w_first[cw]
    row = np.repeat(np.arange(len(cw), dtype=np.int64), size)
    keys = w_sid[ranges(w_first[cw], size)] * n_docs + cd[row]
    order = np.argsort(keys)
    pos = np.searchsorted(index_keys, keys[order])
    held = np.zeros(len(keys), dtype=bool)
    if len(index_keys):
        held[order] = index_keys[np.minimum(pos, len(index_keys) - 1)] == keys[order]
    return np.bincount(row[held], minlength=len(cw)).astype(np.int64)
