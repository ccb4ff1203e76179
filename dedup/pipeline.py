"""The pipeline: the only module that chains the stages."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from contextlib import nullcontext
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from dedup import __version__, attribution, fingerprint, forked
from dedup import passages as passage_stage
from dedup.attribution import Attribution
from dedup.cluster import clusters, components, coverage, reuse_clusters
from dedup.config import DedupConfig, LSHConfig, ShingleConfig, VerifyConfig
from dedup.lsh import band_keys, banding, candidates
from dedup.normalise import normalise_batch
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
#: Incoming items whose passages are aligned together (with their stored candidates).
INDEX_PASSAGE_CHUNK = 200
#: Documents kept prepared for passages across chunks of one batch.
INDEX_CACHE = 5000
#: Stored documents (the first stored) that inform word rarity, with the items and
#: their candidates, when items are aligned against stored documents.
INDEX_BACKGROUND = 50

U64 = npt.NDArray[np.uint64]
#: A document when aligning items against an index: ("item", batch index) or ("stored", id).
Key = tuple[str, str | int]


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
        norms = normalise_batch([d.text for d in docs])
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


def _words(p: Prepared, cfg: DedupConfig) -> Tokens:
    """A document's word tokens outside attribution (its tokens, unless shingles are
    character n-grams)."""
    if cfg.shingle.kind == "word":
        return p.tokens
    word = _word_config(cfg)
    return without(tokenise(p.norm, word), p.norm, attribution.excluded_spans(p.attribution))


def _word_config(cfg: DedupConfig) -> ShingleConfig:
    """How passage matching tokenises words (`_words`)."""
    return cfg.shingle if cfg.shingle.kind == "word" else ShingleConfig(seed=cfg.shingle.seed)


def _passage_docs(
    prepared: Sequence[Prepared], cfg: DedupConfig, workers: int | None = None
) -> list[passage_stage.PassageDoc]:
    return passage_stage.prepare_batch(
        [(p.doc, p.norm, _words(p, cfg)) for p in prepared], cfg.passage, workers
    )


def _shared(
    m: passage_stage.Passage,
    prepared: Sequence[Prepared],
    credited: Sequence[bool],
    *,
    by_id: bool,
) -> SharedPassage:
    """A found passage in original offsets, with the words each side lacks; with
    `by_id`, the document with the smaller id is `a`."""
    a, b = prepared[m.a].doc, prepared[m.b].doc
    (a_s, a_e), (b_s, b_e) = m.a_span, m.b_span
    a_d, b_d = m.a_diff, m.b_diff
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
    workers: int | None = None,
) -> Passages:
    """Passages shared by different documents, their reuse clusters and coverage.

    `groups` labels near-duplicates (one label per document), so that copies of one
    story do not make its words look common. With `sides`, only documents on different
    sides are compared (new items against an archive, suspicious against sources).
    Document pairs are aligned in `workers` processes (default: every core).
    """
    with forked.frozen_heap():  # many small objects made, none of them cyclic
        pds = _passage_docs(prepared, cfg, workers)
        credited = [attribution.credits_agency(p.attribution) for p in prepared]
        shared = [
            _shared(m, prepared, credited, by_id=True)
            for m in passage_stage.find(pds, cfg.passage, groups, sides=sides, workers=workers)
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
        _shared(m, prepared, credited, by_id=False)
        for m in passage_stage.find(pds, cfg.passage, list(range(len(pds))), focus=2)
    ]
    found.sort(key=lambda x: (x.a_start, x.b_start))
    return Comparison(a, b, round(jac, 6), round(cont, 6), tuple(found))


def run(
    docs: Sequence[Doc],
    cfg: DedupConfig,
    *,
    progress: Progress | None = None,
    workers: int | None = None,
) -> Report:
    """Find near-duplicate documents (and shared passages, `workers` processes
    aligning them: default every core).

    The output is deterministic: it depends on the documents and `cfg` only, not
    on input order (pairs are sorted by id, clusters by their smallest id).
    """
    norms = normalise_batch([d.text for d in docs])
    chrome = (
        attribution.recurring_lines([(d.text, d.outlet) for d in docs])
        if any(d.outlet for d in docs)
        else {}
    )
    prepared: list[Prepared] = []
    # With passages, their words' features are looked up meanwhile where that pays.
    with (
        passage_stage.features_ahead(norms, _word_config(cfg), workers)
        if cfg.passages
        else nullcontext()
    ):
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
        found_passages = find_passages(prepared, cfg, groups, workers=workers)
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
    """A stored (or earlier in the batch) document an incoming item duplicates."""

    id: str
    jaccard: float
    containment: float


@dataclass(frozen=True, slots=True)
class IndexPassage:
    """A passage an incoming item shares with a stored document (or an earlier item
    of the same batch): offsets into the item's and the other's original texts."""

    id: str
    start: int
    end: int
    other_start: int
    other_end: int
    weight: float
    text: str
    other_text: str
    uncredited: bool


@dataclass(frozen=True, slots=True)
class IndexItem:
    """What an index says of one incoming item."""

    id: str
    status: str  # "new", "duplicate" or "shares" (passages with stored items)
    matches: tuple[IndexMatch, ...]
    stored: bool
    passages: tuple[IndexPassage, ...] = ()


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
        passages=params.passages,
    )


def _fingerprints(prepared: Sequence[Prepared], cfg: DedupConfig, window: int) -> list[U64]:
    """Each document's passage fingerprints, from the word tokens passages use."""
    seed = cfg.shingle.seed
    return [fingerprint.fingerprints(_words(p, cfg).hashes, seed, window) for p in prepared]


