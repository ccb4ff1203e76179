from __future__ import annotations

import numpy as np
import pytest
from datasketch import LeanMinHash, MinHash

from dedup.config import LSHConfig
from dedup.sketch import EMPTY, estimate_jaccard, permutations, signature, signatures, to_datasketch


def _set(seed: int, n: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return np.unique(rng.integers(0, 2**63, n, dtype=np.uint64))


def _datasketch(values: np.ndarray, num_perm: int, seed: int) -> MinHash:
    m = MinHash(num_perm=num_perm, seed=seed, hashfunc=lambda h: int(h) & 0xFFFFFFFF)
    m.update_batch(values.tolist())
    return m


@pytest.mark.parametrize(("num_perm", "seed"), [(128, 1), (64, 7), (256, 42)])
def test_permutations_are_datasketchs(num_perm: int, seed: int) -> None:
    ref = MinHash(num_perm=num_perm, seed=seed).permutations
    a, b = permutations(num_perm, seed)
    assert np.array_equal(ref[0], a)
    assert np.array_equal(ref[1], b)


@pytest.mark.parametrize(("num_perm", "seed", "n"), [(128, 1, 1000), (64, 7, 3), (256, 42, 5000)])
def test_signature_equals_datasketch_hashvalues(num_perm: int, seed: int, n: int) -> None:
    values = _set(seed, n)
    cfg = LSHConfig(num_perm=num_perm, seed=seed)
    assert np.array_equal(signature(values, cfg), _datasketch(values, num_perm, seed).hashvalues)


def test_jaccard_agrees_exactly_with_datasketch() -> None:
    cfg = LSHConfig()
    a, b = _set(1, 800), _set(2, 400)
    b = np.unique(np.concatenate([a[:300], b]))
    ours = estimate_jaccard(signature(a, cfg), signature(b, cfg))
    theirs = _datasketch(a, 128, 1).jaccard(_datasketch(b, 128, 1))
    lean = to_datasketch(signature(a, cfg), cfg)
    assert isinstance(lean, LeanMinHash)
    assert ours == theirs == lean.jaccard(to_datasketch(signature(b, cfg), cfg))


def test_batch_equals_one_by_one_and_handles_empty_sets() -> None:
    cfg = LSHConfig(num_perm=32)
    sets = [_set(i, 10 * i) for i in range(6)]  # the first is empty
    batch = signatures(sets, cfg)
    assert (batch[0] == EMPTY).all()
    for s, row in zip(sets, batch, strict=True):
        assert np.array_equal(signature(s, cfg), row)


def test_chunking_does_not_change_signatures(monkeypatch: pytest.MonkeyPatch) -> None:
    import dedup.sketch as sk

    cfg = LSHConfig(num_perm=16)
    sets = [_set(i, 37 * (i % 5)) for i in range(40)]
    whole = signatures(sets, cfg)
    monkeypatch.setattr(sk, "_CHUNK", 16 * 50)  # about 50 values a chunk
    assert np.array_equal(signatures(sets, cfg), whole)
