"""LSH banding: signatures → candidate pairs, all in numpy."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import numpy.typing as npt

from dedup.arrays import distinct, grouped
from dedup.config import LSHConfig
from dedup.shingle import fmix64

_K = np.uint64(0x9E3779B97F4A7C15)


@dataclass(frozen=True, slots=True)
class Banding:
    """Bands and rows with the probabilities they imply at the threshold.

    `false_positive` and `false_negative` are datasketch's integrated
    probabilities: the area under the S-curve below the threshold, and above it.
    """

    bands: int
    rows: int
    false_positive: float
    false_negative: float

    def probability(self, jaccard: float) -> float:
        """Chance that a pair with this Jaccard becomes a candidate: 1 - (1 - J^r)^b."""
        return float(1.0 - (1.0 - jaccard**self.rows) ** self.bands)


def _area(f: npt.NDArray[np.float64], lo: float, hi: float) -> float:
    """Trapezoid integral of the sampled function on [lo, hi]."""
    return float(np.sum((f[1:] + f[:-1]) * 0.5) * (hi - lo) / (len(f) - 1))


def _probs(threshold: float, bands: int, rows: int) -> tuple[float, float]:
    lo = np.linspace(0.0, threshold, 257)
    hi = np.linspace(threshold, 1.0, 257)
    fp = _area(1 - (1 - lo**rows) ** bands, 0.0, threshold)
    fn = _area((1 - hi**rows) ** bands, threshold, 1.0)
    return fp, fn


#: Weight of false negatives when choosing bands and rows. Every candidate is
#: verified exactly, so a false positive costs only time while a false negative
#: loses a pair: the weights are 0.1 / 0.9 rather than datasketch's 0.5 / 0.5.
FALSE_NEGATIVE_WEIGHT = 0.9


@lru_cache(maxsize=64)
def lsh_params(
    threshold: float, num_perm: int, false_negative_weight: float = FALSE_NEGATIVE_WEIGHT
) -> Banding:
    """Bands and rows minimising the weighted sum of false positive and negative areas.

    The same criterion as datasketch's `MinHashLSH(weights=(1 - w, w))`.

    Example:
        >>> p = lsh_params(0.5, 128)
        >>> (p.bands, p.rows), round(p.probability(0.5), 2)
        ((32, 4), 0.87)
    """
    w = false_negative_weight
    best = (float("inf"), 1, 1, 0.0, 0.0)
    for bands in range(1, num_perm + 1):
        for rows in range(1, num_perm // bands + 1):
            fp, fn = _probs(threshold, bands, rows)
            err = (1 - w) * fp + w * fn
            if err < best[0]:
                best = (err, bands, rows, fp, fn)
    return Banding(best[1], best[2], best[3], best[4])


def banding(cfg: LSHConfig) -> Banding:
    """The banding a config asks for: explicit, or derived from its threshold."""
    if cfg.bands:
        fp, fn = _probs(cfg.threshold, cfg.bands, cfg.rows)
        return Banding(cfg.bands, cfg.rows, fp, fn)
    return lsh_params(cfg.threshold, cfg.num_perm)


def band_keys(sigs: npt.NDArray[np.uint32], band: Banding) -> npt.NDArray[np.uint64]:
    """One 64-bit key per (document, band): shape (n, bands). All bands at once: band
    i's key starts from i x K and mixes in its rows one at a time."""
    n = sigs.shape[0]
    block = sigs[:, : band.bands * band.rows].reshape(n, band.bands, band.rows)
    seeds = np.arange(band.bands, dtype=np.uint64) * _K
    h = np.repeat(seeds[None, :], n, axis=0)
    for col in range(band.rows):
        h = fmix64(h * _K + block[:, :, col].astype(np.uint64))
    return np.ascontiguousarray(h)


def candidates(
    sigs: npt.NDArray[np.uint32],
    band: Banding,
    valid: npt.NDArray[np.bool_] | None = None,
    *,
    labels: npt.NDArray[np.int64] | None = None,
    max_bucket: int | None = None,
) -> npt.NDArray[np.int64]:
    """Pairs of row indices that share at least one band key: shape (m, 2), i < j, sorted.

    Rows where `valid` is False (empty documents) never pair; nor do rows with equal
    `labels`. Buckets holding more than `max_bucket` rows are skipped (with None, none
    is).

    Example:
        >>> sigs = np.array([[1, 2, 3, 4], [1, 2, 9, 9], [7, 7, 7, 7]], dtype=np.uint32)
        >>> candidates(sigs, Banding(2, 2, 0.0, 0.0)).tolist()
        [[0, 1]]
    """
    return key_candidates(band_keys(sigs, band), valid, labels=labels, max_bucket=max_bucket)


