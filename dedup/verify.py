"""Exact verification of candidate pairs on their shingle sets."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from dedup.config import VerifyConfig


def overlap(a: npt.NDArray[np.uint64], b: npt.NDArray[np.uint64]) -> tuple[float, float]:
    """Exact Jaccard and containment of two sorted, distinct shingle sets.

    Containment is |A & B| / min(|A|, |B|): how much of the smaller set lies in the
    larger. Both are symmetric in `a` and `b`; empty sets give (0.0, 0.0).

    Example:
        >>> a = np.array([1, 2, 3, 4], dtype=np.uint64)
        >>> b = np.array([3, 4, 5, 6, 7, 8, 9, 10], dtype=np.uint64)
        >>> overlap(a, b)
        (0.2, 0.5)
    """
    if not len(a) or not len(b):
        return 0.0, 0.0
    inter = len(np.intersect1d(a, b, assume_unique=True))
    return inter / (len(a) + len(b) - inter), inter / min(len(a), len(b))


def accept(jaccard: float, containment: float, cfg: VerifyConfig) -> bool:
    """Whether a verified pair is reported under `cfg`."""
    if jaccard >= cfg.threshold:
        return True
    return cfg.containment > 0 and containment >= cfg.containment
