"""The pipeline: the only module that chains the stages."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from dedup import __version__, attribution
from dedup import passages as passage_stage
from dedup.attribution import Attribution
from dedup.cluster import clusters, components, coverage, reuse_clusters
from dedup.config import DedupConfig, LSHConfig, ShingleConfig, VerifyConfig
from dedup.lsh import band_keys, banding, candidates
from dedup.normalise import normalise
from dedup.shingle import shingle_sets, tokenise, tokenise_batch
from dedup.sketch import signatures
from dedup.store.base import IndexParams, IndexStore, StoredDoc
from dedup.types import (
    Comparison,
    Doc,
    Normalised,
    Pair,
    Passages,
    Report,
    SharedPassage,
    Tokens,
)
from dedup.verify import accept, overlap

Progress = Callable[[int], None]

#: Documents prepared together (tokenised in one numpy pass).
BATCH = 1000


@dataclass(frozen=True, slots=True)
class Prepared:
    """A document after normalisation, attribution, tokenising and shingling."""

    doc: Doc
    norm: Normalised
    tokens: Tokens
    shingles: npt.NDArray[np.uint64]
    attribution: tuple[Attribution, ...] = ()


def prepare(doc: Doc, cfg: DedupConfig, chrome: set[str] | None = None) -> Prepared:
    """Normalise, find attribution, tokenise and shingle one document.

    Tokens inside attribution spans and boilerplate (`chrome` adds the lines its
    outlet repeats) are left out of matching, unless that leaves too few to shingle.
    """
    return prepare_batch([doc], cfg, {doc.outlet or "": chrome} if chrome else None)[0]


def prepare_batch(
    docs: Sequence[Doc],
    cfg: DedupConfig,
    chrome: Mapping[str, set[str]] | None = None,
    norms: Sequence[Normalised] | None = None,
    *,
    sets: bool = True,
) -> list[Prepared]:
    """`prepare` of many documents, tokenised together in numpy passes.

    Args:
        chrome: each outlet's recurring lines (`attribution.recurring_lines`).
        norms: the documents' normalised texts, when already made.
        sets: False leaves each document's shingle hashes in text order with repeats
            (their MinHash is the same; sorting is left to whoever needs the set).
    """
    if norms is None:
        norms = [normalise(d.text) for d in docs]
    every = tokenise_batch(norms, cfg.shingle)
    seed = cfg.shingle.seed
    words = every if cfg.shingle.kind == "word" else tokenise_batch(norms, ShingleConfig(seed=seed))
    starts = attribution.name_starts_batch(norms, words, seed)
    kept, founds = [], []
    for doc, norm, toks, at in zip(docs, norms, every, starts, strict=True):
        lines = attribution.normalised_lines(doc.text, norm)
        found = attribution.find(doc.text, norm=norm, starts=at, lines=lines)
        recurring = chrome.get(doc.outlet or "") if chrome else None
        if recurring:
            found = attribution.with_recurring(doc.text, found, recurring, norm, lines)
        tokens = without(toks, norm, attribution.excluded_spans(found))
        if len(tokens) < cfg.shingle.size:
            tokens = toks  # nothing but attribution: match it as it is, so copies still match
        kept.append(tokens)
        founds.append(tuple(found))
    shingled = shingle_sets([t.hashes for t in kept], cfg.shingle.size, unique=sets)
    return [
        Prepared(doc, norm, tokens, sh, found)
        for doc, norm, tokens, sh, found in zip(docs, norms, kept, shingled, founds, strict=True)
    ]


def without(tokens: Tokens, norm: Normalised, spans: Sequence[tuple[int, int]]) -> Tokens:
    """The tokens that start outside every span (original offsets)."""
    if not spans or not len(tokens):
        return tokens
    starts = norm.offsets[tokens.starts]
    inside = np.zeros(len(tokens), dtype=bool)
    for s, e in spans:
        inside |= (starts >= s) & (starts < e)
    keep = ~inside
    return Tokens(tokens.hashes[keep], tokens.starts[keep], tokens.ends[keep])


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


def _passage_docs(prepared: Sequence[Prepared], cfg: DedupConfig) -> list[passage_stage.PassageDoc]:
    word = ShingleConfig()

    def words(p: Prepared) -> Tokens:
        if cfg.shingle.kind == "word":
            return p.tokens
        return without(tokenise(p.norm, word), p.norm, attribution.excluded_spans(p.attribution))

    return passage_stage.prepare_batch([(p.doc, p.norm, words(p)) for p in prepared], cfg.passage)


def _shared(
    m: passage_stage.Passage,
    prepared: Sequence[Prepared],
    pds: Sequence[passage_stage.PassageDoc],
    credited: Sequence[bool],
    *,
    by_id: bool,
) -> SharedPassage:
    """A found passage in original offsets, with the words each side lacks; with
    `by_id`, the document with the smaller id is `a`."""
    a, b = prepared[m.a].doc, prepared[m.b].doc
    (a_s, a_e), (b_s, b_e) = m.a_span, m.b_span
    a_d = tuple(passage_stage.unmatched_spans(pds[m.a], m.a_tokens, m.a_matched))
    b_d = tuple(passage_stage.unmatched_spans(pds[m.b], m.b_tokens, m.b_matched))
    if by_id and b.id < a.id:
        a, b, a_s, a_e, b_s, b_e, a_d, b_d = b, a, b_s, b_e, a_s, a_e, b_d, a_d
    return SharedPassage(
        a.id,
        a_s,
        a_e,
        b.id,
        b_s,
        b_e,
        m.score,
        m.weight,
        a.text[a_s:a_e],
        b.text[b_s:b_e],
        uncredited=not (credited[m.a] or credited[m.b]),
        a_diff=a_d,
        b_diff=b_d,
    )


def find_passages(
    prepared: Sequence[Prepared],
    cfg: DedupConfig,
    groups: list[int] | None = None,
    *,
    sides: list[int] | None = None,
) -> Passages:
    """Passages shared by different documents, their reuse clusters and coverage.

    `groups` labels near-duplicates (one label per document), so that copies of one
    story do not make its words look common. With `sides`, only documents on different
    sides are compared (new items against an archive, suspicious against sources).
    """
    pds = _passage_docs(prepared, cfg)
    credited = [attribution.credits_agency(p.attribution) for p in prepared]
    shared = [
        _shared(m, prepared, pds, credited, by_id=True)
        for m in passage_stage.find(pds, cfg.passage, groups, sides=sides)
    ]
    shared.sort(key=lambda x: (x.a, x.a_start, x.b, x.b_start))
    docs = [p.doc for p in prepared]
    chars, outlets = coverage(shared, docs)
    texts = {d.id: d.text for d in docs}
    return Passages(tuple(shared), tuple(reuse_clusters(shared, texts)), chars, tuple(outlets))


def compare(a: Doc, b: Doc, cfg: DedupConfig, background: Sequence[Doc] = ()) -> Comparison:
    """Whole-text overlap and every aligned passage of two documents, with the words
    each side does not share marked (as spans of its original text).

    `background` documents only inform how common words are; they are not compared.
    """
    prepared = prepare_batch([a, b, *background], cfg)
    jac, cont = overlap(prepared[0].shingles, prepared[1].shingles)
    pds = _passage_docs(prepared, cfg)
    credited = [attribution.credits_agency(p.attribution) for p in prepared]
    found = [
        _shared(m, prepared, pds, credited, by_id=False)
        for m in passage_stage.find(pds, cfg.passage, list(range(len(pds))), focus=2)
    ]
    found.sort(key=lambda x: (x.a_start, x.b_start))
    return Comparison(a, b, round(jac, 6), round(cont, 6), tuple(found))


def run(docs: Sequence[Doc], cfg: DedupConfig, *, progress: Progress | None = None) -> Report:
    """Find near-duplicate documents.

    The output is deterministic: it depends on the documents and `cfg` only, not
    on input order (pairs are sorted by id, clusters by their smallest id).
    """
    norms = [normalise(d.text) for d in docs]
    chrome = (
        attribution.recurring_lines([(d.text, d.outlet) for d in docs])
        if any(d.outlet for d in docs)
        else {}
    )
    prepared: list[Prepared] = []
    for lo in range(0, len(docs), BATCH):
        prepared += prepare_batch(docs[lo : lo + BATCH], cfg, chrome, norms[lo : lo + BATCH])
        if progress is not None:
            progress(len(docs[lo : lo + BATCH]))
    found = find_pairs(prepared, cfg)
    pairs = sorted(
        (
            Pair(min(ids), max(ids), round(jac, 6), round(cont, 6))
            for i, j, jac, cont in found
            for ids in [(docs[i].id, docs[j].id)]
        ),
        key=lambda p: (p.a, p.b),
    )
    found_passages = None
    if cfg.passages:
        groups = list(range(len(prepared)))
        for members in components(len(prepared), [(i, j) for i, j, _, _ in found]):
            for i in members:
                groups[i] = members[0]
        found_passages = find_passages(prepared, cfg, groups)
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
        passages=found_passages,
        attribution={p.doc.id: p.attribution for p in prepared},
        extra={"dedup_version": __version__},
    )


@dataclass(frozen=True, slots=True)
class IndexMatch:
    """A stored (or earlier in the batch) document an item duplicates."""

    id: str
    jaccard: float
    containment: float


@dataclass(frozen=True, slots=True)
class IndexItem:
    """What an index says of one incoming item."""

    id: str
    status: str  # "new" or "duplicate"
    matches: tuple[IndexMatch, ...]
    stored: bool


def index_config(params: IndexParams) -> DedupConfig:
    """The config an index was built with."""
    return DedupConfig(
        shingle=ShingleConfig(
            kind="char" if params.shingle_kind == "char" else "word",
            size=params.shingle_size,
            seed=params.shingle_seed,
        ),
        lsh=LSHConfig(
            num_perm=params.num_perm,
            seed=params.seed,
            threshold=params.threshold,
            bands=params.bands,
            rows=params.rows,
        ),
        verify=VerifyConfig(threshold=params.threshold),
        passages=False,
    )


def index_items(
    store: IndexStore, docs: Sequence[Doc], *, store_items: bool, skip_duplicates: bool = False
) -> list[IndexItem]:
    """Check items against the index (and earlier items of the same batch); with
    `store_items`, add them (only the new ones with `skip_duplicates`) in one
    transaction."""
    cfg = index_config(store.params)
    prepared = prepare_batch(docs, cfg)
    sigs = signatures([p.shingles for p in prepared], cfg.lsh)
    band = banding(cfg.lsh)
    keys = band_keys(sigs, band)
    stored_cands = store.candidates(keys)
    stored = store.get({i for c in stored_cands for i in c})
    valid = np.fromiter((len(p.shingles) > 0 for p in prepared), dtype=bool, count=len(prepared))
    earlier: dict[int, list[int]] = {}
    for i, j in candidates(sigs, band, valid).tolist():
        earlier.setdefault(j, []).append(i)
    items, keep = [], []
    for j, p in enumerate(prepared):
        found = []
        for sid in stored_cands[j]:
            jac, cont = overlap(p.shingles, stored[sid].shingles)
            if accept(jac, cont, cfg.verify):
                found.append(IndexMatch(sid, round(jac, 6), round(cont, 6)))
        for i in earlier.get(j, []):
            if skip_duplicates and i not in keep:
                continue  # an earlier item that is not being stored
            jac, cont = overlap(p.shingles, prepared[i].shingles)
            if accept(jac, cont, cfg.verify):
                found.append(IndexMatch(prepared[i].doc.id, round(jac, 6), round(cont, 6)))
        found.sort(key=lambda m: (-m.jaccard, m.id))
        status = "duplicate" if found else "new"
        will_store = store_items and (status == "new" or not skip_duplicates)
        if will_store:
            keep.append(j)
        items.append(IndexItem(p.doc.id, status, tuple(found), will_store))
    if store_items and keep:
        store.add(
            [
                StoredDoc(
                    prepared[j].doc.id,
                    prepared[j].doc.outlet,
                    prepared[j].doc.date,
                    prepared[j].doc.title,
                    prepared[j].doc.url,
                    prepared[j].doc.source,
                    len(prepared[j].doc.text),
                    sigs[j],
                    prepared[j].shingles,
                )
                for j in keep
            ],
            keys[keep],
        )
    return items
