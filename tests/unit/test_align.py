from __future__ import annotations

import numpy as np
import pytest

from dedup.align import UNIT, Alignment, Scoring, TokenSeq, align, score_matrix


def seq(text: str, stop: str = "") -> TokenSeq:
    words = text.split()
    ids = np.array(
        [sum(ord(c) * 131**i for i, c in enumerate(w)) % 2**61 for w in words], dtype=np.uint64
    )
    skel = np.array([ord(w[0]) for w in words], dtype=np.uint64)  # near match: same first letter
    content = np.array([w not in stop.split() for w in words], dtype=bool)
    return TokenSeq(ids, skel, content, np.where(content, UNIT, 3).astype(np.int32))


def spans(al) -> tuple[int, int, int, int]:
    return al.a_start, al.a_end, al.b_start, al.b_end


def test_identical() -> None:
    a = seq("the wire story is the same in both papers")
    al = align(a, a)
    assert spans(al) == (0, 9, 0, 9)
    assert al.matches == 9
    assert al.a_matched.tolist() == al.b_matched.tolist() == list(range(9))


def test_substitutions_are_bridged() -> None:
    al = align(seq("aa bb cc dd ee ff gg hh"), seq("aa bb XX dd ee YY gg hh"))
    assert spans(al) == (0, 8, 0, 8)
    assert al.matches == 6


def test_insertion_is_skipped() -> None:
    al = align(seq("aa bb cc dd ee ff"), seq("aa bb cc inserted words dd ee ff"))
    assert spans(al) == (0, 6, 0, 8)
    assert al.b_matched.tolist() == [0, 1, 2, 5, 6, 7]


def test_local_alignment_ignores_unrelated_context() -> None:
    al = align(seq("qq rr ss aa bb cc dd tt"), seq("zz aa bb cc dd yy"))
    assert spans(al) == (3, 7, 1, 5)


def test_reordered_sentences_align_the_best_one() -> None:
    a = seq("one two three four five . six seven eight nine ten")
    b = seq("six seven eight nine ten . one two three four five")
    al = align(a, b)
    assert al.matches >= 5
    assert al.a_end - al.a_start <= 6  # not both sentences across the swap


def test_near_match_scores_half() -> None:
    sub = score_matrix(seq("kerry"), seq("kxrry"))
    assert sub[0, 0] == UNIT // 2


def _empty() -> TokenSeq:
    return TokenSeq(
        np.empty(0, np.uint64), np.empty(0, np.uint64), np.empty(0, bool), np.empty(0, np.int32)
    )


@pytest.mark.parametrize(("a", "b"), [("", "aa"), ("aa", ""), ("aa bb", "cc dd")])
def test_nothing_to_align(a: str, b: str) -> None:
    assert align(seq(a) if a else _empty(), seq(b) if b else _empty()) is None


@pytest.mark.parametrize(
    ("x", "y"),
    [("aa bb cc XX dd ee", "zz aa bb cc dd ee ww"), ("aa bb cc", "cc bb aa"), ("aa bb", "bb aa")],
)
def test_symmetric(x: str, y: str) -> None:
    ab, ba = align(seq(x), seq(y)), align(seq(y), seq(x))
    assert (ab.a_start, ab.a_end, ab.b_start, ab.b_end) == (
        ba.b_start,
        ba.b_end,
        ba.a_start,
        ba.a_end,
    )
    assert ab.score == ba.score
    assert ab.a_matched.tolist() == ba.b_matched.tolist()


