from __future__ import annotations

import numpy as np
import pytest

import dedup.bag as bag


def _brute_pairs(stems, rare, window, min_shared, share, max_df):
    """Document pairs some window of one shares enough rare stems with the other: the
    definition, by counting."""
    held = [set(s[r].tolist()) for s, r in zip(stems, rare, strict=True)]
    df: dict[int, int] = {}
    for h in held:
        for x in h:
            df[x] = df.get(x, 0) + 1
    out = set()
    for d, (s, r) in enumerate(zip(stems, rare, strict=True)):
        pos = np.flatnonzero(r)
        for w0, w1 in bag._windows(len(pos), window):
            words = set(s[pos[w0:w1]].tolist())
            for o, h in enumerate(held):
                shared = sum(1 for x in words if x in h and df[x] <= max_df)
                if o != d and shared >= min_shared and shared >= share * len(words):
                    out.add((min(d, o), max(d, o)))
    return out


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
    monkeypatch.setattr(bag, "JOIN_CHUNK", 5)  # the join a few windows at a time
    assert bag.window_regions(docs, rare, ok, **args) == found