def _stored(store: IndexStore, ids: Sequence[str], cfg: DedupConfig) -> list[Prepared]:
    """Stored documents read back with their texts and prepared, in the order of `ids`
    (ids no longer stored left out)."""
    got = store.get(ids, texts=True)
    docs = [
        Doc(i, d.text or "", d.source, d.outlet, d.date, d.title, d.url)
        for i in ids
        if (d := got.get(i)) is not None
    ]
    return prepare_batch(docs, cfg)


def _passage_candidates(
    store: IndexStore,
    fps: Sequence[U64],
    duplicates: Sequence[set[Key]],
    earlier_ok: Callable[[int], bool],
) -> list[list[Key]]:
    """For each item, the stored documents and earlier items of the batch (those for
    which `earlier_ok`) to align it against (`fingerprint.rank`), its near-duplicates
    left out. Fingerprints common in the batch are set phrases there too."""
    shared = store.sharing(fps)
    postings: dict[int, list[int]] = {}
    for i, f in enumerate(fps):
        for key in f.tolist():
            postings.setdefault(key, []).append(i)
    most = fingerprint.max_postings(len(fps))
    postings = {k: v for k, v in postings.items() if len(v) <= most}
    out = []
    for j, f in enumerate(fps):
        earlier: dict[int, int] = {}
        for key in f.tolist():
            for i in postings.get(key, ()):
                if i < j and earlier_ok(i):
                    earlier[i] = earlier.get(i, 0) + 1
        counts: list[tuple[Key, int]] = [(("stored", sid), n) for sid, n in shared[j]]
        counts += [(("item", i), n) for i, n in earlier.items()]
        out.append(fingerprint.rank(counts, duplicates[j]))
    return out


