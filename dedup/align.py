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
from typing import NamedTuple

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
    match, half of it for a near match of content words, else the mismatch penalty."""
    out = np.empty((len(a), len(b)), dtype=np.int32)
    _scores(
        (a.stems[:, None], a.skels[:, None], a.content[:, None], a.weights[:, None]),
        (b.stems[None, :], b.skels[None, :], b.content[None, :], b.weights[None, :]),
        s,
        out,
    )
    return out


Columns = tuple[U64, U64, npt.NDArray[np.bool_], npt.NDArray[np.int32]]


def _scores(a: Columns, b: Columns, s: Scoring, out: npt.NDArray[np.int32]) -> None:
    """`score_matrix` of (stems, skeletons, content, weights) arrays that broadcast
    against each other, written into `out`."""
    (sa, ka, ca, wa), (sb, kb, cb, wb) = a, b
    w = np.minimum(wa, wb)
    out.fill(s.mismatch)
    np.copyto(out, w // 2, where=(ka == kb) & ca & cb)
    np.copyto(out, w, where=sa == sb)


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


def _key(x: TokenSeq) -> bytes:
    return x.stems.tobytes()


#: Stems of the padding in `align_many`, one per side. Padding weighs 0, so even a
#: word hashed to one of these never makes a padded cell score.
_PAD_A, _PAD_B = 0xFFFFFFFFFFFFFFFF, 0xFFFFFFFFFFFFFFFE

#: Cells of the dynamic programme `align_many` fills at once (bounds its memory).
BATCH_CELLS = 1 << 19

#: Cells of the programmes `align_many` keeps to trace back together.
TRACE_CELLS = 1 << 24


def align_many(
    pairs: list[tuple[TokenSeq, TokenSeq]], scoring: Scoring = Scoring()
) -> list[Alignment | None]:
    """`align` of many pairs, the same alignments, computed together: pairs of similar
    shape are padded into one three-dimensional programme, filled a row at a time for
    all of them, and traced back together (numpy's per-call cost, not the cells, is
    what a single short alignment spends its time on).

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
    out: list[Alignment | None] = [None] * len(pairs)
    rows: list[TokenSeq] = []
    cols: list[TokenSeq] = []
    flipped: list[bool] = []
    where: list[int] = []
    for k, (a, b) in enumerate(pairs):
        n, m = len(a), len(b)
        if not n or not m:
            continue
        swap = n > m or (n == m and _key(a) > _key(b))
        rows.append(b if swap else a)
        cols.append(a if swap else b)
        flipped.append(swap)
        where.append(k)
    n_rows = np.array([len(x) for x in rows], dtype=np.int64)
    n_cols = np.array([len(y) for y in cols], dtype=np.int64)
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
    first = 0
    while first < len(chunks):
        last, cells = first, 0
        while last < len(chunks) and (last == first or cells <= TRACE_CELLS):
            n, m, count = shapes[last]
            cells += (n + 1) * (m + 1) * count
            last += 1
        flat_h = np.empty(cells, dtype=np.int32)
        flat_s = np.empty(sum(n * m * c for n, m, c in shapes[first:last]), dtype=np.int32)
        filled, at_h, at_s = [], 0, 0
        for chunk, (n, m, count) in zip(chunks[first:last], shapes[first:last], strict=True):
            h = flat_h[at_h : at_h + (n + 1) * (m + 1) * count].reshape(n + 1, m + 1, count)
            sub = flat_s[at_s : at_s + n * m * count].reshape(n, m, count)
            filled.append(
                _fill([rows[k] for k in chunk], [cols[k] for k in chunk], h, sub, scoring)
            )
            at_h, at_s = at_h + h.size, at_s + sub.size
        found = _trace(filled, flat_h, flat_s, scoring)
        for k, al in zip((k for c in chunks[first:last] for k in c), found, strict=True):
            out[where[k]] = al.swapped() if al is not None and flipped[k] else al
        first = last
    return out


#: What a batch of `align_many` costs besides its cells, in cells: per batch, and per
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