def key_candidates(
    keys: npt.NDArray[np.uint64],
    valid: npt.NDArray[np.bool_] | None = None,
    *,
    labels: npt.NDArray[np.int64] | None = None,
    max_bucket: int | None = None,
) -> npt.NDArray[np.int64]:
    """`candidates` from band keys already made (`band_keys`): shape (rows, bands)."""
    codes = candidate_codes(keys, valid, labels=labels, max_bucket=max_bucket)
    return decode_pairs(codes, keys.shape[0])


def candidate_codes(
    keys: npt.NDArray[np.uint64],
    valid: npt.NDArray[np.bool_] | None = None,
    *,
    labels: npt.NDArray[np.int64] | None = None,
    max_bucket: int | None = None,
) -> npt.NDArray[np.int64]:
    """`key_candidates` as distinct sorted codes i * rows + j. The codes of a split of
    the bands (columns of `keys`), merged by `distinct`, are those of all the bands."""
    rows = np.arange(keys.shape[0], dtype=np.int64)
    n = np.int64(max(1, keys.shape[0]))
    if valid is not None:
        keys, rows = keys[valid], rows[valid]
    # Bands a group at a time: about BAND_CELLS keys each, so memory stays flat.
    step = max(1, BAND_CELLS // max(1, keys.shape[0]))
    found = [
        _bucket_pairs(keys[:, i : i + step], rows, n, labels, max_bucket)
        for i in range(0, keys.shape[1], step)
    ]
    return distinct(np.concatenate(found)) if found else np.empty(0, dtype=np.int64)


def decode_pairs(codes: npt.NDArray[np.int64], rows: int) -> npt.NDArray[np.int64]:
    """Codes i * rows + j as pairs (i, j): shape (m, 2)."""
    n = np.int64(max(1, rows))
    return np.stack([codes // n, codes % n], axis=1)


#: Band keys `key_candidates` sorts at once (bands of many rows go a few at a time).
BAND_CELLS = 1 << 22


def _bucket_pairs(
    keys: npt.NDArray[np.uint64],
    rows: npt.NDArray[np.int64],
    n: np.int64,
    labels: npt.NDArray[np.int64] | None,
    max_bucket: int | None,
) -> npt.NDArray[np.int64]:
    """All pairs inside each bucket of equal keys of one band (a column of `keys`),
    encoded as i * n + j (i < j), for all bands at once (duplicates kept).

    Vectorised per bucket size: all buckets of size s expand through one
    `triu_indices(s)`.
    """
    if keys.shape[0] < 2 or not keys.shape[1]:
        return np.empty(0, dtype=np.int64)
    # Each band sorted on its own, then the bands end to end. The order of rows inside a
    # bucket changes no pair (each is min * n + max).
    order, ordered = grouped(np.ascontiguousarray(keys.T))
    k = ordered.ravel()
    r = rows[order.ravel()]
    new = np.ones(len(k), dtype=bool)
    np.not_equal(k[1:], k[:-1], out=new[1:])
    new[:: keys.shape[0]] = True  # a band's first row starts a bucket
    starts = np.flatnonzero(new)
    sizes = np.diff(np.r_[starts, len(k)])
    shared = sizes > 1  # most buckets hold one row
    starts, sizes = starts[shared], sizes[shared]
    out: list[npt.NDArray[np.int64]] = []
    for size in np.unique(sizes).tolist():
        if max_bucket is not None and size > max_bucket:
            break
        i, j = np.triu_indices(size, k=1)
        base = starts[sizes == size][:, None]
        a, b = r[base + i].ravel(), r[base + j].ravel()
        if labels is not None:
            keep = labels[a] != labels[b]
            a, b = a[keep], b[keep]
        out.append(np.minimum(a, b) * n + np.maximum(a, b))
    return np.concatenate(out) if out else np.empty(0, dtype=np.int64)
