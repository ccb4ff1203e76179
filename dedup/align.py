"""Token-level local alignment (Smith-Waterman), vectorised row by row with numpy.

Tokens are compared by stem (exact match), then by skeleton (transliteration
variants such as ارنست / ايرنست). Each token carries an integer weight: how much an
exact match on it is worth (rare words more than words every document uses,
stopwords least); a near match is worth half. A linear gap penalty lets the
alignment skip inserted or deleted words; substitutions score as mismatches. Scores
are integers, so the dynamic programme and its traceback are exact.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

I64 = npt.NDArray[np.int64]
U64 = npt.NDArray[np.uint64]


#: The weight of a full-value word match; weights are integers in [0, UNIT].
UNIT = 16


@dataclass(frozen=True, slots=True)
class Scoring:
    """Penalties of the alignment, in the units of token weights."""

    mismatch: int = -6
    gap: int = 6


@dataclass(frozen=True, slots=True)
class TokenSeq:
    """What the aligner needs of a token sequence: stem ids, skeleton ids, content
    flags and match weights."""

    stems: U64
    skels: U64
    content: npt.NDArray[np.bool_]
    weights: npt.NDArray[np.int32]

    def __len__(self) -> int:
        return len(self.stems)

    def slice(self, start: int, end: int) -> TokenSeq:
        """The tokens `[start, end)`."""
        return TokenSeq(
            self.stems[start:end],
            self.skels[start:end],
            self.content[start:end],
            self.weights[start:end],
        )


@dataclass(frozen=True, slots=True)
class Alignment:
    """Best local alignment: token ranges `[a_start, a_end)`, `[b_start, b_end)` and the
    matched token index pairs (exact or near) inside them."""

    a_start: int
    a_end: int
    b_start: int
    b_end: int
    score: int
    a_matched: I64
    b_matched: I64
    content_matches: int

    @property
    def matches(self) -> int:
        """Number of aligned token pairs that match (exactly or nearly)."""
        return len(self.a_matched)


def score_matrix(a: TokenSeq, b: TokenSeq, s: Scoring = Scoring()) -> npt.NDArray[np.int32]:
    """Pairwise token scores, shape (len(a), len(b)): the smaller weight for an exact
    match, half of it for a near match of content words, else the mismatch penalty."""
    w = np.minimum(a.weights[:, None], b.weights[None, :])
    exact = a.stems[:, None] == b.stems[None, :]
    near = (a.skels[:, None] == b.skels[None, :]) & a.content[:, None] & b.content[None, :]
    out = np.where(exact, w, np.where(near, w // 2, s.mismatch)).astype(np.int32)
    return out


def align(a: TokenSeq, b: TokenSeq, scoring: Scoring = Scoring()) -> Alignment | None:
    """The best-scoring local alignment of `a` and `b`, or None if nothing matches.

    Symmetric: `align(b, a)` is the same alignment with the roles swapped (the
    shorter sequence is always the row dimension, which is also what keeps the
    row-by-row programme fast). Deterministic on ties (the first best end cell in
    row-major order).

    Example:
        >>> def seq(words):
        ...     ids = np.array([ord(w) for w in words], dtype=np.uint64)
        ...     n = len(words)
        ...     return TokenSeq(ids, ids, np.ones(n, dtype=bool), np.full(n, UNIT, np.int32))
        >>> x = seq("a b c d e f".split())
        >>> y = seq("z b c X e f w".split())
        >>> al = align(x, y)
        >>> (al.a_start, al.a_end, al.b_start, al.b_end, al.matches)
        (1, 6, 1, 6, 4)
    """
    n, m = len(a), len(b)
    if not n or not m:
        return None
    if n > m or (n == m and _key(a) > _key(b)):
        al = _align(b, a, scoring)
        if al is None:
            return None
        return Alignment(
            al.b_start,
            al.b_end,
            al.a_start,
            al.a_end,
            al.score,
            al.b_matched,
            al.a_matched,
            al.content_matches,
        )
    return _align(a, b, scoring)


def _key(x: TokenSeq) -> bytes:
    return x.stems.tobytes()


def _align(a: TokenSeq, b: TokenSeq, scoring: Scoring) -> Alignment | None:
    n, m = len(a), len(b)
    sub = score_matrix(a, b, scoring)
    h = np.zeros((n + 1, m + 1), dtype=np.int32)
    ramp = np.arange(1, m + 1, dtype=np.int32) * scoring.gap
    # sub + ramp and -gap + ramp precomputed, so that each row is four in-place ufuncs:
    # e = max(diag + sub, up - gap, 0) + ramp; row = running max of e, minus ramp.
    sub += ramp
    up_ramp = ramp - scoring.gap
    e = np.empty(m, dtype=np.int32)
    up = np.empty(m, dtype=np.int32)
    for i in range(1, n + 1):
        prev = h[i - 1]
        np.add(prev[:-1], sub[i - 1], out=e)
        np.add(prev[1:], up_ramp, out=up)
        np.maximum(e, up, out=e)
        np.maximum(e, ramp, out=e)
        row = h[i, 1:]
        np.maximum.accumulate(e, out=row)
        row -= ramp
    sub -= ramp
    end = int(np.argmax(h))
    i, j = divmod(end, m + 1)
    best = int(h[i, j])
    if best <= 0:
        return None
    a_end, b_end = i, j
    am: list[int] = []
    bm: list[int] = []
    while i > 0 and j > 0 and h[i, j] > 0:
        if h[i, j] == h[i - 1, j - 1] + sub[i - 1, j - 1]:
            if sub[i - 1, j - 1] > 0:
                am.append(i - 1)
                bm.append(j - 1)
            i, j = i - 1, j - 1
        elif h[i, j] == h[i - 1, j] - scoring.gap:
            i -= 1
        else:
            j -= 1
    a_matched = np.array(am[::-1], dtype=np.int64)
    b_matched = np.array(bm[::-1], dtype=np.int64)
    content = int(np.count_nonzero(a.content[a_matched] & b.content[b_matched]))
    return Alignment(i, a_end, j, b_end, best, a_matched, b_matched, content)
