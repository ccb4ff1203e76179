"""MinHash signatures in batch, bit-for-bit compatible with datasketch 2.x.

The scheme is datasketch's default "affine32": the low 32 bits of each shingle hash
are pre-mixed with the 32-bit MurmurHash3 finaliser, then permutation k maps h to
`a_k * h + b_k mod 2**32`; the signature keeps the minimum per permutation. The
permutations are datasketch's own for the seed, so a signature loads as a
`datasketch.LeanMinHash` (see `to_datasketch`) and compares exactly with a
`datasketch.MinHash(num_perm, seed, hashfunc=lambda h: int(h) & 0xFFFFFFFF)` fed
the same shingle hashes.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from itertools import pairwise
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

from dedup.arrays import chunk_bounds
from dedup.config import LSHConfig

if TYPE_CHECKING:
    from datasketch import LeanMinHash

EMPTY = np.uint32(0xFFFFFFFF)
_MASK32 = np.uint64(0xFFFFFFFF)
_F = (np.uint32(16), np.uint32(0x85EBCA6B), np.uint32(13), np.uint32(0xC2B2AE35))

#: Elements per chunk of the (shingles x permutations) product, to bound memory.
_CHUNK = 1 << 20


@lru_cache(maxsize=8)
def permutations(num_perm: int, seed: int) -> tuple[npt.NDArray[np.uint32], npt.NDArray[np.uint32]]:
    """datasketch's affine32 permutation parameters `(a, b)` for `seed`."""
    gen = np.random.RandomState(seed)
    a = gen.randint(0, 1 << 31, num_perm, dtype=np.uint32) * np.uint32(2) + np.uint32(1)
    b = gen.randint(0, 1 << 32, num_perm, dtype=np.uint32)
    return a, b


def _fmix32(h: npt.NDArray[np.uint32]) -> npt.NDArray[np.uint32]:
    s16, m1, s13, m2 = _F
    h = h ^ (h >> s16)
    h = h * m1
    h = h ^ (h >> s13)
    h = h * m2
    return h ^ (h >> s16)


def signatures(sets: Sequence[npt.NDArray[np.uint64]], cfg: LSHConfig) -> npt.NDArray[np.uint32]:
    """MinHash signatures of many shingle sets at once: shape (len(sets), num_perm).

    The estimate of Jaccard J from two signatures has standard error
    sqrt(J(1-J)/num_perm). An empty set gets the all-0xFFFFFFFF signature, as an
    empty datasketch MinHash.

    Example:
        >>> cfg = LSHConfig(num_perm=64)
        >>> s = np.arange(100, dtype=np.uint64)
        >>> sig = signatures([s, s[:50], np.empty(0, np.uint64)], cfg)
        >>> sig.shape, bool((sig[2] == EMPTY).all())
        ((3, 64), True)
        >>> abs(estimate_jaccard(sig[0], sig[1]) - 0.5) <= 5 * (0.25 / 64) ** 0.5
        True
    """
    lengths = np.fromiter((len(s) for s in sets), dtype=np.int64, count=len(sets))
    flat = np.concatenate(sets) if len(sets) else np.empty(0, dtype=np.uint64)
    return flat_signatures(flat, lengths, cfg)


def flat_signatures(
    flat: npt.NDArray[np.uint64], lengths: npt.NDArray[np.int64], cfg: LSHConfig
) -> npt.NDArray[np.uint32]:
    """Signatures of consecutive runs of `flat`: run k has `lengths[k]` values.

    The same result as `signatures` on the split arrays, without building them.
    """
    a, b = permutations(cfg.num_perm, cfg.seed)
    out = np.full((len(lengths), cfg.num_perm), EMPTY, dtype=np.uint32)
    if not len(lengths):
        return out
    h = _fmix32((flat & _MASK32).astype(np.uint32))
    ends = np.cumsum(lengths)
    starts = ends - lengths
    # Chunks of whole runs, each about _CHUNK / num_perm values.
    for lo, hi in pairwise(chunk_bounds(ends, max(1, _CHUNK // cfg.num_perm))):
        rows = np.flatnonzero(lengths[lo:hi]) + lo
        if len(rows):
            base = int(starts[lo])
            part = h[base : int(ends[hi - 1])]
            # (permutations x shingles): the minimum runs along contiguous memory,
            # many times faster than reducing the transposed product.
            phv = np.multiply(a[:, None], part[None, :])
            np.add(phv, b[:, None], out=phv)
            out[rows] = np.minimum.reduceat(phv, starts[rows] - base, axis=1).T
    return out


def signature(shingle_set: npt.NDArray[np.uint64], cfg: LSHConfig) -> npt.NDArray[np.uint32]:
    """The MinHash signature of one shingle set (see `signatures`)."""
    sig: npt.NDArray[np.uint32] = signatures([shingle_set], cfg)[0]
    return sig


def estimate_jaccard(x: npt.NDArray[np.uint32], y: npt.NDArray[np.uint32]) -> float:
    """Share of equal positions: datasketch's `MinHash.jaccard` on the same values."""
    return float(np.count_nonzero(x == y)) / len(x)


def to_datasketch(sig: npt.NDArray[np.uint32], cfg: LSHConfig) -> LeanMinHash:
    """Load a signature as a `datasketch.LeanMinHash` (scheme affine32, same seed)."""
    from datasketch import LeanMinHash

    return LeanMinHash(seed=cfg.seed, hashvalues=sig, scheme="affine32")
