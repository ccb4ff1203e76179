"""The numpy helpers against numpy's own (slower) functions."""

from __future__ import annotations

import numpy as np
import pytest

from dedup import arrays
from dedup.arrays import distinct, distinct_counts, distinct_inverse, every_character


def _check(values: np.ndarray) -> None:
    v, inv = distinct_inverse(values)
    want_v, want_inv = np.unique(values, return_inverse=True)
    assert v.dtype == values.dtype
    assert v.tolist() == want_v.tolist()
    assert inv.tolist() == want_inv.ravel().tolist()
    assert distinct(values).tolist() == want_v.tolist()
    dv, dn = distinct_counts(values)
    assert dv.tolist() == want_v.tolist()
    assert dn.tolist() == np.unique(values, return_counts=True)[1].tolist()


@pytest.mark.parametrize("n_distinct", [1, 2, 7, 1000, 50_000])
def test_hash_values_take_the_bucket_path_and_match_numpy(
    n_distinct: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    rng = np.random.default_rng(n_distinct)
    vocab = rng.integers(0, 2**64 - 1, n_distinct, dtype=np.uint64, endpoint=True)
    values = vocab[rng.integers(0, n_distinct, 20 * n_distinct + 5)]
    took = []
    real = arrays._bucket_lookup

    def spy(v: np.ndarray, x: np.ndarray) -> np.ndarray | None:
        out = real(v, x)
        took.append(out is not None)
        return out

    monkeypatch.setattr(arrays, "_bucket_lookup", spy)
    _check(values)
    assert took == [True]


@pytest.mark.parametrize("chunk", [1, 7, 1000])
def test_hash_values_looked_up_a_slice_at_a_time_match_numpy(
    chunk: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(arrays, "LOOKUP_CHUNK", chunk)
    rng = np.random.default_rng(chunk)
    vocab = rng.integers(0, 2**64 - 1, 3000, dtype=np.uint64, endpoint=True)
    values = vocab[rng.integers(0, 3000, 20_000)]
    assert arrays._bucket_lookup(distinct(values), values) is not None
    _check(values)


def test_bunched_values_fall_back_to_sorting() -> None:
    # Small integers all share the top bits: one bucket far over _MAX_BUCKET.
    values = np.random.default_rng(0).integers(0, 500, 5000).astype(np.uint64)
    assert arrays._bucket_lookup(distinct(values), values) is None
    _check(values)


def test_extremes_and_other_types() -> None:
    _check(np.array([2**64 - 1, 0, 2**63, 2**64 - 1, 0], dtype=np.uint64))
    _check(np.array([5], dtype=np.uint64))
    _check(np.array([3, -1, 3, 2], dtype=np.int64))
    v, inv = distinct_inverse(np.empty(0, dtype=np.uint64))
    assert len(v) == 0 and len(inv) == 0


@pytest.mark.parametrize(
    ("n_docs", "n_items", "n_groups"), [(60, 50, 25), (100_000, 1_000_000, 100_000)]
)
def test_group_frequency_counts_groups_holding_each_item(
    n_docs: int, n_items: int, n_groups: int
) -> None:
    # The second case packs (item, group) into 64 bits: more than 2**32 combinations.
    from dedup.passages import group_frequency

    rng = np.random.default_rng(n_docs)
    vocab = rng.integers(0, 2**64 - 1, n_items, dtype=np.uint64, endpoint=True)
    size = 40 if n_docs < 100 else 4
    docs = [vocab[rng.integers(0, n_items, int(rng.integers(0, size)))] for _ in range(n_docs)]
    labels = rng.permutation(n_groups)[rng.integers(0, n_groups, n_docs)] * 1000 + 7
    groups = [int(g) for g in labels]  # sparse labels
    v, df, inv = group_frequency(docs, groups)
    holders: dict[int, set[int]] = {}
    for d, g in zip(docs, groups, strict=True):
        for x in d.tolist():
            holders.setdefault(x, set()).add(g)
    assert v.tolist() == sorted(holders)
    assert df.tolist() == [len(holders[x]) for x in v.tolist()]
    assert v[inv].tolist() == np.concatenate(docs).tolist()


def test_few_buckets_for_many_values_still_find_every_value(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Many values per bucket (as past 2**24 distinct values): found, or sorted instead.
    rng = np.random.default_rng(5)
    values = rng.integers(0, 2**64 - 1, 4000, dtype=np.uint64, endpoint=True)
    vocab = distinct(values)
    real_min = min

    def small(a: int, b: int) -> int:
        return real_min(a, b, 8)  # 256 buckets for 4,000 values: about 16 a bucket

    monkeypatch.setattr(arrays, "min", small, raising=False)
    got = arrays._bucket_lookup(vocab, values)
    if got is not None:
        assert vocab[got].tolist() == values.tolist()
    _check(values)


@pytest.mark.parametrize("size", [1, 2, 5, 7, 1000])
def test_chunk_bounds_cut_whole_runs_after_each_multiple(size: int) -> None:
    from dedup.arrays import chunk_bounds

    lengths = np.array([3, 0, 4, 1, 0, 6, 2, 2, 0], dtype=np.int64)
    ends = np.cumsum(lengths)
    bounds = chunk_bounds(ends, size)
    assert bounds[0] == 0 and bounds[-1] == len(lengths)
    assert bounds == sorted(set(bounds))
    # Plainly: after each multiple of size, the chunk ends at the run reaching it.
    want = {0, len(lengths)}
    for target in range(size, int(ends[-1]), size):
        want.add(next(k for k, e in enumerate(ends.tolist()) if e >= target) + 1)
    assert bounds == sorted(want)


def test_grouped_puts_equal_values_side_by_side_even_when_top_bits_collide() -> None:
    from dedup.arrays import grouped

    rng = np.random.default_rng(0)
    # Values that share their top bits and differ in the bits the positions take (4
    # values: 2 bits), so that equal values interleave with others: 5, 4, 5, 6.
    for values in (
        np.array([5, 4, 5, 6], dtype=np.uint64),
        rng.integers(0, 8, size=1000).astype(np.uint64) | np.uint64(1 << 63),
        rng.integers(0, 2**64, size=1000, dtype=np.uint64),
        np.empty(0, dtype=np.uint64),
        np.array([9], dtype=np.uint64),
    ):
        order, ordered = grouped(values)
        assert sorted(order.tolist()) == list(range(len(values)))  # every position once
        assert np.array_equal(values[order], ordered)
        starts = ordered[np.r_[True, ordered[1:] != ordered[:-1]]] if len(ordered) else ordered
        assert len(set(starts.tolist())) == len(starts)  # each value in one run
    rows = rng.integers(0, 2**64, size=(3, 50), dtype=np.uint64)
    rows[1, 7] = (rows[1, 3] & ~np.uint64(63)) | np.uint64(1)  # one row with a collision
    rows[1, 9] = rows[1, 3]
    order, ordered = grouped(rows)
    assert np.array_equal(np.take_along_axis(rows, order, axis=1), ordered)
    assert np.array_equal(np.sort(rows, axis=1), np.sort(ordered, axis=1))
    for row in ordered:
        starts = row[np.r_[True, row[1:] != row[:-1]]]
        assert len(set(starts.tolist())) == len(starts)


def test_every_character_is_every_code_point_in_order() -> None:
    every = every_character()
    assert len(every) == 0x110000
    for c in (0, 0x41, 0x627, 0xD800, 0xDFFF, 0xFFFF, 0x10000, 0x10FFFF):
        assert every[c] == chr(c)
