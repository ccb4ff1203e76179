"""Candidate unit pairs and their regions, against the plain definitions."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import replace

import numpy as np
import pytest

import dedup.passages as passage_stage
from dedup import pipeline
from dedup.config import DedupConfig, PassageConfig
from dedup.io import read_docs
from tests.conftest import FIXTURES


def _units(window: int) -> tuple[passage_stage._UnitPairs, PassageConfig, passage_stage._Scope]:
    docs = list(read_docs([str(FIXTURES / "seeds"), str(FIXTURES / "copies")]))
    cfg = DedupConfig()
    pcfg = replace(cfg.passage, window=window)
    pds = pipeline._passage_docs(pipeline.prepare_batch(docs, cfg), cfg)
    groups = list(range(len(pds)))
    scope = passage_stage._Scope(passage_stage._pair_filter(groups, None, None))
    found = passage_stage._unit_pairs(passage_stage._sketches(pds, pcfg, groups, scope), pcfg)
    return found, pcfg, scope


def _plain_candidates(found: passage_stage._UnitPairs, cfg: PassageConfig) -> set[tuple[int, ...]]:
    """Each LSH pair on its own: estimated containment from the two signatures."""
    out = set()
    for u, v in found.pairs.tolist():
        jac = float(np.mean(found.sigs[u] == found.sigs[v]))
        size_u, size_v = int(found.size[u]), int(found.size[v])
        inter = jac / (1 + jac) * (size_u + size_v)
        a, b = sorted([found.rows[u].tolist(), found.rows[v].tolist()])
        if a[0] != b[0] and inter / min(size_u, size_v) >= cfg.seed_containment:
            out.add((*a, *b))
    return out


@pytest.mark.parametrize("threads", [1, 2])
@pytest.mark.parametrize("chunk", [1, 7, passage_stage.COMPARE_ROWS])
def test_candidate_units_compared_in_chunks_are_the_plain_ones(
    chunk: int, threads: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    from concurrent.futures import ThreadPoolExecutor

    found, cfg, scope = _units(1)
    monkeypatch.setattr(passage_stage, "COMPARE_ROWS", chunk)
    with ThreadPoolExecutor(1) as pool:  # every other chunk compared in another thread
        rows = passage_stage._candidate_units(found, cfg, scope, pool if threads == 2 else None)
    got = [tuple(r) for r in rows.tolist()]
    assert len(got) == len(set(got))
    assert set(got) == _plain_candidates(found, cfg)
    assert 5 < len(got) < len(found.pairs)  # some seeds pass, not every LSH pair


def _plain_regions(found: passage_stage._UnitPairs, cfg: PassageConfig) -> list[tuple[int, ...]]:
    """Every document pair's candidate units merged by `merge_rectangles`."""
    by_pair = defaultdict(list)
    for da, a0, a1, db, b0, b1 in _plain_candidates(found, cfg):
        by_pair[(da, db)].append((a0, a1, b0, b1))
    return sorted(
        (da, db, *r)
        for (da, db), rects in by_pair.items()
        for r in passage_stage.merge_rectangles(rects)
    )


@pytest.mark.parametrize("window", [1, 2, 3])
def test_regions_are_the_merged_candidate_units(window: int) -> None:
    found, cfg, scope = _units(window)
    rows = passage_stage._regions(found, cfg, scope)
    assert [tuple(r) for r in rows.tolist()] == _plain_regions(found, cfg)
    if window > 1:  # windows of several sentences overlap: some regions merged
        assert len(rows) < len(passage_stage._candidate_units(found, cfg, scope))


def test_regions_of_some_pairs() -> None:
    found, cfg, scope = _units(1)
    rows = passage_stage._regions(found, cfg, scope)
    pairs = sorted({(da, db) for da, db, *_ in rows.tolist()})
    assert len(pairs) > 3
    some = pairs[::-2]  # any order
    n = int(rows[:, :2].max()) + 1
    got = passage_stage._regions_of(rows, np.array([a * n + b for a, b in some]), n)
    want = defaultdict(list)
    for da, db, *rect in rows.tolist():
        if (da, db) in some:
            want[(da, db)].append(tuple(rect))
    assert got == dict(want)
    assert passage_stage._regions_of(rows, np.empty(0, np.int64), n) == {}


