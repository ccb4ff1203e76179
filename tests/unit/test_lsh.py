from __future__ import annotations

import numpy as np
import pytest
from datasketch.lsh import _optimal_param

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