def _index_passages(
    store: IndexStore,
    prepared: Sequence[Prepared],
    cfg: DedupConfig,
    cands: Sequence[Sequence[Key]],
) -> list[list[IndexPassage]]:
    """Passages each item shares with its candidates. Items go in chunks, each aligned
    together with its candidates; they and the documents stored first inform word
    rarity. Each document is prepared once per batch."""
    out: list[list[IndexPassage]] = [[] for _ in prepared]
    cache: dict[Key, tuple[Prepared, passage_stage.PassageDoc]] = {}

    def load(keys: Sequence[Key]) -> list[Key]:
        """Prepare (once) the documents of `keys` that are not ready; the keys that are."""
        ready: list[tuple[Key, Prepared]] = [
            (("item", k), prepared[int(k)])
            for kind, k in keys
            if kind == "item" and (kind, k) not in cache
        ]
        ids = [str(k) for kind, k in keys if kind == "stored" and (kind, k) not in cache]
        ready += [(("stored", p.doc.id), p) for p in _stored(store, ids, cfg)]
        for (k, p), pd in zip(ready, _passage_docs([p for _, p in ready], cfg), strict=True):
            cache[k] = (p, pd)
        return [k for k in keys if k in cache]

    background = [("stored", i) for i in store.first(INDEX_BACKGROUND)]
    for lo in range(0, len(prepared), INDEX_PASSAGE_CHUNK):
        chunk = range(lo, min(lo + INDEX_PASSAGE_CHUNK, len(prepared)))
        if not any(cands[j] for j in chunk):
            continue
        while len(cache) > INDEX_CACHE:
            del cache[next(iter(cache))]  # the oldest first
        wanted = {c for j in chunk for c in cands[j]}
        items = sorted({*chunk, *(int(k) for kind, k in wanted if kind == "item")})
        keys: list[Key] = [("item", i) for i in items]
        keys += sorted(k for k in wanted if k[0] == "stored")
        keys = load(keys)
        paired = len(keys)
        keys += load([k for k in background if k not in wanted])
        docs = [cache[k][0] for k in keys]
        pds = [cache[k][1] for k in keys]
        where = {k: n for n, k in enumerate(keys[:paired])}
        owner = {}  # (smaller, larger) position → (the item's, the other's)
        for j in chunk:
            for c in cands[j]:
                if c in where:
                    x, y = where[("item", j)], where[c]
                    owner[(min(x, y), max(x, y))] = (x, y)
        credited = [attribution.credits_agency(p.attribution) for p in docs]
        for m in passage_stage.find(pds, cfg.passage, pairs=list(owner.values()), paired=paired):
            sp = _shared(m, docs, credited, by_id=False)
            x, y = owner[(min(m.a, m.b), max(m.a, m.b))]
            mine = m.a == x
            start, end = (sp.a_start, sp.a_end) if mine else (sp.b_start, sp.b_end)
            o_start, o_end = (sp.b_start, sp.b_end) if mine else (sp.a_start, sp.a_end)
            other = docs[y].doc
            out[int(keys[x][1])].append(
                IndexPassage(
                    other.id,
                    start,
                    end,
                    o_start,
                    o_end,
                    sp.weight,
                    docs[x].doc.text[start:end],
                    other.text[o_start:o_end],
                    sp.uncredited,
                )
            )
    for found in out:
        found.sort(key=lambda p: (p.start, p.id, p.other_start))
    return out


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
    matches: list[list[IndexMatch]] = []
    dups: list[set[Key]] = []
    keep: list[int] = []  # the items to store, in order
    kept: set[int] = set()  # the same, to look up
    for j, p in enumerate(prepared):
        found, of = [], set[Key]()
        for sid in stored_cands[j]:
            jac, cont = overlap(p.shingles, stored[sid].shingles)
            if accept(jac, cont, cfg.verify):
                found.append(IndexMatch(sid, round(jac, 6), round(cont, 6)))
                of.add(("stored", sid))
        for i in earlier.get(j, []):
            if skip_duplicates and i not in kept:
                continue  # an earlier item that is not being stored
            jac, cont = overlap(p.shingles, prepared[i].shingles)
            if accept(jac, cont, cfg.verify):
                found.append(IndexMatch(prepared[i].doc.id, round(jac, 6), round(cont, 6)))
                of.add(("item", i))
        found.sort(key=lambda m: (-m.jaccard, m.id))
        matches.append(found)
        dups.append(of)
        if store_items and (not found or not skip_duplicates):
            keep.append(j)
            kept.add(j)
    window = store.params.fingerprint_window
    fps = _fingerprints(prepared, cfg, window) if store.params.passages else []
    shares: list[list[IndexPassage]] = [[] for _ in prepared]
    if store.params.passages:
        ok = (lambda i: i in kept) if skip_duplicates else (lambda i: True)
        cands = _passage_candidates(store, fps, dups, ok)
        shares = _index_passages(store, prepared, cfg, cands)
    items = [
        IndexItem(
            p.doc.id,
            "duplicate" if found else "shares" if passages else "new",
            tuple(found),
            j in kept,
            tuple(passages),
        )
        for j, (p, found, passages) in enumerate(zip(prepared, matches, shares, strict=True))
    ]
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
                    prepared[j].doc.text if store.params.passages else None,
                    fps[j] if store.params.passages else None,
                )
                for j in keep
            ],
            keys[keep],
        )
    return items