@pytest.mark.parametrize("chars", [1, 40, 300, 1 << 30])
def test_unit_grams_made_a_batch_at_a_time_are_the_same(
    chars: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    docs = list(read_docs([str(FIXTURES / "seeds"), str(FIXTURES / "copies")]))
    cfg = DedupConfig()
    pds = pipeline._passage_docs(pipeline.prepare_batch(docs, cfg), cfg)
    whole = passage_stage._unit_grams_batch(pds, cfg.passage.gram)
    monkeypatch.setattr(passage_stage, "GRAM_CHARS", chars)
    got = passage_stage._unit_grams(pds, cfg.passage.gram)
    for x, y in zip(got, whole, strict=True):
        assert x.dtype == y.dtype
        assert np.array_equal(x, y)
    assert len(whole.cuts) == len(pds) + 1
    assert passage_stage._unit_grams([], cfg.passage.gram).grams.size == 0


def _weighed() -> tuple[list[passage_stage.PassageDoc], passage_stage._Tokens]:
    docs = list(read_docs([str(FIXTURES / "seeds"), str(FIXTURES / "copies")]))
    cfg = DedupConfig()
    pds = passage_stage.weigh(pipeline._passage_docs(pipeline.prepare_batch(docs, cfg), cfg))
    return pds, passage_stage._Tokens(pds)


def test_equal_stems_have_equal_skeletons() -> None:
    pds, _ = _weighed()
    stems = np.concatenate([d.seq.stems for d in pds])
    skels = np.concatenate([d.seq.skels for d in pds])
    pairs = set(zip(stems.tolist(), skels.tolist(), strict=True))
    assert len({stem for stem, _ in pairs}) == len(pairs)  # one skeleton per stem
    assert len({skel for _, skel in pairs}) < len(pairs)  # some stems share a skeleton


def test_region_bounds_hold_every_alignment_in_them() -> None:
    pds, tokens = _weighed()
    rows = []
    for da in range(len(pds)):
        for db in range(da + 1, len(pds)):
            na, nb = len(pds[da].sent_bounds) - 1, len(pds[db].sent_bounds) - 1
            for ia in range(0, na, 3):  # runs of up to three sentences on each side
                for ib in range(0, nb, 3):
                    a, b = pds[da].sent_bounds, pds[db].sent_bounds
                    rows.append((da, a[ia], a[min(ia + 3, na)], db, b[ib], b[min(ib + 3, nb)]))
    rects = np.array(rows, dtype=np.int64)
    bounds = tokens.bounds(rects)
    found = passage_stage._aligned(tokens, rects, least=-1.0)
    kept = [(k, al) for k, al in enumerate(found) if al is not None]  # None: nothing aligns
    weights = passage_stage.significance(
        tokens, [(r[0], r[3], r[1], r[4], al) for k, al in kept for r in [rows[k]]]
    )
    assert len(weights) > 1000
    pairs = [(w, float(bounds[k])) for (k, _), w in zip(kept, weights, strict=True)]
    assert all(w <= b + 1e-6 for w, b in pairs)
    assert sum(w >= 0.9 * b and w > 2 for w, b in pairs) > 10  # the bound is not loose


def test_region_bounds_computed_some_regions_at_a_time_are_those_of_all_at_once(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    pds, tokens = _weighed()
    rng = np.random.default_rng(3)
    rows = []
    for _ in range(400):
        da, db = (int(x) for x in rng.choice(len(pds), 2, replace=False))
        a0, b0 = int(rng.integers(len(pds[da].seq))), int(rng.integers(len(pds[db].seq)))
        a1 = min(len(pds[da].seq), a0 + int(rng.integers(0, 60)))
        b1 = min(len(pds[db].seq), b0 + int(rng.integers(0, 60)))
        rows.append((da, a0, a1, db, b0, b1))
    rects = np.array(rows, dtype=np.int64)
    whole = tokens.bounds(rects)
    assert (whole > 0).sum() > 100
    for size in (1, 50, 1000):  # one region at a time, a few, many
        monkeypatch.setattr(passage_stage, "BOUND_TOKENS", size)
        assert tokens.bounds(rects).tolist() == whole.tolist()


def _plain_unmatched(
    pd: passage_stage.PassageDoc, tokens: tuple[int, int], matched: np.ndarray
) -> list[tuple[int, int]]:
    """Original spans of the runs of tokens in the range not in `matched`, one by one."""
    t0, t1 = tokens
    held = set(matched.tolist())
    runs: list[list[int]] = []
    for t in range(t0, t1):
        if t in held:
            continue
        if runs and runs[-1][1] == t:
            runs[-1][1] = t + 1
        else:
            runs.append([t, t + 1])
    return [pd.original_span(a, b) for a, b in runs]


def test_unmatched_spans_of_many_at_once_are_those_of_each() -> None:
    pds, _ = _weighed()
    rng = np.random.default_rng(7)
    found = []
    for _ in range(300):
        d = int(rng.integers(len(pds)))
        size = len(pds[d].seq)
        t0 = int(rng.integers(size))
        t1 = int(rng.integers(t0 + 1, min(size, t0 + 40) + 1))
        lo, hi = max(0, t0 - 3), min(size, t1 + 3)  # some matched tokens outside the range
        matched = np.sort(
            rng.choice(np.arange(lo, hi), int(rng.integers(0, hi - lo + 1)), replace=False)
        )
        found.append((d, (t0, t1), matched.astype(np.int64)))
    got = passage_stage._unmatched(pds, found)
    want = [tuple(_plain_unmatched(pds[d], t, m)) for d, t, m in found]
    assert got == want
    assert [tuple(passage_stage.unmatched_spans(pds[d], t, m)) for d, t, m in found] == want
    assert sum(len(x) > 1 for x in want) > 50 and sum(len(x) == 0 for x in want) > 5
    assert passage_stage._unmatched(pds, []) == []


def _plain_kept(found: passage_stage._Grams, groups: list[int], limit: float) -> np.ndarray:
    """A gram is kept when at most `limit` groups hold it."""
    holders: dict[int, set[int]] = defaultdict(set)
    for d in range(len(found.cuts) - 1):
        for g in found.grams[found.cuts[d] : found.cuts[d + 1]].tolist():
            holders[g].add(groups[d])
    return np.array([len(holders[g]) <= limit for g in found.grams.tolist()], dtype=bool)


@pytest.mark.parametrize("bits", [1, 4, passage_stage.KEPT_BUCKET_BITS])
@pytest.mark.parametrize("max_df_min", [1, 2, 4])
def test_kept_grams_are_those_few_groups_hold(
    bits: int, max_df_min: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    pds, _ = _weighed()
    found = passage_stage._unit_grams(pds, 4)
    groups = [d // 2 for d in range(len(pds))]  # pairs of documents as one story
    cfg = replace(PassageConfig(), max_df=0.0, max_df_min=max_df_min)
    monkeypatch.setattr(passage_stage, "KEPT_BUCKET_BITS", bits)
    keep = passage_stage._kept_grams(found, groups, cfg)
    want = _plain_kept(found, groups, max_df_min)
    assert np.array_equal(keep, want)
    assert 0 < want.sum() < len(want)


def _plain_features(pd: passage_stage.PassageDoc) -> tuple[list[int], list[int], list[bool], str]:
    """A document's stem and skeleton hashes, content flags and content stems' text,
    from `word_features` of each token's text."""
    words = [pd.norm.text[s:e] for s, e in zip(pd.tokens.starts, pd.tokens.ends, strict=True)]
    feats = [passage_stage.word_features(w) for w in words]
    return (
        [f[1] for f in feats],
        [f[2] for f in feats],
        [f[3] for f in feats],
        "".join(f[0] for f in feats if f[3]),
    )


def _features(pd: passage_stage.PassageDoc) -> tuple[list[int], list[int], list[bool], str]:
    assert int(pd.stem_len.sum()) == len(pd.stem_text)
    return (
        pd.seq.stems.tolist(),
        pd.seq.skels.tolist(),
        pd.seq.content.tolist(),
        "".join(map(chr, pd.stem_text.tolist())),
    )


def test_word_features_table_across_batches(monkeypatch: pytest.MonkeyPatch) -> None:
    docs = list(read_docs([str(FIXTURES / "seeds"), str(FIXTURES / "copies")]))
    cfg = DedupConfig()
    prepared = pipeline.prepare_batch(docs, cfg)
    monkeypatch.setattr(passage_stage, "_TABLE", passage_stage._empty_table())
    first = pipeline._passage_docs(prepared[:3], cfg)  # some words known, then all
    known = len(passage_stage._TABLE.keys)
    assert known > 100
    every = pipeline._passage_docs(prepared, cfg)
    assert len(passage_stage._TABLE.keys) > known
    again = pipeline._passage_docs(prepared, cfg)  # every word from the table
    want = [_plain_features(pd) for pd in every]
    assert [_features(pd) for pd in every] == want
    assert [_features(pd) for pd in again] == want
    assert [_features(pd) for pd in first] == want[:3]
    monkeypatch.setattr(passage_stage, "FEATURES_KEPT", 10)  # too many kept: start afresh
    pipeline._passage_docs(prepared[:1], cfg)
    assert len(passage_stage._TABLE.keys) == len(set(prepared[0].tokens.hashes.tolist()))


@pytest.mark.parametrize("chunk", [1, 50, 1 << 30])
def test_units_signed_a_chunk_at_a_time_by_two_threads(
    chunk: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    import threading

    from dedup.lsh import band_keys, lsh_params
    from dedup.sketch import flat_signatures

    pds, _ = _weighed()
    cfg = PassageConfig()
    groups = list(range(len(pds)))
    monkeypatch.setattr(passage_stage, "SIGN_CHUNK", chunk)
    signing = passage_stage._Signing.of(pds, groups, cfg, None)
    helper = threading.Thread(target=signing.work)
    helper.start()
    signing.work()
    helper.join()
    units = signing.units
    grams = [units.kept[s : s + n] for s, n in zip(units.start, units.size, strict=True)]
    whole = flat_signatures(np.concatenate(grams), units.size, signing.lsh)
    assert len(whole) > 20
    assert np.array_equal(signing.sigs, whole)
    scope = passage_stage._Scope(passage_stage._pair_filter(groups, None, None))
    found = signing.sketches(groups, scope)
    band = lsh_params(cfg.lsh_threshold, cfg.num_perm)
    assert np.array_equal(found.keys, band_keys(whole, band))  # keys made chunk by chunk too


def test_unit_pairs_with_half_the_bands_in_another_thread() -> None:
    from concurrent.futures import ThreadPoolExecutor

    pds, _ = _weighed()
    cfg = PassageConfig()
    groups = list(range(len(pds)))
    scope = passage_stage._Scope(passage_stage._pair_filter(groups, None, None))
    found = passage_stage._sketches(pds, cfg, groups, scope)
    alone = passage_stage._unit_pairs(found, cfg).pairs
    assert len(alone) > 10
    with ThreadPoolExecutor(1) as pool:
        for bands in (found.keys.shape[1], 3, 1):  # halves of even and odd band counts
            some = found._replace(keys=np.ascontiguousarray(found.keys[:, :bands]))
            want = passage_stage._unit_pairs(some, cfg).pairs
            assert np.array_equal(passage_stage._unit_pairs(some, cfg, pool).pairs, want)
        assert np.array_equal(passage_stage._unit_pairs(found, cfg, pool).pairs, alone)


def _plain_weights(pds: list[passage_stage.PassageDoc], groups: list[int]) -> list[tuple]:
    """Rarity by definition, one document at a time: BM25 idf over the number of
    groups holding a content stem (or stem bigram), relative to two groups', capped at 1."""
    import math

    n = len(set(groups))
    holders: dict[tuple[str, int], set[int]] = defaultdict(set)
    for d, pd in enumerate(pds):
        s = pd.seq.stems.tolist()
        for t, x in enumerate(s):
            if pd.seq.content[t]:
                holders[("u", x)].add(groups[d])
            if t:
                holders[("b", s[t - 1], x)].add(groups[d])

    def ratio(key: tuple) -> float:
        def idf(x: float) -> float:
            return math.log1p((n - x + 0.5) / (x + 0.5))

        return min(1.0, idf(len(holders[key])) / idf(2.0))

    out = []
    for pd in pds:
        s = pd.seq.stems.tolist()
        uni = [ratio(("u", x)) if pd.seq.content[t] else 3 / 16 for t, x in enumerate(s)]
        bi = [ratio(("b", s[t - 1], x)) if t else 0.0 for t, x in enumerate(s)]
        out.append((uni, bi))
    return out


def test_weights_of_all_documents_at_once_are_those_by_definition() -> None:
    docs = list(read_docs([str(FIXTURES / "seeds"), str(FIXTURES / "copies")]))
    cfg = DedupConfig()
    pds = pipeline._passage_docs(pipeline.prepare_batch(docs, cfg), cfg)
    empty = replace(pds[0], seq=pds[0].seq.slice(0, 0), uni=pds[0].uni[:0], bi=pds[0].bi[:0])
    stop = replace(pds[1], seq=replace(pds[1].seq, content=np.zeros(len(pds[1].seq), bool)))
    pds = [empty, *pds[:4], stop, *pds[4:], empty]
    groups = [min(d, 3) for d in range(len(pds))]  # some documents as one story
    got = passage_stage.weigh(pds, groups)
    want = _plain_weights(pds, groups)
    assert len(got) == len(want)
    for pd, (uni, bi) in zip(got, want, strict=True):
        assert len(pd.uni) == len(pd.bi) == len(pd.seq)
        assert np.allclose(pd.uni, uni, atol=1e-6) and np.allclose(pd.bi, bi, atol=1e-6)
    assert any(0 < x < 1 for pd in got for x in pd.uni.tolist())


def test_row_order_is_lexsort_by_columns() -> None:
    """Pairs of columns packed into one key sort as the columns do, ties kept in input
    order (as `np.lexsort`); values past 31 bits and odd column counts take lexsort."""
    rng = np.random.default_rng(3)
    for cols, top in ((6, 5), (6, 1 << 20), (5, 50), (4, 1 << 40)):
        rows = rng.integers(0, top, (500, cols)).astype(np.int64)
        rows[::7] = rows[1::7][: len(rows[::7])]  # repeated rows: ties
        want = np.lexsort(rows.T[::-1])
        assert np.array_equal(passage_stage._row_order(rows), want)
    assert len(passage_stage._row_order(np.empty((0, 6), dtype=np.int64))) == 0


def test_disjoint_keeps_the_heaviest_passages_that_share_no_text() -> None:
    found = [
        (2.0, (0, 10), (0, 10)),
        (5.0, (5, 15), (20, 30)),  # heaviest: kept first
        (3.0, (20, 30), (8, 12)),  # overlaps the first in B only
        (1.0, (40, 50), (40, 50)),
        (1.0, (30, 40), (30, 40)),  # ties by weight: by A range, both kept
        (4.0, (14, 16), (50, 60)),  # overlaps the heaviest in A
    ]
    assert passage_stage._disjoint(found) == [1, 2, 4, 3]
    assert passage_stage._disjoint([]) == []