def _padded(
    seqs: list[TokenSeq], width: int, pad: int
) -> tuple[U64, U64, npt.NDArray[np.bool_], npt.NDArray[np.int32]]:
    """Stems, skeletons, content flags and weights of sequences, shape (width, count):
    padded with stem and skeleton `pad`, not content, weight 0."""
    lens = np.array([len(s) for s in seqs], dtype=np.int64)
    valid = np.arange(width)[:, None] < lens[None, :]
    # Position k of sequence q sits at [k, q]: fill in column-major order of valid.
    at = np.flatnonzero(valid.T.ravel())
    cells = (at % width) * len(seqs) + at // width
    stems = np.full(width * len(seqs), pad, dtype=np.uint64)
    skels = np.full(width * len(seqs), pad, dtype=np.uint64)
    content = np.zeros(width * len(seqs), dtype=bool)
    weights = np.zeros(width * len(seqs), dtype=np.int32)
    stems[cells] = np.concatenate([s.stems for s in seqs])
    skels[cells] = np.concatenate([s.skels for s in seqs])
    content[cells] = np.concatenate([s.content for s in seqs])
    weights[cells] = np.concatenate([s.weights for s in seqs])
    shape = (width, len(seqs))
    return (
        stems.reshape(shape),
        skels.reshape(shape),
        content.reshape(shape),
        weights.reshape(shape),
    )


class _Filled(NamedTuple):
    """A padded programme of pairs, laid out (row, column, pair): its cells, scores,
    content flags, and each pair's best cell and score."""

    h: npt.NDArray[np.int32]
    sub: npt.NDArray[np.int32]
    ca: npt.NDArray[np.bool_]
    cb: npt.NDArray[np.bool_]
    i: I64
    j: I64
    best: I64


def _fill(
    a: list[TokenSeq],
    b: list[TokenSeq],
    h: npt.NDArray[np.int32],
    sub: npt.NDArray[np.int32],
    scoring: Scoring,
) -> _Filled:
    """The programme of pairs whose rows are the shorter side, padded to one shape and
    laid out (row, column, pair) so that every step works on contiguous memory: cells
    into `h`, shape (rows + 1, columns + 1, pairs), scores into `sub`.

    Padding holds stems no token has (a different one on each side) and weighs 0, so a
    padded cell scores at most 0: padded cells come after the real ones in both
    directions and are worth no more than a real cell before them, so neither the
    programme of a real pair, nor its best cell (the first best), nor its traceback
    ever involves them."""
    count = len(a)
    n, m = h.shape[0] - 1, h.shape[1] - 1
    sa, ka, ca, wa = _padded(a, n, _PAD_A)
    sb, kb, cb, wb = _padded(b, m, _PAD_B)
    _scores(
        (sa[:, None, :], ka[:, None, :], ca[:, None, :], wa[:, None, :]),
        (sb[None, :, :], kb[None, :, :], cb[None, :, :], wb[None, :, :]),
        scoring,
        sub,
    )
    h[0] = 0
    h[:, 0] = 0
    ramp = (np.arange(1, m + 1, dtype=np.int32) * scoring.gap)[:, None]
    up_ramp = ramp - scoring.gap
    ramped = sub + ramp
    e = np.empty((m, count), dtype=np.int32)
    up = np.empty((m, count), dtype=np.int32)
    for i in range(1, n + 1):
        prev = h[i - 1]
        np.add(prev[:-1], ramped[i - 1], out=e)
        np.add(prev[1:], up_ramp, out=up)
        np.maximum(e, up, out=e)
        np.maximum(e, ramp, out=e)
        np.maximum.accumulate(e, axis=0, out=e)
        np.subtract(e, ramp, out=h[i, 1:])
    flat = h.reshape(-1, count)
    end = np.argmax(flat, axis=0)
    best = flat[end, np.arange(count)]
    return _Filled(h, sub, ca, cb, end // (m + 1), end % (m + 1), best.astype(np.int64))


def _trace(
    batches: list[_Filled],
    flat_h: npt.NDArray[np.int32],
    flat_s: npt.NDArray[np.int32],
    scoring: Scoring,
) -> list[Alignment | None]:
    """The alignments of programmes filled one after another into `flat_h` and
    `flat_s`, traced back all at once, one step of each per iteration, through flat
    indices into those buffers."""
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
        s = flat_s[ps]
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
    ca_base = np.cumsum([0] + [f.ca.size for f in batches])[:-1]
    cb_base = np.cumsum([0] + [f.cb.size for f in batches])[:-1]
    flat_ca = np.concatenate([f.ca.ravel() for f in batches])
    flat_cb = np.concatenate([f.cb.ravel() for f in batches])
    ca_at = np.repeat(ca_base, counts)[mb] + mi * width[mb] + lane[mb]
    cb_at = np.repeat(cb_base, counts)[mb] + mj * width[mb] + lane[mb]
    content = np.bincount(mb, weights=flat_ca[ca_at] & flat_cb[cb_at], minlength=count)
    cut = np.searchsorted(mb, np.arange(count + 1)).tolist()
    best_l, i_l, j_l = best.tolist(), i.tolist(), j.tolist()
    ae_l, be_l = a_end.tolist(), b_end.tolist()
    content_l = content.astype(np.int64).tolist()
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
