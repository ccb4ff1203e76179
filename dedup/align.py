"""Token-level local alignment (Smith-Waterman), many pairs at once in numpy.

Tokens are compared by stem (exact match), then by skeleton (transliteration
variants such as ارنست / ايرنست). Each token carries an integer weight: how much an
exact match on it is worth (rare words more than words every document uses,
stopwords least); a near match is worth half. A linear gap penalty lets the
alignment skip inserted or deleted words; substitutions score as mismatches. Scores
are integers, so the dynamic programme and its traceback are exact.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, NamedTuple

import numpy as np
import numpy.typing as npt

from dedup.arrays import distinct_inverse

I64 = npt.NDArray[np.int64]
U64 = npt.NDArray[np.uint64]
#: Cells and scores of a programme: 16-bit integers where they fit, else 32-bit.
Ints = npt.NDArray[np.signedinteger[Any]]


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
    flags and match weights. A skeleton id is a function of the stem id (tokens of
    equal stems have equal skeletons), as `dedup.passages` makes them."""

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

    def swapped(self) -> Alignment:
        """The same alignment with the roles of the two sequences exchanged."""
        return Alignment(
            self.b_start,
            self.b_end,
            self.a_start,
            self.a_end,
            self.score,
            self.b_matched,
            self.a_matched,
            self.content_matches,
        )


