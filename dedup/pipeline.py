"""The pipeline: the only module that chains the stages."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from dedup import __version__
from dedup.cluster import clusters
from dedup.config import DedupConfig
from dedup.lsh import banding, candidates
from dedup.normalise import normalise
from dedup.shingle import shingle_hashes, tokenise
from dedup.sketch import signatures
from dedup.types import Doc, Normalised, Pair, Report, Tokens
from dedup.verify import accept, overlap

Progress = Callable[[int], None]


@dataclass(frozen=True, slots=True)
class Prepared:
    """A document after normalisation, tokenising and shingling."""

    doc: Doc
    norm: Normalised
    tokens: Tokens
    shingles: npt.NDArray[np.uint64]


def prepare(doc: Doc, cfg: DedupConfig) -> Prepared:
    """Normalise, tokenise and shingle one document."""
    norm = normalise(doc.text)
    tokens = tokenise(norm, cfg.shingle)
    return Prepared(doc, norm, tokens, np.unique(shingle_hashes(tokens.hashes, cfg.shingle.size)))


def find_pairs(
    prepared: Sequence[Prepared], cfg: DedupConfig
) -> list[tuple[int, int, float, float]]:
    """Candidate pairs from LSH, each verified exactly: (i, j, jaccard, containment)."""
    sets = [p.shingles for p in prepared]
    sigs = signatures(sets, cfg.lsh)
    valid = np.fromiter((len(s) > 0 for s in sets), dtype=bool, count=len(sets))
    found = []
    for i, j in candidates(sigs, banding(cfg.lsh), valid).tolist():
        jac, cont = overlap(sets[i], sets[j])
        if accept(jac, cont, cfg.verify):
            found.append((i, j, jac, cont))
    return found


def run(docs: Sequence[Doc], cfg: DedupConfig, *, progress: Progress | None = None) -> Report:
    """Find near-duplicate documents.

    The output is deterministic: it depends on the documents and `cfg` only, not
    on input order (pairs are sorted by id, clusters by their smallest id).
    """
    prepared = []
    for doc in docs:
        prepared.append(prepare(doc, cfg))
        if progress is not None:
            progress(1)
    found = find_pairs(prepared, cfg)
    pairs = sorted(
        (
            Pair(min(ids), max(ids), round(jac, 6), round(cont, 6))
            for i, j, jac, cont in found
            for ids in [(docs[i].id, docs[j].id)]
        ),
        key=lambda p: (p.a, p.b),
    )
    band = banding(cfg.lsh)
    params = {**cfg.as_dict(), "bands": band.bands, "rows": band.rows}
    ordered = tuple(sorted(docs, key=lambda d: d.id))
    return Report(
        params=params,
        documents=ordered,
        pairs=tuple(pairs),
        clusters=tuple(
            clusters(docs, [(i, j) for i, j, _, _ in found], [len(p.norm.text) for p in prepared])
        ),
        extra={"dedup_version": __version__},
    )