def _random_seq(rng: np.random.Generator, n: int, vocab: int) -> TokenSeq:
    stems = rng.integers(0, vocab, n).astype(np.uint64)
    content = rng.random(n) < 0.7
    weights = np.where(content, rng.integers(1, UNIT + 1, n), 3).astype(np.int32)
    return TokenSeq(stems, stems // 2, content, weights)


def _edited(rng: np.random.Generator, a: TokenSeq, vocab: int) -> TokenSeq:
    """`a` with about a sixth of its tokens deleted and as many random ones inserted,
    so that its alignment with `a` takes gaps in both directions."""
    new = _random_seq(rng, len(a), vocab)
    keep = rng.random(len(a)) >= 0.15
    add = rng.random(len(a)) < 0.15
    take: list[tuple[TokenSeq, int]] = []
    for k in range(len(a)):
        if keep[k]:
            take.append((a, k))
        if add[k]:
            take.append((new, k))
    return TokenSeq(
        np.array([s.stems[k] for s, k in take], dtype=np.uint64),
        np.array([s.skels[k] for s, k in take], dtype=np.uint64),
        np.array([s.content[k] for s, k in take], dtype=bool),
        np.array([s.weights[k] for s, k in take], dtype=np.int32),
    )


DEFAULT = Scoring()


def _reference(a: TokenSeq, b: TokenSeq, scoring: Scoring = DEFAULT) -> Alignment | None:
    """Smith-Waterman cell by cell in plain Python: the definition `align` must meet.
    The shorter sequence (on equal lengths, the smaller stem bytes) is the row one; the
    best end cell is the first in row-major order; the traceback prefers a diagonal
    step, then an upward one, then a leftward one."""
    n, m = len(a), len(b)
    if not n or not m:
        return None
    if n > m or (n == m and a.stems.tobytes() > b.stems.tobytes()):
        al = _reference(b, a, scoring)
        return al.swapped() if al is not None else None
    sub = score_matrix(a, b, scoring).tolist()
    h = [[0] * (m + 1) for _ in range(n + 1)]
    best, end = 0, (0, 0)
    for i in range(1, n + 1):
        for j in range(1, m + 1):
            h[i][j] = max(
                0,
                h[i - 1][j - 1] + sub[i - 1][j - 1],
                h[i - 1][j] - scoring.gap,
                h[i][j - 1] - scoring.gap,
            )
            if h[i][j] > best:
                best, end = h[i][j], (i, j)
    if best <= 0:
        return None
    i, j = end
    am: list[int] = []
    bm: list[int] = []
    while i > 0 and j > 0 and h[i][j] > 0:
        if h[i][j] == h[i - 1][j - 1] + sub[i - 1][j - 1]:
            if sub[i - 1][j - 1] > 0:
                am.append(i - 1)
                bm.append(j - 1)
            i, j = i - 1, j - 1
        elif h[i][j] == h[i - 1][j] - scoring.gap:
            i -= 1
        else:
            j -= 1
    content = sum(bool(a.content[x] and b.content[y]) for x, y in zip(am, bm, strict=True))
    return Alignment(
        i,
        end[0],
        j,
        end[1],
        best,
        np.array(am[::-1], np.int64),
        np.array(bm[::-1], np.int64),
        content,
    )


@pytest.mark.parametrize(("cells", "traced"), [(1 << 19, 1 << 24), (64, 1 << 24), (1 << 19, 1)])
def test_align_many_is_the_plain_programme(
    cells: int, traced: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Batched alignments (padded, of mixed shapes, in one batch or many small ones;
    traced back with the long pair's programme in 32-bit integers, or each batch apart,
    the short ones in 16-bit integers) are exactly the plain programme's: spans, score,
    matched tokens, ties broken alike; among them copies with words deleted and inserted,
    whose tracebacks take gaps in both directions."""
    import dedup.align as module

    monkeypatch.setattr(module, "BATCH_CELLS", cells)
    monkeypatch.setattr(module, "TRACE_CELLS", traced)
    rng = np.random.default_rng(7)
    pairs = []
    for _ in range(400):
        n, m = (int(x) for x in rng.integers(0, 45, 2))
        vocab = int(rng.integers(2, 25))
        a, b = _random_seq(rng, n, vocab), _random_seq(rng, m, vocab)
        pairs.append((a, a if rng.random() < 0.2 else b))
    for _ in range(200):  # copies with words deleted and inserted: gaps both ways
        a = _random_seq(rng, int(rng.integers(5, 60)), 200)
        pairs.append((a, _edited(rng, a, 200)) if rng.random() < 0.5 else (_edited(rng, a, 200), a))
    pairs.append((_random_seq(rng, 300, 40), _random_seq(rng, 5, 40)))  # one long, one short
    ids = np.arange(2500, dtype=np.uint64)  # a score past 16 bits: 2,500 full matches
    long = TokenSeq(ids, ids, np.ones(2500, dtype=bool), np.full(2500, UNIT, np.int32))
    pairs.append((long, long))
    many = module.align_many(pairs)
    assert sum(x is not None for x in many) > 300
    assert many[-1] is not None and many[-1].score == 2500 * UNIT
    assert spans(many[-1]) == (0, 2500, 0, 2500)
    for (a, b), got in zip(pairs[:-1], many[:-1], strict=True):
        want = _reference(a, b)
        if want is None or got is None:
            assert want is got
            continue
        assert (spans(got), got.score, got.content_matches) == (
            spans(want),
            want.score,
            want.content_matches,
        )
        assert got.a_matched.tolist() == want.a_matched.tolist()
        assert got.b_matched.tolist() == want.b_matched.tolist()