def score_matrix(a: TokenSeq, b: TokenSeq, s: Scoring = Scoring()) -> npt.NDArray[np.int32]:
    """Pairwise token scores, shape (len(a), len(b)): the smaller weight for an exact
    match, half of it for a near match of content words, else the mismatch penalty
    (the definition; `align_spans` computes the same on codes, many pairs at once)."""
    w = np.minimum(a.weights[:, None], b.weights[None, :])
    near = (a.skels[:, None] == b.skels[None, :]) & a.content[:, None] & b.content[None, :]
    out = np.full((len(a), len(b)), s.mismatch, dtype=np.int32)
    np.copyto(out, w // 2, where=near)
    np.copyto(out, w, where=a.stems[:, None] == b.stems[None, :])
    return out


def align(a: TokenSeq, b: TokenSeq, scoring: Scoring = Scoring()) -> Alignment | None:
    """The best-scoring local alignment of `a` and `b`, or None if nothing matches.

    Symmetric: `align(b, a)` is the same alignment with the roles swapped (the
    shorter sequence is always the row dimension of the programme). Deterministic on
    ties (the first best end cell in row-major order; in the traceback a diagonal step
    before an upward one before a leftward one).

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
    return align_many([(a, b)], scoring)[0]


#: Cells of the dynamic programme `align_spans` fills at once (bounds its memory).
BATCH_CELLS = 1 << 19

#: Cells of the programmes `align_spans` keeps to trace back together. Their buffers
#: (8 MiB each in 16-bit integers) then come from the heap and are reused: at 1 << 24,
#: 32 MiB and more, they were fresh memory every time, which this virtual machine is slow
#: to fault in (10,000 articles in one process: 172,000 page faults and 4.6-5.0 s in
#: `align_spans`, against 4,700 and 3.7-3.9 s; the same on 2,000 articles).
TRACE_CELLS = 1 << 22


def align_many(
    pairs: list[tuple[TokenSeq, TokenSeq]], scoring: Scoring = Scoring()
) -> list[Alignment | None]:
    """`align` of many pairs, the same alignments, computed together (`align_spans`
    of the pairs' sequences laid end to end).

    Example:
        >>> def seq(words):
        ...     ids = np.array([ord(w) for w in words], dtype=np.uint64)
        ...     n = len(words)
        ...     return TokenSeq(ids, ids, np.ones(n, dtype=bool), np.full(n, UNIT, np.int32))
        >>> x, y, z = seq("abcdef"), seq("zbcXefw"), seq("qq")
        >>> [al if al is None else (al.a_start, al.a_end, al.matches)
        ...  for al in align_many([(x, y), (x, z), (y, x)])]
        [(1, 6, 4), None, (1, 6, 4)]
    """
    if not pairs:
        return []
    seqs = [s for pair in pairs for s in pair]
    lens = np.array([len(s) for s in seqs], dtype=np.int64)
    start = np.cumsum(lens) - lens
    end = start + lens
    whole = TokenSeq(
        np.concatenate([s.stems for s in seqs]),
        np.concatenate([s.skels for s in seqs]),
        np.concatenate([s.content for s in seqs]),
        np.concatenate([s.weights for s in seqs]),
    )
    spans = np.stack([start[0::2], end[0::2], start[1::2], end[1::2]], axis=1)
    return align_spans(coded(whole), spans, scoring)


class Coded(NamedTuple):
    """Tokens end to end as `align_spans` reads them: stem ids (for the tie rule),
    dense numbers of stems and of skeletons (0, 1, ... in id order: equal numbers are
    equal ids), the skeleton numbers of content words (-1 for other words), content
    flags and weights."""

    stems: U64
    exact: npt.NDArray[np.int32]
    skel: npt.NDArray[np.int32]
    near: npt.NDArray[np.int32]
    content: npt.NDArray[np.bool_]
    weights: npt.NDArray[np.int32]


def coded(seq: TokenSeq) -> Coded:
    """`Coded` tokens of a sequence (many documents' tokens end to end; fewer than
    2**31 distinct stems)."""
    _, exact = distinct_inverse(seq.stems)
    _, skel = distinct_inverse(seq.skels)
    skel32 = skel.astype(np.int32)
    return Coded(
        seq.stems,
        exact.astype(np.int32),
        skel32,
        np.where(seq.content, skel32, -1),
        seq.content,
        seq.weights.astype(np.int32, copy=False),
    )


class Sides(NamedTuple):
    """Which side of each pair of token ranges is the programme's rows (`programme_sides`):
    the pairs with tokens on both sides (indices into the input), whether each is flipped
    (B's range the rows), and the rows' and columns' starts and lengths."""

    where: I64
    flipped: npt.NDArray[np.bool_]
    row_start: I64
    rows: I64
    col_start: I64
    cols: I64


def programme_sides(codes: Coded, spans: I64) -> Sides:
    """For each row (a0, a1, b0, b1) of `spans` with tokens on both sides: the shorter
    range is the rows, and on equal lengths the one of smaller stem bytes (the tie rule
    that makes `align` symmetric)."""
    spans = np.asarray(spans, dtype=np.int64).reshape(-1, 4)
    a_len, b_len = spans[:, 1] - spans[:, 0], spans[:, 3] - spans[:, 2]
    swap = a_len > b_len
    st = codes.stems
    for k, (a0, a1, b0, b1) in zip(
        np.flatnonzero(a_len == b_len).tolist(), spans[a_len == b_len].tolist(), strict=True
    ):
        swap[k] = st[a0:a1].tobytes() > st[b0:b1].tobytes()
    where = np.flatnonzero((a_len > 0) & (b_len > 0))
    return Sides(
        where,
        swap[where],
        np.where(swap, spans[:, 2], spans[:, 0])[where],
        np.minimum(a_len, b_len)[where],
        np.where(swap, spans[:, 0], spans[:, 2])[where],
        np.maximum(a_len, b_len)[where],
    )


def align_spans(codes: Coded, spans: I64, scoring: Scoring = Scoring()) -> list[Alignment | None]:
    """`align` of ranges of the coded tokens: for each row (a0, a1, b0, b1) of `spans`,
    of tokens `[a0, a1)` against `[b0, b1)` (offsets in the alignment are from a0 and b0).

    Pairs of similar shape are padded into one three-dimensional programme, filled a row
    at a time for all of them, and traced back together (numpy's per-call cost, not the
    cells, is what a single short alignment spends its time on); in 16-bit integers
    where no score of the batch can pass them."""
    out: list[Alignment | None] = [None] * len(spans)
    where, flipped_a, r0, n_rows, c0, n_cols = programme_sides(codes, spans)
    flipped = flipped_a.tolist()
    where_l = where.tolist()
    # Pairs of like shape go together (lengths binned in powers of two), so that
    # little of a batch is padding.
    bins = _size_bin(n_rows) * 1000 + _size_bin(n_cols)
    order = np.lexsort((n_cols, n_rows, bins)).tolist()
    chunks: list[list[int]] = []
    start = 0
    while start < len(order):
        stop, big_m = start + 1, int(n_cols[order[start]])
        while stop < len(order):
            big_n, wider = int(n_rows[order[stop]]), max(big_m, int(n_cols[order[stop]]))
            if (stop + 1 - start) * (big_n + 1) * (wider + 1) > BATCH_CELLS or (
                bins[order[stop]] != bins[order[start]]
            ):
                break
            stop, big_m = stop + 1, wider
        chunks.append(order[start:stop])
        start = stop
    chunks = _merge_small(chunks, n_rows, n_cols)
    # Programmes are filled into one buffer and traced back together, TRACE_CELLS at a time.
    shapes = [(int(n_rows[c].max()), int(n_cols[c].max()), len(c)) for c in chunks]
    top = int(codes.weights.max()) if len(codes.weights) else 0
    first = 0
    while first < len(chunks):
        last, cells, most = first, 0, 0
        while last < len(chunks) and (last == first or cells <= TRACE_CELLS):
            n, m, count = shapes[last]
            cells += (n + 1) * (m + 1) * count
            # A cell is at most every row matched plus its ramp (every row's and every
            # column's gap), and one step more.
            most = max(most, top * (n + 1) + scoring.gap * (n + m + 2) - scoring.mismatch)
            last += 1
        dtype = np.int16 if most < _INT16_SAFE else np.int32
        flat_h: Ints = np.empty(cells, dtype=dtype)
        flat_s: Ints = np.empty(sum(n * m * c for n, m, c in shapes[first:last]), dtype=dtype)
        filled, at_h, at_s = [], 0, 0
        for chunk, (n, m, count) in zip(chunks[first:last], shapes[first:last], strict=True):
            h = flat_h[at_h : at_h + (n + 1) * (m + 1) * count].reshape(n + 1, m + 1, count)
            sub = flat_s[at_s : at_s + n * m * count].reshape(n, m, count)
            filled.append(
                _fill(
                    codes, (r0[chunk], n_rows[chunk]), (c0[chunk], n_cols[chunk]), h, sub, scoring
                )
            )
            at_h, at_s = at_h + h.size, at_s + sub.size
        lanes = np.array([k for c in chunks[first:last] for k in c], dtype=np.int64)
        found = _trace(filled, flat_h, flat_s, scoring, codes.content, r0[lanes], c0[lanes])
        for k, al in zip(lanes.tolist(), found, strict=True):
            out[where_l[k]] = al.swapped() if al is not None and flipped[k] else al
        first = last
    return out


#: Cells of a batch in 16-bit integers stay below this (a score plus one step's
#: score or gap fits in int16).
_INT16_SAFE = 32000


#: What a batch of `align_spans` costs besides its cells, in cells: per batch, and per
#: row of its programme (numpy's per-call cost; measured on this machine's numpy).
_BATCH_COST, _ROW_COST = 3000, 400


def _merge_small(chunks: list[list[int]], n_rows: I64, n_cols: I64) -> list[list[int]]:
    """Neighbouring batches (in the order of their shapes) merged where one padded
    batch costs less than the two: few pairs of unlike shape are cheaper together, as a
    batch's cost is mostly per call and per row until it holds many cells."""

    def cost(n: int, m: int, count: int) -> int:
        return _BATCH_COST + n * (_ROW_COST + m * count)

    out: list[list[int]] = []
    shapes: list[tuple[int, int, int]] = []
    for c in chunks:
        n, m = int(n_rows[c].max()), int(n_cols[c].max())
        if out:
            pn, pm, pc = shapes[-1]
            big_n, big_m, count = max(n, pn), max(m, pm), pc + len(c)
            if (big_n + 1) * (big_m + 1) * count <= BATCH_CELLS and cost(
                big_n, big_m, count
            ) <= cost(n, m, len(c)) + cost(pn, pm, pc):
                out[-1] = out[-1] + c
                shapes[-1] = (big_n, big_m, count)
                continue
        out.append(c)
        shapes.append((n, m, len(c)))
    return out


def _size_bin(n: I64) -> I64:
    """Bins of sequence lengths by powers of two (short lengths share one)."""
    bins: I64 = np.floor(np.log2(np.maximum(n, 8))).astype(np.int64)
    return bins


def _gathered(
    codes: Coded, start: I64, lens: I64, width: int, side: int, dtype: type
) -> tuple[npt.NDArray[np.int32], npt.NDArray[np.int32], Ints]:
    """Exact codes, near codes and weights of token ranges `[start, start + lens)`,
    shape (width, count): position k of range q at [k, q]. Padding, and the near code
    of words that are not content words, are -1 on side 0 and -2 on side 1 (never equal
    across sides); padding weighs 0."""
    k = np.arange(width, dtype=np.int64)[:, None]
    valid = k < lens[None, :]
    at = start[None, :] + k
    pad = np.int32(-1 - side)
    exact = np.where(valid, codes.exact.take(at, mode="clip"), pad)
    near = codes.near.take(at, mode="clip")
    near = np.where(valid & (near >= 0), near, pad)
    weights: Ints = np.where(valid, codes.weights.take(at, mode="clip"), 0).astype(dtype)
    return exact, near, weights


class _Filled(NamedTuple):
    """A padded programme of pairs, laid out (row, column, pair): its cells, scores
    (plus two gaps each), and each pair's best cell and score."""

    h: Ints
    sub: Ints
    i: I64
    j: I64
    best: I64


def _fill(
    codes: Coded,
    rows: tuple[I64, I64],
    cols: tuple[I64, I64],
    h: Ints,
    sub: Ints,
    scoring: Scoring,
) -> _Filled:
    """The programme of pairs of token ranges (starts, lengths) whose rows are the
    shorter side, padded to one shape and laid out (row, column, pair) so that every
    step works on contiguous memory: cells into `h`, shape (rows + 1, columns + 1,
    pairs), scores plus two gaps into `sub` (of `h`'s integer type).

    Padding holds codes no token has (a different one on each side) and weighs 0, so a
    padded cell scores at most 0: padded cells come after the real ones in both
    directions and are worth no more than a real cell before them, so neither the
    programme of a real pair, nor its best cell (the first best), nor its traceback
    ever involves them."""
    dt = h.dtype.type
    count = len(rows[0])
    n, m = h.shape[0] - 1, h.shape[1] - 1
    sa, ka, wa = _gathered(codes, rows[0], rows[1], n, 0, dt)
    sb, kb, wb = _gathered(codes, cols[0], cols[1], m, 1, dt)
    # The smaller weight for an exact match, half of it for a near match of content
    # words, else the mismatch penalty (`score_matrix`).
    w = np.minimum(wa[:, None, :], wb[None, :, :])
    sub.fill(scoring.mismatch)
    np.copyto(sub, w >> 1, where=ka[:, None, :] == kb[None, :, :])
    np.copyto(sub, w, where=sa[:, None, :] == sb[None, :, :])
    # The cells are filled as g = h + gap x (row + column): a step down or right then
    # costs nothing (the best cell before each one in its row is a running maximum), a
    # diagonal step adds the score and two gaps, and a cell is at least its ramp, gap x
    # (row + column), where h is 0. Turned back into h at the end.
    gap = dt(scoring.gap)
    ramp = (np.arange(n + 1, dtype=dt)[:, None] + np.arange(m + 1, dtype=dt)[None, :]) * gap
    h[0] = ramp[0, :, None]
    h[:, 0] = ramp[:, 0, None]
    sub += dt(2 * scoring.gap)  # each score plus two gaps: what a diagonal step adds to g
    e = np.empty((m, count), dtype=dt)
    for i in range(1, n + 1):
        prev = h[i - 1]
        np.add(prev[:-1], sub[i - 1], out=e)
        np.maximum(e, prev[1:], out=e)
        np.maximum(e, ramp[i, 1:, None], out=e)
        np.maximum.accumulate(e, axis=0, out=h[i, 1:])
    h -= ramp[:, :, None]
    flat = h.reshape(-1, count)
    end = np.argmax(flat, axis=0)
    best = flat[end, np.arange(count)]
    return _Filled(h, sub, end // (m + 1), end % (m + 1), best.astype(np.int64))


def _trace(
    batches: list[_Filled],
    flat_h: Ints,
    flat_s: Ints,
    scoring: Scoring,
    content: npt.NDArray[np.bool_],
    r0: I64,
    c0: I64,
) -> list[Alignment | None]:
    """The alignments of programmes filled one after another into `flat_h` and
    `flat_s` (scores plus two gaps, as `_fill` leaves them), traced back all at once,
    one step of each per iteration, through flat indices into those buffers (`r0`,
    `c0`: where each pair's row and column ranges start among the tokens `content`
    flags)."""
    counts = [f.h.shape[2] for f in batches]
    lane = np.concatenate([np.arange(c, dtype=np.int64) for c in counts])
    col_h = np.repeat(np.array([f.h.shape[1] for f in batches], dtype=np.int64), counts)
    col_s = col_h - 1
    width = np.repeat(np.array(counts, dtype=np.int64), counts)
    h_base = np.repeat(np.cumsum([0] + [f.h.size for f in batches])[:-1], counts)
    s_base = np.repeat(np.cumsum([0] + [f.sub.size for f in batches])[:-1], counts)
    i = np.concatenate([f.i for f in batches])
    j = np.concatenate([f.j for f in batches])
    best = np.concatenate([f.best for f in batches])
    a_end, b_end = i.copy(), j.copy()
    # Strides: a row up, a column left, in the cells and in the scores.
    up_h, left = col_h * width, width
    up_s = col_s * width
    at_h = h_base + (i * col_h + j) * width + lane
    at_s = s_base + ((i - 1) * col_s + (j - 1)) * width + lane
    count = len(lane)
    # Traceback of every alignment at once: one step of each per iteration, on arrays
    # of the alignments still under way (compacted as they finish).
    act = np.flatnonzero(best > 0)
    ci, cj, ph, ps = i[act], j[act], at_h[act], at_s[act]
    uh, lh, us = up_h[act], left[act], up_s[act]
    hit_b: list[npt.NDArray[np.int64]] = []
    hit_i: list[npt.NDArray[np.int64]] = []
    hit_j: list[npt.NDArray[np.int64]] = []
    while len(act):
        hv = flat_h[ph]
        go = (ci > 0) & (cj > 0) & (hv > 0)
        if not go.all():
            i[act[~go]], j[act[~go]] = ci[~go], cj[~go]
            act, ci, cj, ph, ps, hv = act[go], ci[go], cj[go], ph[go], ps[go], hv[go]
            uh, lh, us = uh[go], lh[go], us[go]
            if not len(act):
                break
        s = flat_s[ps] - 2 * scoring.gap
        diag = hv == flat_h[ph - uh - lh] + s
        hit = diag & (s > 0)
        hit_b.append(act[hit])
        hit_i.append(ci[hit] - 1)
        hit_j.append(cj[hit] - 1)
        upward = ~diag & (hv == flat_h[ph - uh] - scoring.gap)
        di, dj = diag | upward, diag | ~upward
        ci = ci - di
        cj = cj - dj
        ph = ph - di * uh - dj * lh
        ps = ps - di * us - dj * lh
    mb = np.concatenate(hit_b) if hit_b else np.empty(0, np.int64)
    mi = np.concatenate(hit_i) if hit_i else np.empty(0, np.int64)
    mj = np.concatenate(hit_j) if hit_j else np.empty(0, np.int64)
    o = np.lexsort((mi, mb))
    mb, mi, mj = mb[o], mi[o], mj[o]
    both = content[r0[mb] + mi] & content[c0[mb] + mj]
    content_n = np.bincount(mb, weights=both, minlength=count)
    cut = np.searchsorted(mb, np.arange(count + 1)).tolist()
    best_l, i_l, j_l = best.tolist(), i.tolist(), j.tolist()
    ae_l, be_l = a_end.tolist(), b_end.tolist()
    content_l = content_n.astype(np.int64).tolist()
    out: list[Alignment | None] = []
    for k in range(count):
        if best_l[k] <= 0:
            out.append(None)
            continue
        out.append(
            Alignment(
                i_l[k],
                ae_l[k],
                j_l[k],
                be_l[k],
                best_l[k],
                mi[cut[k] : cut[k + 1]],
                mj[cut[k] : cut[k + 1]],
                content_l[k],
            )
        )
    return out
