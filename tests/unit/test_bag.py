from __future__ import annotations

import numpy as np
import pytest

import dedup.bag as bag


def _windows(n: int, size: int) -> list[tuple[int, int]]:
    """Half-overlapping windows of `size` over `n` items (one window if n <= size), one
    document at a time: the definition `bag._window_spans` computes for all at once."""
    if n <= size:
        return [(0, n)] if n else []
    step = max(1, size // 2)
    starts = list(range(0, n - size + 1, step))
    if starts[-1] + size < n:
        starts.append(n - size)
    return [(s, s + size) for s in starts]


def _brute_hits(stems, rare, window, min_shared, share, max_df):
    """(document, window, other document) where the window of one shares enough rare
    stems with the other: the definition, by counting."""
    held = [set(s[r].tolist()) for s, r in zip(stems, rare, strict=True)]
    df: dict[int, int] = {}
    for h in held:
        for x in h:
            df[x] = df.get(x, 0) + 1
    out = set()
    for d, (s, r) in enumerate(zip(stems, rare, strict=True)):
        pos = np.flatnonzero(r)
        for w0, w1 in _windows(len(pos), window):
            words = set(s[pos[w0:w1]].tolist())
            for o, h in enumerate(held):
                shared = sum(1 for x in words if x in h and df[x] <= max_df)
                if o != d and shared >= min_shared and shared >= share * len(words):
                    out.add((d, (w0, w1), o))
    return out


def _brute_pairs(stems, rare, window, min_shared, share, max_df):
    hits = _brute_hits(stems, rare, window, min_shared, share, max_df)
    return {(min(d, o), max(d, o)) for d, _, o in hits}


def _densest(sids, pos, wanted, span):
    """Of the tokens at `pos` whose stem is wanted, the one starting the token range
    of `span` holding most of them (the first such), and the range to the last."""
    hits = pos[np.isin(sids, wanted)]
    if len(hits) == 0:
        return 0, 0
    ends = np.searchsorted(hits, hits + span, side="left")
    best = int(np.argmax(ends - np.arange(len(hits))))
    return int(hits[best]), int(hits[ends[best] - 1]) + 1


def _brute_regions(stems, rare, window, **args):
    """Each run of consecutive windows of a document hitting one other document, and
    the densest stretch of the run's stems in the other, one run at a time."""
    hits = _brute_hits(stems, rare, window, **args)
    runs: dict[tuple[int, int], list[list[tuple[int, int]]]] = {}
    for d in range(len(stems)):
        wins = _windows(int(rare[d].sum()), window)
        for o in range(len(stems)):
            for k, w in enumerate(wins):
                if (d, w, o) not in hits:
                    continue
                got = runs.setdefault((d, o), [])
                if got and got[-1][-1] == wins[k - 1]:
                    got[-1].append(w)
                else:
                    got.append([w])
    out: dict[tuple[int, int], list[tuple[int, int, int, int]]] = {}
    for (d, o), rs in runs.items():
        pos, opos = np.flatnonzero(rare[d]), np.flatnonzero(rare[o])
        for run in rs:
            r0, r1 = run[0][0], run[-1][1]
            wanted = stems[d][pos[r0:r1]]
            a0, a1 = int(pos[r0]), int(pos[r1 - 1]) + 1
            b0, b1 = _densest(stems[o][opos], opos, wanted, 2 * (r1 - r0) + window)
            key, rect = ((d, o), (a0, a1, b0, b1)) if d < o else ((o, d), (b0, b1, a0, a1))
            out.setdefault(key, []).append(rect)
    return {k: sorted(v) for k, v in out.items()}


@pytest.mark.parametrize("seed", range(4))
def test_window_regions_finds_exactly_the_pairs_that_share_enough(
    seed: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    rng = np.random.default_rng(seed)
    docs = [rng.integers(0, 400, int(rng.integers(5, 80))).astype(np.uint64) for _ in range(40)]
    for _ in range(15):  # shuffled copies of stretches of other documents
        src = docs[int(rng.integers(0, len(docs)))]
        start = int(rng.integers(0, max(1, len(src) - 20)))
        piece = rng.permutation(src[start : start + 20])
        host = int(rng.integers(0, len(docs)))
        at = int(rng.integers(0, len(docs[host]) + 1))
        docs[host] = np.concatenate([docs[host][:at], piece, docs[host][at:]])
    rare = [rng.random(len(d)) < 0.8 for d in docs]

    def ok(x: np.ndarray, y: np.ndarray) -> np.ndarray:
        return np.asarray(x != y)

    args = {"window": 12, "min_shared": 6, "share": 0.7, "max_df": 12}
    found = bag.window_regions(docs, rare, ok, **args)
    want = _brute_pairs(docs, rare, **args)
    assert len(want) > 5
    assert set(found) == want
    assert {k: sorted(v) for k, v in found.items()} == _brute_regions(docs, rare, **args)
    monkeypatch.setattr(bag, "JOIN_CHUNK", 5)  # the join a few windows at a time
    assert bag.window_regions(docs, rare, ok, **args) == found
