"""Reordered copies compared all at once: the same parts as one region at a time."""

from __future__ import annotations

import numpy as np

import dedup.passages as P
from dedup.align import Alignment
from dedup.config import DedupConfig, PassageConfig
from dedup.io import read_docs
from dedup.pipeline import _passage_docs, prepare_batch
from tests.conftest import FIXTURES


def _share(a: P.PassageDoc, b: P.PassageDoc, region) -> float:  # type: ignore[no-untyped-def]
    """The smaller side's share of shared content words in its trimmed range (0 if none)."""
    a0, a1, b0, b1 = region
    sa, sb = a.seq.slice(a0, a1), b.seq.slice(b0, b1)
    shared = np.intersect1d(sa.stems[sa.content], sb.stems[sb.content])
    if not len(shared):
        return 0.0
    ia = np.flatnonzero(sa.content & np.isin(sa.stems, shared))
    ib = np.flatnonzero(sb.content & np.isin(sb.stems, shared))
    share_a = len(ia) / max(1, int(sa.content[ia[0] : ia[-1] + 1].sum()))
    share_b = len(ib) / max(1, int(sb.content[ib[0] : ib[-1] + 1].sum()))
    return min(share_a, share_b)


def _bag(a: P.PassageDoc, b: P.PassageDoc, region, cfg: PassageConfig):  # type: ignore[no-untyped-def]
    """One region at a time, plainly: shared content stems, the trimmed ranges, the
    shares, each distinct shared stem's rarity at its first token in A."""
    a0, a1, b0, b1 = region
    sa, sb = a.seq.slice(a0, a1), b.seq.slice(b0, b1)
    shared = np.intersect1d(sa.stems[sa.content], sb.stems[sb.content])
    if len(shared) < max(1, cfg.bag_min_words):
        return None
    ia = np.flatnonzero(sa.content & np.isin(sa.stems, shared))
    ib = np.flatnonzero(sb.content & np.isin(sb.stems, shared))
    share_a = len(ia) / max(1, int(sa.content[ia[0] : ia[-1] + 1].sum()))
    share_b = len(ib) / max(1, int(sb.content[ib[0] : ib[-1] + 1].sum()))
    if min(share_a, share_b) < cfg.bag_share:
        return None
    pos = a0 + ia[np.unique(sa.stems[ia], return_index=True)[1]]
    weight = float(a.uni[pos].sum())
    if weight < cfg.bag_weight * cfg.min_words:
        return None
    al = Alignment(
        int(ia[0]), int(ia[-1]) + 1, int(ib[0]), int(ib[-1]) + 1, 0, ia, ib, min(len(ia), len(ib))
    )
    return P._Part(a0, b0, al, weight)


def _key(part: P._Part | None) -> object:
    if part is None:
        return None
    al = part.al
    return (
        part.oa,
        part.ob,
        part.weight,
        (al.a_start, al.a_end, al.b_start, al.b_end, al.score, al.matches, al.content_matches),
        al.a_matched.tolist(),
        al.b_matched.tolist(),
    )


def test_bags_match_regions_compared_one_at_a_time() -> None:
    docs = list(read_docs([str(FIXTURES / "seeds"), str(FIXTURES / "copies")]))
    cfg = DedupConfig()
    pds = P.weigh(_passage_docs(prepare_batch(docs, cfg), cfg))
    tokens = P._Tokens(pds)
    rng = np.random.default_rng(0)
    tasks = []
    for _ in range(400):
        da, db = sorted(rng.choice(len(pds), 2, replace=False).tolist())
        na, nb = len(pds[da].seq), len(pds[db].seq)
        a0 = int(rng.integers(0, na))
        b0 = int(rng.integers(0, nb))
        a1 = int(rng.integers(a0 + 1, min(na, a0 + 120) + 1))
        b1 = int(rng.integers(b0 + 1, min(nb, b0 + 120) + 1))
        tasks.append(((da, db), (a0, a1, b0, b1)))
    # and whole documents against each other (reordered copies among them)
    tasks += [
        ((x, y), (0, len(pds[x].seq), 0, len(pds[y].seq)))
        for x in range(len(pds))
        for y in range(x + 1, len(pds))
    ]
    # Shares on both sides of the threshold: each of the highest found is a threshold
    # once, met exactly by its own region.
    shares = sorted({round(_share(pds[da], pds[db], r), 12) for (da, db), r in tasks})
    kept = 0
    for share in [*shares[-12:], 0.3]:
        pcfg = PassageConfig(bag_share=share, bag_weight=0.5, bag_min_words=3)
        got = [_key(p) for p in P._bags(pds, tokens, tasks, pcfg)]
        want = [_key(_bag(pds[da], pds[db], r, pcfg)) for (da, db), r in tasks]
        assert got == want
        kept += sum(p is not None for p in want)
    assert kept > 20


def test_bags_of_regions_sharing_nothing_are_none() -> None:
    docs = list(read_docs([str(FIXTURES / "seeds")]))
    cfg = DedupConfig()
    pds = P.weigh(_passage_docs(prepare_batch(docs, cfg), cfg))
    tokens = P._Tokens(pds)
    one_word = [((0, 1), (0, 1, 0, 1)), ((0, 2), (3, 4, 5, 6))]  # a token against a token
    assert P._bags(pds, tokens, one_word, PassageConfig()) == [None, None]
    assert P._bags(pds, tokens, [], PassageConfig()) == []
