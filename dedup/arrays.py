"""Small numpy helpers used on hot paths."""

from __future__ import annotations

from typing import TypeVar

import numpy as np
import numpy.typing as npt

T = TypeVar("T", bound=np.generic)


def distinct(values: npt.NDArray[T]) -> npt.NDArray[T]:
    """Sorted distinct values: `np.unique` without its hash-based path, which numpy 2.x
    takes for plain calls and which is many times slower on large integer arrays.

    Example:
        >>> distinct(np.array([3, 1, 3, 2], dtype=np.uint64)).tolist()
        [1, 2, 3]
    """
    if len(values) < 2:
        return values.copy()
    # Not a stable sort: equal values are indistinguishable, and it is many times faster.
    s = np.sort(values)
    keep = np.empty(len(s), dtype=bool)
    keep[0] = True
    np.not_equal(s[1:], s[:-1], out=keep[1:])
    return s[keep]


def distinct_counts(values: npt.NDArray[T]) -> tuple[npt.NDArray[T], npt.NDArray[np.int64]]:
    """Sorted distinct values and how often each occurs.

    Example:
        >>> v, n = distinct_counts(np.array([3, 1, 3], dtype=np.int64))
        >>> v.tolist(), n.tolist()
        ([1, 3], [1, 2])
    """
    if not len(values):
        return values.copy(), np.empty(0, dtype=np.int64)
    # Not a stable sort: equal values are indistinguishable, and it is many times faster.
    s = np.sort(values)
    starts = np.flatnonzero(np.r_[True, s[1:] != s[:-1]])
    return s[starts], np.diff(np.r_[starts, len(s)]).astype(np.int64)


def distinct_inverse(values: npt.NDArray[T]) -> tuple[npt.NDArray[T], npt.NDArray[np.int64]]:
    """Sorted distinct values and, for each input value, its index among them:
    `np.unique(values, return_inverse=True)` in one unstable argsort (numpy's takes a
    slower path for the inverse).

    Example:
        >>> v, inv = distinct_inverse(np.array([7, 5, 7], dtype=np.uint64))
        >>> v.tolist(), inv.tolist()
        ([5, 7], [1, 0, 1])
    """
    if not len(values):
        return values.copy(), np.empty(0, dtype=np.int64)
    order = np.argsort(values)
    s = values[order]
    new = np.empty(len(s), dtype=bool)
    new[0] = True
    np.not_equal(s[1:], s[:-1], out=new[1:])
    inv = np.empty(len(s), dtype=np.int64)
    inv[order] = np.cumsum(new) - 1
    return s[new], inv
