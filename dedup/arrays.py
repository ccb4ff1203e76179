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


def ranges(start: npt.NDArray[np.int64], length: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
    """The indices start[r], ..., start[r] + length[r] - 1 of every r, end to end.

    Example:
        >>> ranges(np.array([5, 0, 9]), np.array([2, 0, 3])).tolist()
        [5, 6, 9, 10, 11]
    """
    out: npt.NDArray[np.int64] = np.repeat(start - (np.cumsum(length) - length), length)
    return out + np.arange(int(length.sum()))


def chunk_bounds(ends: npt.NDArray[np.int64], size: int) -> list[int]:
    """Where to cut consecutive runs (`ends`: each run's cumulative end, nondecreasing)
    into chunks of whole runs holding about `size` values each: 0, the run after each
    multiple of `size` is reached, and the number of runs; distinct and sorted.

    Example:
        >>> chunk_bounds(np.cumsum([3, 3, 3, 3]), 5)
        [0, 2, 4]
        >>> chunk_bounds(np.cumsum([3, 3]), 100), chunk_bounds(np.empty(0, np.int64), 5)
        ([0, 2], [0])
    """
    total = int(ends[-1]) if len(ends) else 0
    cuts = np.searchsorted(ends, np.arange(size, total, size)) + 1
    return sorted({0, *cuts.tolist(), len(ends)})


def member(table: npt.NDArray[T], values: npt.NDArray[T]) -> npt.NDArray[np.bool_]:
    """Which values are in `table` (sorted).

    Example:
        >>> member(np.array([2, 5, 9]), np.array([5, 1, 9, 10])).tolist()
        [True, False, True, False]
    """
    if not len(table):
        return np.zeros(len(values), dtype=bool)
    pos = np.minimum(np.searchsorted(table, values), len(table) - 1)
    return np.asarray(table[pos] == values)


def distinct_inverse(values: npt.NDArray[T]) -> tuple[npt.NDArray[T], npt.NDArray[np.int64]]:
    """Sorted distinct values and, for each input value, its index among them:
    `np.unique(values, return_inverse=True)`, faster.

    Hash values (uint64, spread evenly) are found among the sorted distinct ones by
    their top bits, as in a hash table: a bucket per distinct value, each value then
    stepping forward to its own (a few steps at most; `_MAX_BUCKET` bounds them, or the
    general path is taken). Other values take one unstable argsort (numpy's own inverse
    takes a slower path).

    Example:
        >>> v, inv = distinct_inverse(np.array([7, 5, 7], dtype=np.uint64))
        >>> v.tolist(), inv.tolist()
        ([5, 7], [1, 0, 1])
    """
    if not len(values):
        return values.copy(), np.empty(0, dtype=np.int64)
    if values.dtype == np.uint64:
        vocab = distinct(values)
        inv = _bucket_lookup(vocab, values)  # type: ignore[arg-type]
        if inv is not None:
            return vocab, inv
    order = np.argsort(values)
    s = values[order]
    new = np.empty(len(s), dtype=bool)
    new[0] = True
    np.not_equal(s[1:], s[:-1], out=new[1:])
    inv = np.empty(len(s), dtype=np.int64)
    inv[order] = np.cumsum(new) - 1
    return s[new], inv


#: Most distinct values one bucket of `_bucket_lookup` may hold.
_MAX_BUCKET = 32

#: Values `_bucket_lookup` finds at once. Arrays of 32 MiB or more come from `mmap`,
#: fresh every time, and faulting fresh memory in is slow on virtual machines (10,000
#: articles' passage words: 94,000 page faults when every value was looked up at once).
LOOKUP_CHUNK = 1 << 20


def _bucket_lookup(
    vocab: npt.NDArray[np.uint64], values: npt.NDArray[np.uint64]
) -> npt.NDArray[np.int64] | None:
    """Index of each value in `vocab` (sorted, distinct, holding every value), or None
    when the values are not spread evenly enough (a bucket over `_MAX_BUCKET`). About
    one bucket per distinct value, at most 2**24 buckets (their table stays small)."""
    k = min(24, max(1, len(vocab).bit_length()))
    shift = np.uint64(64 - k)
    top = vocab >> shift
    starts = np.searchsorted(top, np.arange((1 << k) + 1, dtype=np.uint64))
    if int(np.diff(starts).max()) > _MAX_BUCKET:
        return None
    out = np.empty(len(values), dtype=np.int64)
    # A slice of the values at a time, so that the temporary arrays stay small enough
    # to be reused (larger ones would be fresh memory every time: `LOOKUP_CHUNK`).
    for lo in range(0, len(values), LOOKUP_CHUNK):
        part = values[lo : lo + LOOKUP_CHUNK]
        pos = out[lo : lo + LOOKUP_CHUNK]
        np.take(starts, (part >> shift).astype(np.int64), out=pos)
        todo = np.flatnonzero(vocab[pos] != part)
        while len(todo):  # at most _MAX_BUCKET rounds
            pos[todo] += 1
            todo = todo[vocab[pos[todo]] != part[todo]]
    return out


def grouped(rows: npt.NDArray[np.uint64]) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.uint64]]:
    """Each row's values in an order where equal values sit side by side, with their
    positions: `np.argsort(rows, axis=-1)` and the values taken in that order, up to the
    order inside runs of equal values (1-D or 2-D, row by row).

    A sort of each value's top bits with its position in the low bits, several times
    faster than an argsort. Two different values that share their top bits could end up
    interleaved (one run cut in two): a row where neighbours show it, rarely, is
    argsorted instead.

    Example:
        >>> order, values = grouped(np.array([7, 3, 7, 1], dtype=np.uint64))
        >>> values.tolist(), sorted(order.tolist())
        ([1, 3, 7, 7], [0, 1, 2, 3])
    """
    if rows.ndim == 1:
        order, values = grouped(rows[None, :])
        return order[0], values[0]
    width = rows.shape[1]
    bits = max(1, (width - 1).bit_length())
    if bits > 40:  # too few bits left for the values
        order = np.argsort(rows, axis=1).astype(np.int64, copy=False)
        return order, np.take_along_axis(rows, order, axis=1)
    low = np.uint64((1 << bits) - 1)
    packed = rows & ~low
    packed |= np.arange(width, dtype=np.uint64)
    packed.sort(axis=1)
    packed &= low
    order = packed.view(np.int64)  # positions, below 2**40
    values = np.take_along_axis(rows, order, axis=1)
    step = values[:, 1:] ^ values[:, :-1]  # nonzero where a run ends; top bits equal below low
    mixed = (step <= low) & (step != 0)
    for row in np.flatnonzero(mixed.any(axis=1)).tolist():
        order[row] = np.argsort(rows[row])
        values[row] = rows[row][order[row]]
    return order, values


def every_character() -> str:
    """Every code point, U+0000 to U+10FFFF (surrogates too), as one string in order,
    for per-character tables built by passes of `str` and `re` (decoded from an array:
    `"".join(map(chr, ...))` takes ten times as long)."""
    return np.arange(0x110000, dtype="<u4").tobytes().decode("utf-32-le", "surrogatepass")
