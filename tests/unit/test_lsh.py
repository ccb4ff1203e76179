from __future__ import annotations

import itertools

import numpy as np
import pytest
from datasketch.lsh import _optimal_param

from dedup.arrays import grouped
from dedup.config import LSHConfig
from dedup.lsh import Banding, banding, candidates, lsh_params


@pytest.mark.parametrize("threshold", [0.2, 0.35, 0.5, 0.7, 0.8, 0.9])
@pytest.mark.parametrize("weight", [0.5, 0.9])
def test_params_match_datasketch(threshold: float, weight: float) -> None:
    p = lsh_params(threshold, 128, weight)
    assert (p.bands, p.rows) == _optimal_param(threshold, 128, 1 - weight, weight)
    assert 0 <= p.false_positive < 0.3
    assert 0 <= p.false_negative < 0.2


@pytest.mark.parametrize("threshold", [0.3, 0.5, 0.7, 0.8])
def test_default_banding_finds_most_pairs_at_the_threshold(threshold: float) -> None:
    p = lsh_params(threshold, 128)
    assert p.probability(threshold) >= 0.85
    assert p.probability(0.02) < 0.05  # unrelated articles sit near J = 0.01


def test_explicit_banding() -> None:
    b = banding(LSHConfig(bands=16, rows=8))
    assert (b.bands, b.rows) == (16, 8)


def test_candidates_group_buckets_larger_than_two() -> None:
    sigs = np.array([[1, 1], [1, 1], [1, 1], [2, 2]], dtype=np.uint32)
    got = candidates(sigs, Banding(1, 2, 0, 0)).tolist()
    assert got == [[0, 1], [0, 2], [1, 2]]


def test_invalid_rows_never_pair() -> None:
    sigs = np.array([[1, 1], [1, 1], [1, 1]], dtype=np.uint32)
    valid = np.array([True, False, True])
    assert candidates(sigs, Banding(1, 2, 0, 0), valid).tolist() == [[0, 2]]


def test_no_candidates() -> None:
    sigs = np.arange(8, dtype=np.uint32).reshape(4, 2)
    assert candidates(sigs, Banding(2, 1, 0, 0)).shape == (0, 2)


def _brute(keys: np.ndarray, labels: np.ndarray | None, max_bucket: int | None) -> set:
    """Pairs of rows sharing a key in some band whose bucket is not too big, by
    definition."""
    out = set()
    for band in range(keys.shape[1]):
        buckets: dict[int, list[int]] = {}
        for row, key in enumerate(keys[:, band].tolist()):
            buckets.setdefault(key, []).append(row)
        for members in buckets.values():
            if max_bucket is not None and len(members) > max_bucket:
                continue
            for x in members:
                for y in members:
                    if x < y and (labels is None or labels[x] != labels[y]):
                        out.add((x, y))
    return out


@pytest.mark.parametrize("band_cells", [1 << 22, 7, 1])
def test_key_candidates_are_the_pairs_sharing_a_bucket(
    band_cells: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    from dedup import lsh

    monkeypatch.setattr(lsh, "BAND_CELLS", band_cells)  # bands a few at a time
    rng = np.random.default_rng(band_cells)
    keys = rng.integers(0, 6, size=(40, 5)).astype(np.uint64)  # buckets of all sizes
    keys[:, 3] = 7  # one band with a single bucket of every row
    keys[:, 1] = np.where(np.arange(40) < 20, 9, 1)  # its last bucket's key is the
    keys[:, 2] = 9  # first of the next band: still two buckets
    labels = rng.integers(0, 10, 40)
    for lab, cap in ((None, None), (labels, None), (labels, 8), (None, 3)):
        got = lsh.key_candidates(keys, labels=lab, max_bucket=cap)
        assert {tuple(p) for p in got.tolist()} == _brute(keys, lab, cap)
        assert got.tolist() == sorted(got.tolist())


@pytest.mark.parametrize("collide", [False, True])
def test_key_candidates_when_different_keys_share_their_top_bits(collide: bool) -> None:
    """Buckets are found by sorting the keys' top bits with the rows' positions below
    them: keys that differ only in those low bits must still not merge or split."""
    from dedup import lsh

    rng = np.random.default_rng(1)
    keys = rng.integers(0, 2**64, size=(300, 4), dtype=np.uint64)
    keys[1::3] = keys[0::3]  # buckets of two ...
    keys[2::9, 1] = keys[0::9, 1]  # ... and of three
    if collide:  # the same top bits, other low bits (300 rows: 9 bits of position)
        keys[5::10, 2] = (keys[0::10, 2] & ~np.uint64(511)) | np.uint64(7)
        keys[6::10, 2] = keys[0::10, 2]  # an equal key beyond them: one bucket still
    got = lsh.key_candidates(keys)
    assert {tuple(p) for p in got.tolist()} == _brute(keys, None, None)
    order, ordered = grouped(np.ascontiguousarray(keys.T))
    for band in range(keys.shape[1]):
        runs = ordered[band][np.r_[True, ordered[band][1:] != ordered[band][:-1]]]
        assert len(set(runs.tolist())) == len(runs)  # each key in one run
        assert np.array_equal(keys[order[band], band], ordered[band])


def test_candidate_codes_of_a_split_of_the_bands_merge_to_those_of_all() -> None:
    """The streaming scan groups a share of the bands in each worker and merges the
    codes: the merge must be `key_candidates` of every band."""
    from dedup import lsh
    from dedup.arrays import distinct

    rng = np.random.default_rng(3)
    keys = rng.integers(0, 5, size=(60, 7)).astype(np.uint64)
    valid = rng.random(60) > 0.1
    whole = lsh.key_candidates(keys, valid)
    assert len(whole) and not (~valid[whole]).any()
    for cuts in ([0, 7], [0, 1, 7], [0, 3, 4, 6, 7], list(range(8))):
        parts = [lsh.candidate_codes(keys[:, lo:hi], valid) for lo, hi in itertools.pairwise(cuts)]
        merged = lsh.decode_pairs(distinct(np.concatenate(parts)), len(keys))
        assert merged.tolist() == whole.tolist()
