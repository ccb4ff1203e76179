"""Shared passages between different documents: units → MinHash-LSH → alignment → spans.

Units are sentences and windows of consecutive sentences. Their shingles are
character n-grams of light-stemmed content words, which survive desk editing
(و-/ال- prefixes, -ها/-ات suffixes, re-spelled names). Candidate unit pairs come from
the same MinHash and LSH code as whole documents; each is verified by exact
containment, then aligned token by token (`dedup.align`). Alignments of one document
pair that overlap merge into one; a passage then extends into the neighbouring
sentences while they align too (seed and extend), so a shared three-sentence passage
comes out as one span per document.
"""

from __future__ import annotations

import threading
from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from itertools import pairwise
from typing import NamedTuple

import numpy as np
import numpy.typing as npt
import xxhash

from dedup import forked
from dedup.align import UNIT, Alignment, TokenSeq, align_spans, coded
from dedup.arrays import chunk_bounds, distinct, distinct_inverse, member, ranges
from dedup.bag import window_regions
from dedup.cluster import components
from dedup.config import LSHConfig, PassageConfig, ShingleConfig
from dedup.forked import fork_map
from dedup.lsh import band_keys, key_candidates, lsh_params
from dedup.morph import STOPWORDS, skeleton, stem
from dedup.segment import sentence_breaks
from dedup.shingle import fmix64, shingle_hashes, tokenise_batch
from dedup.sketch import flat_signatures
from dedup.types import Doc, Normalised, Tokens

I64 = npt.NDArray[np.int64]

#: Match weight of a stopword, in `UNIT`s (a full word is 16).
STOPWORD_WEIGHT = 3


@dataclass(frozen=True, slots=True)
class PassageDoc:
    """A document's features for passage matching."""

    doc: Doc
    norm: Normalised
    tokens: Tokens
    seq: TokenSeq
    sent_bounds: I64
    stem_text: npt.NDArray[np.uint32]  # code points of the content words' stems, in order
    stem_len: I64  # per content word, the length of its stem
    uni: npt.NDArray[np.float32]
    bi: npt.NDArray[np.float32]

    def weighed(self, uni: npt.NDArray[np.float32], bi: npt.NDArray[np.float32]) -> PassageDoc:
        """The document with these word and bigram rarities (`replace`, without its
        per-call cost: `weigh` makes one for every document)."""
        return PassageDoc(
            self.doc,
            self.norm,
            self.tokens,
            self.seq,
            self.sent_bounds,
            self.stem_text,
            self.stem_len,
            uni,
            bi,
        )

    def original_span(self, t0: int, t1: int) -> tuple[int, int]:
        """Original-text span of tokens `[t0, t1)`."""
        return self.norm.original_span(int(self.tokens.starts[t0]), int(self.tokens.ends[t1 - 1]))

    def sentence_of(self, token: int) -> int:
        """Index of the sentence holding `token`."""
        return int(np.searchsorted(self.sent_bounds, token, side="right") - 1)


@dataclass(frozen=True, slots=True)
class Passage:
    """A passage shared by documents `a` and `b` (indices into the input), as token
    ranges and original-text offsets, with the alignment's matched tokens and the
    original-text spans of the words each side lacks (`unmatched_spans`)."""

    a: int
    b: int
    a_tokens: tuple[int, int]
    b_tokens: tuple[int, int]
    a_span: tuple[int, int]
    b_span: tuple[int, int]
    score: float
    matches: int
    content_matches: int
    weight: float
    a_matched: I64
    b_matched: I64
    a_diff: tuple[tuple[int, int], ...] = ()
    b_diff: tuple[tuple[int, int], ...] = ()

    def with_diffs(
        self, a_diff: tuple[tuple[int, int], ...], b_diff: tuple[tuple[int, int], ...]
    ) -> Passage:
        """The passage with these unmatched spans (`replace`, without its per-call cost)."""
        return Passage(
            self.a,
            self.b,
            self.a_tokens,
            self.b_tokens,
            self.a_span,
            self.b_span,
            self.score,
            self.matches,
            self.content_matches,
            self.weight,
            self.a_matched,
            self.b_matched,
            a_diff,
            b_diff,
        )


Features = tuple[str, int, int, bool]


class _FeatureTable(NamedTuple):
    """`word_features` of the words seen so far, by token hash (sorted `keys`): the
    stem hash, skeleton hash and content flag (`feats`), and where each stem's code
    points are in `codes`."""

    keys: npt.NDArray[np.uint64]
    feats: npt.NDArray[np.uint64]
    stem_len: I64
    stem_start: I64
    codes: npt.NDArray[np.uint32]


def _empty_table() -> _FeatureTable:
    e = np.empty(0, np.int64)
    return _FeatureTable(
        np.empty(0, np.uint64), np.empty((0, 3), np.uint64), e, e, np.empty(0, np.uint32)
    )


_TABLE = _empty_table()


def _feature_table(
    vocab: npt.NDArray[np.uint64], words: Callable[[I64], list[str]], workers: int | None
) -> _FeatureTable:
    """The feature table, holding every token hash of `vocab` (sorted, distinct):
    those not in it yet get the features of their words (`words(indices)`), looked up
    by `features_of`. Emptied when it grows past `FEATURES_KEPT` words."""
    global _TABLE
    table = _kept_table()
    new = np.flatnonzero(~member(table.keys, vocab))
    if not len(new):
        return table
    _TABLE = _merged(table, _new_words(vocab[new], words(new), workers))
    return _TABLE


def _kept_table() -> _FeatureTable:
    """The feature table, or an empty one once it holds more than `FEATURES_KEPT` words."""
    return _TABLE if len(_TABLE.keys) <= FEATURES_KEPT else _empty_table()


class _NewWords(NamedTuple):
    """Features of words not in the feature table yet: their token hashes, (stem hash,
    skeleton hash, content flag) each, and their stems' lengths and code points."""

    keys: npt.NDArray[np.uint64]
    feats: npt.NDArray[np.uint64]
    stem_len: I64
    codes: npt.NDArray[np.uint32]


def _new_words(keys: npt.NDArray[np.uint64], words: list[str], workers: int | None) -> _NewWords:
    """The features of `words` (`features_of`), whose token hashes are `keys`."""
    found = features_of(words, workers)
    stems = [f[0] for f in found]
    return _NewWords(
        keys,
        np.array([f[1:] for f in found], dtype=np.uint64).reshape(-1, 3),
        np.fromiter((len(x) for x in stems), dtype=np.int64, count=len(stems)),
        np.frombuffer("".join(stems).encode("utf-32-le"), dtype=np.uint32),
    )


def _merged(table: _FeatureTable, new: _NewWords) -> _FeatureTable:
    """The table with the new words (none of them in it) added."""
    keys = np.concatenate([table.keys, new.keys])
    order = np.argsort(keys, kind="stable")
    starts = len(table.codes) + np.cumsum(new.stem_len) - new.stem_len
    return _FeatureTable(
        keys[order],
        np.concatenate([table.feats, new.feats])[order],
        np.concatenate([table.stem_len, new.stem_len])[order],
        np.concatenate([table.stem_start, starts])[order],
        np.concatenate([table.codes, new.codes]),
    )


def _word_texts(texts: list[str], tokens: Sequence[Tokens], inv: I64, which: I64) -> list[str]:
    """The text of the vocabulary's words `which`, from one occurrence of each: `inv`
    gives each token's word (every text's tokens end to end, as `distinct_inverse` of
    their hashes does)."""
    first = np.empty(int(inv.max(initial=-1)) + 1, dtype=np.int64)
    first[inv] = np.arange(len(inv))  # one occurrence of each (which does not matter)
    at = first[which]
    lens = np.array([len(t) for t in tokens], dtype=np.int64)
    base = np.cumsum(lens) - lens
    doc_of = np.searchsorted(base, at, side="right") - 1
    starts = np.concatenate([t.starts for t in tokens]) if tokens else np.empty(0, np.int64)
    ends = np.concatenate([t.ends for t in tokens]) if tokens else np.empty(0, np.int64)
    return [
        texts[d][s:e]
        for d, s, e in zip(doc_of.tolist(), starts[at].tolist(), ends[at].tolist(), strict=True)
    ]


#: Words not in the feature table yet, estimated from a sample of the texts, from which
#: their features are looked up ahead (`features_ahead`).
AHEAD_MIN_WORDS = 20_000

#: Texts sampled for that estimate.
AHEAD_SAMPLE = 100


@contextmanager
def features_ahead(
    norms: Sequence[Normalised], cfg: ShingleConfig, workers: int | None = None
) -> Iterator[None]:
    """While the body of the `with` runs (the document level, on one core), a forked
    process looks up the features of every word of `norms` (tokenised by `cfg`, as
    passage matching will tokenise them), and they join the feature table when the body
    ends: passage matching then finds its words known. Only where that pays: about
    `AHEAD_MIN_WORDS` or more of the texts' words are not in the table yet (estimated
    from `AHEAD_SAMPLE` texts spread over them: every command-line run, and a process's
    first run on new texts), and `workers` allows more than one process. Otherwise, or
    should that process fail, passage matching looks the words up itself, as without
    this; the table is the same either way."""
    worth = forked.workers(workers) > 1 and _unknown_words(norms, cfg) >= AHEAD_MIN_WORDS
    with forked.ahead(lambda: _words_of(norms, cfg), allowed=worth) as result:
        yield
        new = result()
    if new is not None:
        _absorb(new)


def _unknown_words(norms: Sequence[Normalised], cfg: ShingleConfig) -> int:
    """About how many distinct words of `norms` the feature table lacks: those of a
    sample of the texts, scaled to all of them (an overestimate: a vocabulary grows
    more slowly than its texts)."""
    if not norms:
        return 0
    step = max(1, len(norms) // AHEAD_SAMPLE)
    sample = tokenise_batch(norms[::step], cfg)
    hashes = distinct(np.concatenate([t.hashes for t in sample]))
    unknown = int((~member(_kept_table().keys, hashes)).sum())
    return unknown * len(norms) // len(sample)


def _words_of(norms: Sequence[Normalised], cfg: ShingleConfig) -> _NewWords:
    """The features of the words of `norms` (tokenised by `cfg`) not in the table yet,
    in this process."""
    tokens = tokenise_batch(norms, cfg)
    all_h = np.concatenate([t.hashes for t in tokens]) if tokens else np.empty(0, np.uint64)
    vocab, inv = distinct_inverse(all_h)
    new = np.flatnonzero(~member(_kept_table().keys, vocab))
    return _new_words(vocab[new], _word_texts([n.text for n in norms], tokens, inv, new), 1)


def _absorb(new: _NewWords) -> None:
    """Add the words of `new` that the feature table lacks to it."""
    global _TABLE
    table = _kept_table()
    fresh = ~member(table.keys, new.keys)
    if fresh.all():
        _TABLE = _merged(table, new)
    elif fresh.any():
        at = np.cumsum(new.stem_len) - new.stem_len
        codes = new.codes[ranges(at[fresh], new.stem_len[fresh])]
        _TABLE = _merged(
            table, _NewWords(new.keys[fresh], new.feats[fresh], new.stem_len[fresh], codes)
        )


#: Words the feature table holds at most (`_feature_table`): past that it starts afresh.
FEATURES_KEPT = 1 << 19

#: Distinct words from which `features_of` computes features in several processes.
PARALLEL_MIN_WORDS = 20_000


def features_of(words: list[str], workers: int | None = None) -> list[Features]:
    """`word_features` of each word, each distinct word computed once; when there are
    many, in `workers` processes (default: every core). (The words' features are
    remembered between batches by token hash, in `_feature_table`.)"""
    distinct_words = list(dict.fromkeys(words))
    n = forked.workers(workers) if len(distinct_words) >= PARALLEL_MIN_WORDS else 1
    shares = [distinct_words[k::n] for k in range(n)]
    found: dict[str, Features] = {}
    for share, feats in zip(
        shares, fork_map(lambda ws: [word_features(w) for w in ws], shares), strict=True
    ):
        found.update(zip(share, feats, strict=True))
    return [found[w] for w in words]


def word_features(word: str) -> Features:
    """A normalised word's stem, stem hash, skeleton hash and whether it is a content
    word (not a stopword, stem of two letters or more)."""
    st = stem(word)
    sk = skeleton(st)
    return (
        st,
        xxhash.xxh3_64_intdigest(st.encode("utf-8", "surrogatepass"), 0),
        xxhash.xxh3_64_intdigest(sk.encode("utf-8", "surrogatepass"), 1),
        word not in STOPWORDS and len(st) > 1,
    )


def prepare(doc: Doc, norm: Normalised, tokens: Tokens, cfg: PassageConfig) -> PassageDoc:
    """Stems, skeletons, sentence bounds and the content words' stems of one document."""
    return prepare_batch([(doc, norm, tokens)], cfg)[0]


def prepare_batch(
    items: Sequence[tuple[Doc, Normalised, Tokens]],
    cfg: PassageConfig,
    workers: int | None = None,
) -> list[PassageDoc]:
    """`prepare` for many documents, looking up each distinct word once for all of
    them (keyed by the tokens' xxhash; many new words in `workers` processes), the rest
    in numpy."""
    lens = np.array([len(t) for _, _, t in items], dtype=np.int64)
    base = np.cumsum(lens) - lens
    all_h = np.concatenate([t.hashes for _, _, t in items]) if items else np.empty(0, np.uint64)
    # Any occurrence of a word stands for all: equal hashes are the same word.
    vocab, inv = distinct_inverse(all_h)
    texts = [norm.text for _, norm, _ in items]

    def word_texts(which: I64) -> list[str]:
        return _word_texts(texts, [t for _, _, t in items], inv, which)

    table = _feature_table(vocab, word_texts, workers)
    rows = np.searchsorted(table.keys, vocab)
    feats = table.feats[rows]
    stem_len = table.stem_len[rows]
    code_start = table.stem_start[rows]
    codes = table.codes
    stems_all, skels_all = feats[inv, 0], feats[inv, 1]
    content_all = feats[inv, 2].astype(bool)
    weights_all = np.where(content_all, UNIT, STOPWORD_WEIGHT).astype(np.int32)
    # The content words' stems, end to end, for the units' n-grams (`_unit_grams`).
    content_words = inv[content_all]
    lengths = stem_len[content_words]
    text = codes[ranges(code_start[content_words], lengths)]
    text_cut = np.searchsorted(
        np.repeat(np.arange(len(items)), lens)[content_all], np.arange(len(items) + 1)
    )
    char_cut = np.concatenate([[0], np.cumsum(lengths)])[text_cut]
    bounds, bound_cuts = _sentence_bounds(items, lens, base)
    out = []
    for d, (doc, norm, tokens) in enumerate(items):
        lo, hi = int(base[d]), int(base[d] + lens[d])
        seq = TokenSeq(stems_all[lo:hi], skels_all[lo:hi], content_all[lo:hi], weights_all[lo:hi])
        sent_bounds = bounds[bound_cuts[d] : bound_cuts[d + 1]]
        chars = text[char_cut[d] : char_cut[d + 1]]
        words = lengths[text_cut[d] : text_cut[d + 1]]
        ones = np.ones(hi - lo, dtype=np.float32)
        out.append(PassageDoc(doc, norm, tokens, seq, sent_bounds, chars, words, ones, ones))
    return out


def _sentence_bounds(
    items: Sequence[tuple[Doc, Normalised, Tokens]], lens: I64, base: I64
) -> tuple[I64, list[int]]:
    """Every document's sentence bounds as token indices (0, the first token of each
    sentence, the token count; distinct, sorted), end to end: document d's are
    `bounds[cuts[d]:cuts[d + 1]]`. Documents are laid end to end in one character
    space, so that one search places every break of every document."""
    chars = np.array([len(doc.text) + 1 for doc, _, _ in items], dtype=np.int64)
    char_base = np.cumsum(chars) - chars
    starts = [norm.offsets[tokens.starts] for _, norm, tokens in items]
    tok_key = (
        np.concatenate(starts) + np.repeat(char_base, lens) if items else np.empty(0, np.int64)
    )
    breaks = [sentence_breaks(doc.text) for doc, _, _ in items]
    counts = np.array([len(b) for b in breaks], dtype=np.int64)
    doc_of_break = np.repeat(np.arange(len(items)), counts)
    flat = np.fromiter((x for b in breaks for x in b), dtype=np.int64, count=int(counts.sum()))
    at = np.searchsorted(tok_key, flat + char_base[doc_of_break]) - base[doc_of_break]
    span = np.int64(int(lens.max()) + 1 if len(lens) else 1)
    docs = np.arange(len(items), dtype=np.int64)
    keys = distinct(np.concatenate([doc_of_break * span + at, docs * span, docs * span + lens]))
    cuts = np.searchsorted(keys, np.arange(len(items) + 1) * span).tolist()
    return keys - np.repeat(docs * span, np.diff(cuts)), cuts


def _idf_ratio(
    flat: npt.NDArray[np.uint64], lens: I64, groups: list[int], n: int
) -> npt.NDArray[np.float32]:
    """For every item of every document (document d's are the `lens[d]` items of `flat`
    after those of the documents before), BM25's idf over its group frequency
    relative to that of an item exactly two groups share, capped at 1."""
    _, df, inv = _group_frequency_flat(flat, lens, groups)

    def idf(x: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
        return np.log1p((n - x + 0.5) / (x + 0.5))

    ratio = np.minimum(1.0, idf(df.astype(np.float64)) / idf(np.array([2.0]))[0])
    out: npt.NDArray[np.float32] = ratio.astype(np.float32)[inv]
    return out


def _bigrams(stems: npt.NDArray[np.uint64]) -> npt.NDArray[np.uint64]:
    """Id of the stem bigram ending at each token (the first token has none: 0)."""
    out = np.zeros(len(stems), dtype=np.uint64)
    if len(stems) > 1:
        out[1:] = fmix64(stems[:-1] * np.uint64(0x9E3779B97F4A7C15) + stems[1:])
    return out


def group_frequency(
    items: list[npt.NDArray[np.uint64]], groups: list[int]
) -> tuple[npt.NDArray[np.uint64], I64, I64]:
    """Distinct items over all documents, for each how many groups of documents hold
    it, and for every item of the concatenated input its index in the distinct ones
    (in two sorts, whatever the number of documents).

    Example:
        >>> v, df, inv = group_frequency([np.array([5, 7], np.uint64), np.array([7], np.uint64),
        ...                               np.array([7, 9], np.uint64)], [0, 0, 1])
        >>> v.tolist(), df.tolist(), inv.tolist()
        ([5, 7, 9], [1, 2, 1], [0, 1, 1, 1, 2])
    """
    lens = np.array([len(x) for x in items], dtype=np.int64)
    flat = np.concatenate(items) if items else np.empty(0, np.uint64)
    return _group_frequency_flat(flat, lens, groups)


def _group_frequency_flat(
    flat: npt.NDArray[np.uint64], lens: I64, groups: list[int]
) -> tuple[npt.NDArray[np.uint64], I64, I64]:
    """`group_frequency` of the documents' items end to end (`lens` of each)."""
    vocab, inv = distinct_inverse(flat)
    _, group = np.unique(np.asarray(groups, dtype=np.int64), return_inverse=True)
    # Distinct (item, group) pairs, packed into bits: in 32 of them when they fit.
    bits = max(1, int(group.max(initial=0)).bit_length())
    dtype = np.uint32 if (max(1, len(vocab)) << bits) <= 1 << 32 else np.uint64
    key = np.left_shift(inv.astype(dtype), bits) | np.repeat(group.astype(dtype), lens)
    df = np.bincount(np.right_shift(distinct(key), bits).astype(np.int64), minlength=len(vocab))
    return vocab, df.astype(np.int64), inv


def weigh(docs: list[PassageDoc], groups: list[int] | None = None) -> list[PassageDoc]:
    """Rarity of every content word and of every stem bigram over `docs`.

    A word (or bigram) that only two documents share has rarity 1; one that most
    documents use has little. Stopwords have rarity 3/16 whatever their frequency.
    Documents in one group (near-duplicates of each other) count as one document.
    """
    if not docs:
        return docs
    groups = groups if groups is not None else list(range(len(docs)))
    n = len(set(groups))
    # Every document's tokens end to end: content stems and bigrams inside documents.
    lens = np.array([len(d.seq) for d in docs], dtype=np.int64)
    stems = np.concatenate([d.seq.stems for d in docs])
    content = np.concatenate([d.seq.content for d in docs])
    starts = np.cumsum(lens) - lens
    inner = np.ones(len(stems), dtype=bool)  # tokens with one before them in their document
    inner[starts[lens > 0]] = False
    doc_of = np.repeat(np.arange(len(docs), dtype=np.int64), lens)
    content_lens = np.bincount(doc_of[content], minlength=len(docs)).astype(np.int64)
    uni = np.full(len(stems), STOPWORD_WEIGHT / UNIT, dtype=np.float32)
    uni[content] = _idf_ratio(stems[content], content_lens, groups, n)
    big = np.zeros(len(stems), dtype=np.float32)
    big[inner] = _idf_ratio(_bigrams(stems)[inner], np.maximum(lens - 1, 0), groups, n)
    return [
        d.weighed(uni[lo : lo + k], big[lo : lo + k])
        for d, lo, k in zip(docs, starts.tolist(), lens.tolist(), strict=True)
    ]


class _Grams(NamedTuple):
    """Unit shingles of documents whose tokens are laid end to end: the shingles, the
    token each ends at (an index into the concatenation, nondecreasing), and where each
    document's start (`cuts[d]:cuts[d + 1]`)."""

    grams: npt.NDArray[np.uint64]
    last: I64
    cuts: I64


#: Characters of content stems whose unit shingles are made at once (the arrays of a
#: batch stay in cache; one pass over millions of grams faults in fresh memory).
GRAM_CHARS = 1 << 16


def _unit_grams(docs: Sequence[PassageDoc], n: int) -> _Grams:
    """Unit shingles of every document, ordered by the last token each covers:
    character n-grams over the document's concatenated content stems (robust to affixes
    and re-spelling) and the content stems themselves (robust to reordered words), a
    batch of documents (`GRAM_CHARS` characters) at a time."""
    bounds = chunk_bounds(np.cumsum([len(d.stem_text) for d in docs], dtype=np.int64), GRAM_CHARS)
    if len(bounds) <= 2:
        return _unit_grams_batch(docs, n)
    batches = [_unit_grams_batch(docs[lo:hi], n) for lo, hi in pairwise(bounds)]
    tokens = np.cumsum([0, *(len(d.seq) for d in docs)])
    grams_before = np.cumsum([0, *(len(b.grams) for b in batches)])
    return _Grams(
        np.concatenate([b.grams for b in batches]),
        np.concatenate([b.last + tokens[lo] for b, lo in zip(batches, bounds, strict=False)]),
        np.concatenate(
            [np.zeros(1, np.int64)]
            + [b.cuts[1:] + g for b, g in zip(batches, grams_before, strict=False)]
        ),
    )


def _unit_grams_batch(docs: Sequence[PassageDoc], n: int) -> _Grams:
    """`_unit_grams` of a few documents in one numpy pass."""
    lens = np.array([len(d.seq) for d in docs], dtype=np.int64)
    content = np.concatenate([d.seq.content for d in docs]) if docs else np.empty(0, bool)
    stems = np.concatenate([d.seq.stems for d in docs]) if docs else np.empty(0, np.uint64)
    idx = np.flatnonzero(content)
    doc = np.repeat(np.arange(len(lens), dtype=np.int64), lens)
    words = fmix64(stems[idx] ^ np.uint64(0x5851F42D4C957F2D))
    lengths = np.concatenate([d.stem_len for d in docs]) if docs else np.empty(0, np.int64)
    text = (
        np.concatenate([d.stem_text for d in docs]).astype(np.uint64)
        if docs
        else np.empty(0, np.uint64)
    )
    owner = idx[np.repeat(np.arange(len(idx)), lengths)]
    grams = shingle_hashes(fmix64(text), n)
    inside = doc[owner[: len(grams)]] == doc[owner[n - 1 :]]  # no n-gram spans two documents
    g_last = owner[n - 1 :][inside]
    # Merge the two runs, each in token order: a gram before the word that ends it. A
    # gram goes after the words before its last token, a word after the grams ending
    # at it or before (counted, both runs being sorted by token).
    words_before = np.concatenate([[0], np.cumsum(content)])
    grams_upto = np.cumsum(np.bincount(g_last, minlength=len(content)))
    g_at = np.arange(len(g_last)) + words_before[g_last]
    w_at = np.arange(len(idx)) + grams_upto[idx]
    allg = np.empty(len(g_last) + len(idx), dtype=np.uint64)
    last = np.empty(len(allg), dtype=np.int64)
    allg[g_at], allg[w_at] = grams[inside], words
    last[g_at], last[w_at] = g_last, idx
    cuts = np.searchsorted(last, np.cumsum(np.concatenate([[0], lens])))
    return _Grams(allg, last, cuts)


def _kept_grams(found: _Grams, groups: list[int], cfg: PassageConfig) -> npt.NDArray[np.bool_]:
    """Which unit grams are kept: grams used by more stories (groups) than
    max(max_df_min, max_df x the number of stories) are set phrases and site chrome,
    which say nothing about reuse.

    A gram is used by no more stories than it occurs, nor than grams of its hash
    bucket (top bits) occur: only the grams of buckets that occur more often than
    the limit are counted by story (about half of them, the common ones)."""
    keep = np.ones(len(found.grams), dtype=bool)
    n = len(set(groups))
    limit = max(cfg.max_df_min, cfg.max_df * n)
    if n <= limit or not len(found.grams):
        return keep
    bits = min(KEPT_BUCKET_BITS, max(1, (len(found.grams) // 2).bit_length()))
    bucket = (found.grams >> np.uint64(64 - bits)).astype(np.int64)
    maybe = np.flatnonzero((np.bincount(bucket, minlength=1 << bits) > limit)[bucket])
    doc_cuts = np.searchsorted(maybe, found.cuts)  # the documents' runs among `maybe`
    _, df, inv = _group_frequency_flat(found.grams[maybe], np.diff(doc_cuts), groups)
    keep[maybe] = df[inv] <= limit
    return keep


#: Most bits of the hash buckets `_kept_grams` counts grams in (2**22 counters).
KEPT_BUCKET_BITS = 22


class _Units(NamedTuple):
    """Units (windows of sentences) and their grams: unit u's are the `size[u]` kept
    grams from `start[u]` on (units of overlapping windows share them), its place a
    row of (doc, token start, token end)."""

    kept: npt.NDArray[np.uint64]
    start: I64
    size: I64
    rows: I64

    def grams(self, lo: int, hi: int) -> npt.NDArray[np.uint64]:
        """The grams of units `lo` to `hi`, as runs of one flat array."""
        out: npt.NDArray[np.uint64] = self.kept[ranges(self.start[lo:hi], self.size[lo:hi])]
        return out


def _units(
    docs: list[PassageDoc], groups: list[int], cfg: PassageConfig, paired: int | None = None
) -> _Units:
    """Every unit's kept grams. Windows of 1 to `cfg.window` sentences, by document,
    then window size, then place. Only the first `paired` documents have units (the
    others inform gram frequency only)."""
    found = _unit_grams(docs, cfg.gram)
    keep = _kept_grams(found, groups, cfg)
    kept_at = np.flatnonzero(keep)  # kept grams before gram g: searchsorted(kept_at, g)
    kept = found.grams[kept_at]
    lens = np.array([len(d.seq) for d in docs], dtype=np.int64)
    base = np.cumsum(lens) - lens
    docs = docs[:paired] if paired is not None else docs
    n_b = np.array([len(d.sent_bounds) for d in docs], dtype=np.int64)
    flat_b = np.concatenate([d.sent_bounds for d in docs]) if docs else np.empty(0, np.int64)
    first_b = np.cumsum(n_b) - n_b
    parts = []
    for w in range(1, cfg.window + 1):
        count = np.maximum(n_b - w, 0)  # windows of w sentences per document
        at = ranges(first_b, count)
        doc = np.repeat(np.arange(len(docs), dtype=np.int64), count)
        t0, t1 = flat_b[at], flat_b[at + w]
        lo = np.searchsorted(kept_at, np.searchsorted(found.last, base[doc] + t0, side="left"))
        hi = np.searchsorted(kept_at, np.searchsorted(found.last, base[doc] + t1, side="left"))
        ok = hi > lo
        parts.append((doc[ok], np.full(int(ok.sum()), w), t0[ok], t1[ok], lo[ok], hi[ok]))
    doc, w_of, t0, t1, lo, hi = (np.concatenate(x) for x in zip(*parts, strict=True))
    order = np.lexsort((w_of, doc))  # stable: by document, then window size, then place
    doc, t0, t1, lo, hi = doc[order], t0[order], t1[order], lo[order], hi[order]
    length = (hi - lo).astype(np.int64)
    rows = np.stack([doc, t0, t1], axis=1).astype(np.int64).reshape(-1, 3)
    return _Units(kept, lo.astype(np.int64, copy=False), length, rows)


PairFilter = Callable[[I64, I64], npt.NDArray[np.bool_]]


class _Scope(NamedTuple):
    """Which documents may pair: `ok` filters index pairs; only the first `paired`
    documents have units (the rest inform word rarity); units of documents with equal
    `labels` (default: the groups) are never paired; only the documents `windowed`
    (default: all) look for reordered copies."""

    ok: PairFilter
    paired: int | None = None
    labels: list[int] | None = None
    windowed: list[bool] | None = None


class _UnitPairs(NamedTuple):
    """Unit pairs from LSH, before their estimated containment is checked: the units'
    signatures, sizes and rows (doc, token start, token end), and the pairs (u, v)."""

    sigs: npt.NDArray[np.uint32]
    size: I64
    rows: I64
    pairs: I64


class _Sketches(NamedTuple):
    """The units' MinHash signatures, sizes and rows, their band keys, and the label
    of each (units of equal labels never pair)."""

    sigs: npt.NDArray[np.uint32]
    size: I64
    rows: I64
    keys: npt.NDArray[np.uint64]
    labels: I64


class _Signing:
    """The units' MinHash signatures and band keys, made a chunk of units (about
    `SIGN_CHUNK` grams) at a time by every thread that calls `work` (each unit's
    signature depends on its own grams only), then bucketed by `sketches`."""

    def __init__(self, units: _Units, cfg: PassageConfig) -> None:
        # Each chunk's grams are gathered when it is signed: all units' at once would be
        # several times the kept grams (overlapping windows), in fresh memory.
        self.units = units
        self.lsh = LSHConfig(num_perm=cfg.num_perm, seed=cfg.seed, threshold=cfg.lsh_threshold)
        self.sigs = np.empty((len(units.size), cfg.num_perm), dtype=np.uint32)
        self.band = lsh_params(cfg.lsh_threshold, cfg.num_perm)
        self.keys = np.empty((len(units.size), self.band.bands), dtype=np.uint64)
        self.cuts = chunk_bounds(np.cumsum(units.size), SIGN_CHUNK)
        self.next = iter(range(len(self.cuts) - 1))
        self.lock = threading.Lock()

    @classmethod
    def of(
        cls, docs: list[PassageDoc], groups: list[int], cfg: PassageConfig, paired: int | None
    ) -> _Signing:
        """The signing of the documents' units (see `_units`)."""
        return cls(_units(docs, groups, cfg, paired), cfg)

    def work(self) -> None:
        """Sign chunks until none is left (the last may still be under way elsewhere)."""
        while True:
            with self.lock:
                k = next(self.next, None)
            if k is None:
                return
            lo, hi = self.cuts[k], self.cuts[k + 1]
            if hi > lo:
                self.sigs[lo:hi] = flat_signatures(
                    self.units.grams(lo, hi), self.units.size[lo:hi], self.lsh
                )
                self.keys[lo:hi] = band_keys(self.sigs[lo:hi], self.band)

    def sketches(self, groups: list[int], scope: _Scope) -> _Sketches:
        """The finished signatures with their band keys and labels."""
        labels = np.asarray(groups if scope.labels is None else scope.labels, dtype=np.int64)
        size, rows = self.units.size, self.units.rows
        return _Sketches(self.sigs, size, rows, self.keys, labels[rows[:, 0]])


#: Grams per chunk of `_Signing`.
SIGN_CHUNK = 1 << 16


def _sketches(
    docs: list[PassageDoc], cfg: PassageConfig, groups: list[int], scope: _Scope
) -> _Sketches:
    """The units (windows of sentences) of the documents, sketched for LSH."""
    signing = _Signing.of(docs, groups, cfg, scope.paired)
    signing.work()
    return signing.sketches(groups, scope)


def _unit_pairs(
    found: _Sketches, cfg: PassageConfig, pool: ThreadPoolExecutor | None = None
) -> _UnitPairs:
    """Pairs of units that share an LSH bucket, across documents of different labels;
    with a `pool`, half the bands are bucketed in its thread (the pairs of all bands
    are those of either half)."""

    def pairs_of(keys: npt.NDArray[np.uint64]) -> I64:
        return key_candidates(keys, labels=found.labels, max_bucket=cfg.max_bucket)

    half = found.keys.shape[1] // 2
    if pool is None or not half:
        return _UnitPairs(found.sigs, found.size, found.rows, pairs_of(found.keys))
    other = pool.submit(pairs_of, found.keys[:, :half])
    mine = pairs_of(found.keys[:, half:])
    n = np.int64(max(1, len(found.keys)))
    theirs = other.result()
    codes = distinct(np.concatenate([mine[:, 0] * n + mine[:, 1], theirs[:, 0] * n + theirs[:, 1]]))
    return _UnitPairs(found.sigs, found.size, found.rows, np.stack([codes // n, codes % n], axis=1))


#: Unit pairs whose signatures are compared at once (bounds the temporaries).
COMPARE_ROWS = 1 << 14


def _candidate_units(
    found: _UnitPairs, cfg: PassageConfig, scope: _Scope, pool: ThreadPoolExecutor | None = None
) -> I64:
    """The unit pairs whose estimated containment reaches `cfg.seed_containment`,
    across documents the scope allows: rows (a doc, a t0, a t1, b doc, b t0, b t1) with
    a doc < b doc. With a `pool`, every other chunk of pairs is compared in its thread."""
    sigs, size, rows, pairs = found
    if not len(pairs):
        return np.empty((0, 6), dtype=np.int64)
    u, v = pairs[:, 0], pairs[:, 1]
    keep = scope.ok(rows[u, 0], rows[v, 0])
    u, v = u[keep], v[keep]
    same = np.empty(len(u), dtype=np.int64)

    def compare(chunks: range) -> None:
        for lo in chunks:
            hi = lo + COMPARE_ROWS
            same[lo:hi] = np.count_nonzero(sigs[u[lo:hi]] == sigs[v[lo:hi]], axis=1)

    step = 2 * COMPARE_ROWS
    other = pool.submit(compare, range(COMPARE_ROWS, len(u), step)) if pool else None
    compare(range(0, len(u), step if other else COMPARE_ROWS))
    if other is not None:
        other.result()
    jac = same / cfg.num_perm
    inter = jac / (1 + jac) * (size[u] + size[v])
    keep = inter / np.minimum(size[u], size[v]) >= cfg.seed_containment
    u, v = u[keep], v[keep]
    swap = rows[u, 0] > rows[v, 0]
    first, second = np.where(swap, v, u), np.where(swap, u, v)
    return np.concatenate([rows[first], rows[second]], axis=1)


def _regions(
    found: _UnitPairs, cfg: PassageConfig, scope: _Scope, pool: ThreadPoolExecutor | None = None
) -> I64:
    """Candidate unit pairs merged into regions: rows (a doc, b doc, a t0, a t1, b t0,
    b t1) in sorted order, where units overlapping in both documents merge. Units of
    one sentence never overlap (sentences are disjoint), so with `cfg.window` 1 no
    region merges; otherwise the regions of each document pair with several merge."""
    rows = _candidate_units(found, cfg, scope, pool)[:, [0, 3, 1, 2, 4, 5]]
    rows = rows[_row_order(rows)]
    if cfg.window == 1 or len(rows) < 2:
        return rows
    new = np.ones(len(rows), dtype=bool)
    new[1:] = (rows[1:, :2] != rows[:-1, :2]).any(axis=1)
    starts = np.flatnonzero(new)
    ends = np.append(starts[1:], len(rows))
    out: list[I64] = []
    for lo, hi in zip(starts.tolist(), ends.tolist(), strict=True):
        if hi - lo == 1:
            out.append(rows[lo:hi])
            continue
        da, db = rows[lo, :2].tolist()
        rects = merge_rectangles(
            [(a0, a1, b0, b1) for _, _, a0, a1, b0, b1 in rows[lo:hi].tolist()]
        )
        out.append(np.array([(da, db, *r) for r in rects], dtype=np.int64))
    return np.concatenate(out)


def _row_order(rows: I64) -> I64:
    """The order that sorts rows of non-negative integers (`np.lexsort` by column, the
    first most significant), sorting pairs of columns packed into one 64-bit key where
    both fit in 31 bits."""
    if not len(rows):
        return np.empty(0, dtype=np.int64)
    if int(rows.max()) >= 1 << 31 or rows.shape[1] % 2:
        return np.lexsort(rows.T[::-1])
    keys = [(rows[:, k] << 31) | rows[:, k + 1] for k in range(0, rows.shape[1], 2)]
    return np.lexsort(keys[::-1])


def _regions_of(rows: I64, codes: I64, n: int) -> dict[Pair, list[Rect]]:
    """The regions (rows of `_regions`, of `n` documents) of the document pairs whose
    codes (a doc x n + b doc) are given, by pair."""
    code = rows[:, 0] * np.int64(n) + rows[:, 1]
    mine = rows[member(np.sort(codes), code)]
    if not len(mine):
        return {}
    # Rows are sorted by pair: each pair's regions are one run.
    new = np.r_[True, (mine[1:, :2] != mine[:-1, :2]).any(axis=1)]
    cut = np.r_[np.flatnonzero(new), len(mine)].tolist()
    rects = list(map(tuple, mine[:, 2:].tolist()))
    pairs = list(map(tuple, mine[new, :2].tolist()))
    return {pair: rects[lo:hi] for pair, lo, hi in zip(pairs, cut[:-1], cut[1:], strict=True)}


def _pair_filter(
    groups: list[int],
    focus: int | None,
    sides: list[int] | None,
    pairs: Sequence[tuple[int, int]] | None = None,
) -> PairFilter:
    """Which (document, document) index pairs may share passages."""
    g = np.asarray(groups, dtype=np.int64)
    side = np.asarray(sides, dtype=np.int64) if sides is not None else None
    n = np.int64(len(groups))
    allowed = (
        distinct(np.array([min(x, y) * n + max(x, y) for x, y in pairs], dtype=np.int64))
        if pairs is not None
        else None
    )

    def ok(x: I64, y: I64) -> npt.NDArray[np.bool_]:
        keep: npt.NDArray[np.bool_] = g[x] != g[y]
        if focus is not None:
            keep &= (x < focus) & (y < focus)
        if side is not None:
            keep &= side[x] != side[y]
        if allowed is not None:
            keep &= member(allowed, np.minimum(x, y) * n + np.maximum(x, y))
        return keep

    return ok


def _bag_regions(
    docs: list[PassageDoc],
    cfg: PassageConfig,
    groups: list[int],
    scope: _Scope,
) -> dict[tuple[int, int], list[tuple[int, int, int, int]]]:
    """Regions of reordered copies (see `dedup.bag`), merged per document pair (among
    the scope's first `paired` documents)."""
    docs = docs[: scope.paired]
    found = window_regions(
        [d.seq.stems for d in docs],
        [d.seq.content & (d.uni >= cfg.bag_rarity) for d in docs],
        scope.ok,
        max_df=max(cfg.bag_max_df_min, int(cfg.bag_max_df * len(set(groups)))),
        window=cfg.bag_window,
        min_shared=cfg.bag_min_words,
        share=cfg.bag_share,
        windowed=scope.windowed,
    )
    return {k: merge_rectangles(v) for k, v in found.items()}


def merge_rectangles(rects: list[tuple[int, int, int, int]]) -> list[tuple[int, int, int, int]]:
    """Merge (a0, a1, b0, b1) ranges that overlap in both documents, until none do.

    Example:
        >>> merge_rectangles([(0, 5, 0, 5), (4, 9, 3, 8), (20, 25, 0, 5), (8, 12, 7, 9)])
        [(0, 12, 0, 9), (20, 25, 0, 5)]
    """
    out = sorted(rects)
    changed = True
    while changed:
        changed = False
        merged: list[tuple[int, int, int, int]] = []
        for r in out:
            for k, m in enumerate(merged):
                if r[0] < m[1] and m[0] < r[1] and r[2] < m[3] and m[2] < r[3]:
                    merged[k] = (min(m[0], r[0]), max(m[1], r[1]), min(m[2], r[2]), max(m[3], r[3]))
                    changed = True
                    break
            else:
                merged.append(r)
        out = sorted(merged)
    return out


#: Tokens (both sides) of the regions whose `_Tokens.bounds` are computed together:
#: arrays over them of 32 MiB or more would be fresh memory every time, which costs
#: this virtual machine dearly to fault in (10,000 articles: 246,000 page faults in the
#: bounds when they were computed for all regions at once).
BOUND_TOKENS = 1 << 20


class _Tokens:
    """Every document's tokens end to end, with dense stem and skeleton numbers, for
    bounds computed over many regions at once."""

    def __init__(self, docs: list[PassageDoc]) -> None:
        lens = np.array([len(d.seq) for d in docs], dtype=np.int64)
        self.base = np.cumsum(lens) - lens
        # What the aligner reads of them (`align_spans`), and dense stem and skeleton
        # numbers for the bounds and reordered copies.
        self.codes = coded(
            TokenSeq(
                np.concatenate([d.seq.stems for d in docs]),
                np.concatenate([d.seq.skels for d in docs]),
                np.concatenate([d.seq.content for d in docs]),
                np.concatenate([d.seq.weights for d in docs]),
            )
        )
        self.stem, self.skel, self.content = self.codes.exact, self.codes.skel, self.codes.content
        self.n_stems = int(self.stem.max(initial=-1)) + 1
        self.n_skels = int(self.skel.max(initial=-1)) + 1
        self.uni = np.concatenate([d.uni for d in docs]).astype(np.float64)
        self.bi = np.concatenate([d.bi for d in docs]).astype(np.float64)
        # Every document's sentence bounds, in the tokens' end-to-end numbering.
        n_b = np.array([len(d.sent_bounds) for d in docs], dtype=np.int64)
        self.sent = np.concatenate([d.sent_bounds for d in docs]) + np.repeat(self.base, n_b)
        self.sent_first = np.cumsum(n_b) - n_b
        self.sent_count = n_b - 1  # sentences per document

    def sentences_of(self, doc: I64, token: I64) -> I64:
        """`PassageDoc.sentence_of` of many (document, token), at once."""
        at = np.searchsorted(self.sent, self.base[doc] + token, side="right")
        out: I64 = at - 1 - self.sent_first[doc]
        return out

    def sentence(self, doc: I64, sent: I64) -> tuple[I64, I64]:
        """Token range [start, end) of each (document, sentence in range), at once."""
        at = self.sent_first[doc] + sent
        base = self.base[doc]
        return self.sent[at] - base, self.sent[at + 1] - base

    def _spread(self, doc: I64, t0: I64, t1: I64) -> tuple[I64, I64]:
        """(task, global token) of every token of ranges `[t0, t1)` of documents `doc`."""
        n = t1 - t0
        task = np.repeat(np.arange(len(n), dtype=np.int64), n)
        tok = np.repeat(self.base[doc] + t0 - (np.cumsum(n) - n), n) + np.arange(int(n.sum()))
        return task, tok

    def bounds(self, rects: I64) -> npt.NDArray[np.float64]:
        """For rows (a doc, a t0, a t1, b doc, b t0, b t1): an upper bound of the
        significance of any alignment of the two ranges, cheap to compute: every token
        of A whose stem (or skeleton) occurs in B's range, at its own rarity (or its
        bigram's, after another such token). A skeleton is made from the stem, so
        tokens of equal stems have equal skeletons: skeletons alone say which match."""
        if not len(rects):
            return np.empty(0)
        # Some regions at a time (each region's bound is its own), so that the arrays
        # over their tokens stay small enough to be reused rather than faulted in fresh.
        size = (rects[:, 2] - rects[:, 1]) + (rects[:, 5] - rects[:, 4])
        cuts = chunk_bounds(np.cumsum(size), BOUND_TOKENS)
        return np.concatenate([self._bounds(rects[lo:hi]) for lo, hi in pairwise(cuts)])

    def _bounds(self, rects: I64) -> npt.NDArray[np.float64]:
        """`bounds` of some regions at once."""
        at, ag = self._spread(rects[:, 0], rects[:, 1], rects[:, 2])
        bt, bg = self._spread(rects[:, 3], rects[:, 4], rects[:, 5])
        size = np.int64(self.n_skels)
        inb = member(distinct(bt * size + self.skel[bg]), at * size + self.skel[ag])
        w = np.where(inb, self.uni[ag], 0.0)
        run = inb[1:] & inb[:-1] & (at[1:] == at[:-1])
        w[1:] = np.where(run, np.maximum(w[1:], self.bi[ag[1:]]), w[1:])
        return np.bincount(at, weights=w, minlength=len(rects)).astype(np.float64)


def significance(tokens: _Tokens, found: list[tuple[int, int, int, int, Alignment]]) -> list[float]:
    """How much each alignment's matches are worth, in words: each matched token counts
    its rarity, or the rarity of the bigram it ends when the token before it matched
    too (a run of common words in the same order is rarer than its words). Alignments
    are given as (a doc, b doc, a offset, b offset, alignment); all in one pass."""
    if not found:
        return []
    size = np.array([len(al.a_matched) for *_, al in found], dtype=np.int64)
    off_a = np.array([tokens.base[da] + oa for da, _, oa, _, _ in found], dtype=np.int64)
    off_b = np.array([tokens.base[db] + ob for _, db, _, ob, _ in found], dtype=np.int64)
    ia = np.concatenate([al.a_matched for *_, al in found]) + np.repeat(off_a, size)
    ib = np.concatenate([al.b_matched for *_, al in found]) + np.repeat(off_b, size)
    seg = np.repeat(np.arange(len(found)), size)
    w = np.minimum(tokens.uni[ia], tokens.uni[ib])
    run = (np.diff(ia) == 1) & (np.diff(ib) == 1) & (seg[1:] == seg[:-1])
    bi = np.minimum(tokens.bi[ia[1:]], tokens.bi[ib[1:]])
    w[1:] = np.where(run, np.maximum(w[1:], bi), w[1:])
    weights: list[float] = np.bincount(seg, weights=w, minlength=len(found)).tolist()
    return weights


#: Slack of the vectorised bounds (float64 sums) against the thresholds they prune for.
_SLACK = 1e-3


class _Part(NamedTuple):
    """One alignment of a passage: token offsets of its region, the alignment, and its
    significance in words."""

    oa: int
    ob: int
    al: Alignment
    weight: float


Pair = tuple[int, int]
Rect = tuple[int, int, int, int]


#: Alignments already made in one job, by region (a doc, a t0, a t1, b doc, b t0, b t1):
#: the extension aligns many pairs of whole sentences that were units' regions too.
Memo = dict[tuple[int, ...], "Alignment | None"]


def _aligned(
    tokens: _Tokens,
    rows: I64,
    least: float,
    memo: Memo | None = None,
) -> list[Alignment | None]:
    """The alignment of each region (rows of a doc, a t0, a t1, b doc, b t0, b t1), or
    None where the region's bound says no alignment in it can be worth `least`. With
    `memo`, alignments made are kept in it and taken from it (an alignment depends on
    its region only; a region its bound rules out is never looked up)."""
    rows = np.asarray(rows, dtype=np.int64).reshape(-1, 6)
    out: list[Alignment | None] = [None] * len(rows)
    if not len(rows):
        return out
    worth = np.flatnonzero(tokens.bounds(rows) >= least - _SLACK)
    where = worth.tolist()
    keys = list(map(tuple, rows[worth].tolist()))
    todo: list[int] = []  # indices into `where` and `keys`
    if memo is None:
        todo = list(range(len(where)))
    else:
        for n, key in enumerate(keys):
            if key in memo:
                out[where[n]] = memo[key]
            else:
                todo.append(n)
    if not todo:
        return out
    live = rows[worth[todo]]
    a_base, b_base = tokens.base[live[:, 0]], tokens.base[live[:, 3]]
    spans = np.stack(
        [a_base + live[:, 1], a_base + live[:, 2], b_base + live[:, 4], b_base + live[:, 5]],
        axis=1,
    )
    found = align_spans(tokens.codes, spans)
    for n, al in zip(todo, found, strict=True):
        out[where[n]] = al
        if memo is not None:
            memo[keys[n]] = al
    return out


def _local_alignments(
    docs: list[PassageDoc],
    tokens: _Tokens,
    regions: dict[Pair, list[Rect]],
    cfg: PassageConfig,
    memo: Memo,
) -> dict[Pair, list[_Part]]:
    """Significant, non-overlapping local alignments inside each region: the best one,
    then recursively the best ones in the four corners it leaves (before and after it
    in each document, so that passages the two documents order differently are found
    too). One level of that recursion at a time for all regions, aligned together;
    the alignments of the regions themselves are kept in `memo`.

    Per document pair, the heaviest first; ties by position in A, then by region and
    place in the recursion (parent before its corners, corners in order)."""
    found: dict[Pair, list[tuple[tuple[int, ...], _Part]]] = defaultdict(list)
    level: list[tuple[Pair, Rect, tuple[int, ...]]] = [
        (pair, r, (k,)) for pair, rs in regions.items() for k, r in enumerate(rs)
    ]
    depth = 0
    while level:
        # The units' regions are kept in `memo` (many are whole sentences, which the
        # extension aligns too); the corners, cut at alignments, are not.
        rows = np.array(
            [(da, a0, a1, db, b0, b1) for (da, db), (a0, a1, b0, b1), _ in level], np.int64
        )
        als = _aligned(tokens, rows, cfg.min_words, memo if depth == 0 else None)
        deeper = []
        dense = [
            (item, al)
            for item, al in zip(level, als, strict=True)
            if al is not None and _density(al) >= cfg.threshold
        ]
        weights = significance(tokens, [(p[0], p[1], r[0], r[2], al) for (p, r, _), al in dense])
        for ((pair, (a0, a1, b0, b1), key), al), weight in zip(dense, weights, strict=True):
            if weight < cfg.min_words:
                continue
            found[pair].append((key, _Part(a0, b0, al, weight)))
            if depth < 6:
                a_parts = ((a0, a0 + al.a_start), (a0 + al.a_end, a1))
                b_parts = ((b0, b0 + al.b_start), (b0 + al.b_end, b1))
                corners = [(x0, x1, y0, y1) for x0, x1 in a_parts for y0, y1 in b_parts]
                deeper += [
                    (pair, c, (*key, k))
                    for k, c in enumerate(corners)
                    if c[1] - c[0] >= 3 and c[3] - c[2] >= 3
                ]
        level, depth = deeper, depth + 1
    return {
        pair: [
            p for _, p in sorted(v, key=lambda x: (-x[1].weight, x[1].oa + x[1].al.a_start, x[0]))
        ]
        for pair, v in found.items()
    }


def _bags(
    docs: list[PassageDoc], tokens: _Tokens, tasks: list[tuple[Pair, Rect]], cfg: PassageConfig
) -> list[_Part | None]:
    """For each (document pair, region), the region as one passage when both sides are
    mostly the same content words in another order (a shuffled or restructured copy):
    trimmed to the first and last shared word on each side, at least `cfg.bag_share` of
    each side's content words shared, and the distinct shared words (at least
    `cfg.bag_min_words`) worth `cfg.bag_weight` times `cfg.min_words`. All at once."""
    out: list[_Part | None] = [None] * len(tasks)
    if not tasks:
        return out
    rows = np.array([(da, a0, a1, db, b0, b1) for (da, db), (a0, a1, b0, b1) in tasks], np.int64)
    n_stems = np.int64(max(1, tokens.n_stems))
    # Each side's content stems as (task, stem) keys; a token is shared when its key is
    # on the other side too.
    at, ag = tokens._spread(rows[:, 0], rows[:, 1], rows[:, 2])
    bt, bg = tokens._spread(rows[:, 3], rows[:, 4], rows[:, 5])
    a_key = at * n_stems + tokens.stem[ag]
    b_key = bt * n_stems + tokens.stem[bg]
    a_set = distinct(a_key[tokens.content[ag]])
    b_set = distinct(b_key[tokens.content[bg]])
    both = np.intersect1d(a_set, b_set, assume_unique=True)
    n_shared = np.bincount(both // n_stems, minlength=len(tasks))
    ina = tokens.content[ag] & member(both, a_key)
    inb = tokens.content[bg] & member(both, b_key)
    # Trim to the first and last shared token; the shares of content tokens kept.
    ia_task, ia = at[ina], ag[ina]
    ib_task, ib = bt[inb], bg[inb]
    n_a = np.bincount(ia_task, minlength=len(tasks))
    n_b = np.bincount(ib_task, minlength=len(tasks))
    ok = n_shared >= max(1, cfg.bag_min_words)  # then both sides hold shared tokens
    if not ok.any():
        return out
    cut_a = np.concatenate([[0], np.cumsum(n_a)])
    cut_b = np.concatenate([[0], np.cumsum(n_b)])
    content_upto = np.concatenate([[0], np.cumsum(tokens.content)])
    first_a = np.where(ok, ia[np.minimum(cut_a[:-1], len(ia) - 1)], 0)
    last_a = np.where(ok, ia[np.maximum(cut_a[1:] - 1, 0)], 0)
    first_b = np.where(ok, ib[np.minimum(cut_b[:-1], len(ib) - 1)], 0)
    last_b = np.where(ok, ib[np.maximum(cut_b[1:] - 1, 0)], 0)
    share_a = n_a / np.maximum(1, content_upto[last_a + 1] - content_upto[first_a])
    share_b = n_b / np.maximum(1, content_upto[last_b + 1] - content_upto[first_b])
    ok &= np.minimum(share_a, share_b) >= cfg.bag_share
    # Weight: each distinct shared stem once, at its first token in A, summed in float32
    # in stem order, as numpy sums an array of them.
    key = ia_task * n_stems + tokens.stem[ia]
    _, first = np.unique(key, return_index=True)  # by (task, stem), each's first token
    uni32 = tokens.uni[ia[first]].astype(np.float32)
    w_cut = np.searchsorted(ia_task[first], np.arange(len(tasks) + 1))
    for k in np.flatnonzero(ok).tolist():
        weight = float(uni32[w_cut[k] : w_cut[k + 1]].sum())
        if weight < cfg.bag_weight * cfg.min_words:
            continue
        (da, db), (a0, _, b0, _) = tasks[k]
        a_off = tokens.base[da] + a0
        b_off = tokens.base[db] + b0
        ma = ia[cut_a[k] : cut_a[k + 1]] - a_off
        mb = ib[cut_b[k] : cut_b[k + 1]] - b_off
        al = Alignment(
            int(ma[0]),
            int(ma[-1]) + 1,
            int(mb[0]),
            int(mb[-1]) + 1,
            0,
            ma,
            mb,
            min(len(ma), len(mb)),
        )
        out[k] = _Part(a0, b0, al, weight)
    return out


def _inside(part: _Part, chain: _Chain) -> bool:
    """Whether the part lies within the chain's ranges in both documents."""
    (a0, a1), (b0, b1) = chain.a_range, chain.b_range
    pa0, pb0 = part.oa + part.al.a_start, part.ob + part.al.b_start
    pa1, pb1 = part.oa + part.al.a_end, part.ob + part.al.b_end
    return a0 <= pa0 and pa1 <= a1 and b0 <= pb0 and pb1 <= b1


@dataclass(slots=True)
class _Chain:
    """A passage being extended: its alignments, in order."""

    parts: list[_Part]

    @property
    def a_range(self) -> tuple[int, int]:
        first, last = self.parts[0], self.parts[-1]
        return first.oa + first.al.a_start, last.oa + last.al.a_end

    @property
    def b_range(self) -> tuple[int, int]:
        first, last = self.parts[0], self.parts[-1]
        return first.ob + first.al.b_start, last.ob + last.al.b_end


def _chains(
    tokens: _Tokens,
    parts: dict[Pair, list[_Part]],
    cfg: PassageConfig,
    memo: Memo,
) -> dict[Pair, list[_Chain]]:
    """Passages grown from each document pair's alignments, heaviest first: an
    alignment inside a passage already grown starts none. Document pairs go together,
    one passage of each at a time (the next depends on how far the last one grew).

    When few pairs are left, each grows its next few seeds at once, as if the ones
    before them grew into none of them; a chain whose seed did end up inside one
    grown before it is then dropped: the same chains in fewer rounds (a chain grows the
    same whatever grows beside it)."""
    chains: dict[Pair, list[_Chain]] = {pair: [] for pair in parts}
    seeds = {pair: list(ps) for pair, ps in parts.items()}
    done = dict.fromkeys(parts, 0)  # seeds of each pair taken or skipped so far
    while True:
        for pair, ps in seeds.items():  # skip seeds inside the chains grown so far
            while done[pair] < len(ps) and any(_inside(ps[done[pair]], c) for c in chains[pair]):
                done[pair] += 1
        active = [pair for pair in sorted(seeds) if done[pair] < len(seeds[pair])]
        if not active:
            return chains
        ahead = max(1, SEED_TASKS // len(active))
        started: list[tuple[Pair, _Chain]] = []
        for pair in active:
            ps, k, taken = seeds[pair], done[pair], 0
            while k < len(ps) and taken < ahead:
                if not any(_inside(ps[k], c) for c in chains[pair]):
                    started.append((pair, _Chain([ps[k]])))
                    taken += 1
                k += 1
            done[pair] = k
        first = [chain.parts[0] for _, chain in started]  # their seeds, before growing
        _extend(tokens, started, cfg, memo)
        for (pair, chain), seed in zip(started, first, strict=True):  # seed order per pair
            if not any(_inside(seed, c) for c in chains[pair]):
                chains[pair].append(chain)


#: Pairs × seeds grown at once below which each pair grows several of its next seeds.
SEED_TASKS = 1024


#: Extension tasks per round below which chains are grown several sentences ahead.
SPECULATE_TASKS = 64

#: Most sentences a chain is grown ahead in one round.
SPECULATE_DEPTH = 16


def _extend(
    tokens: _Tokens,
    growing: list[tuple[Pair, _Chain]],
    cfg: PassageConfig,
    memo: Memo,
) -> None:
    """Grow each chain into following sentences that align too, and into preceding
    ones; all chains a sentence at a time, both ways at once (growing forward moves only
    a chain's end, backward only its start, so neither changes what the other sees).

    When few chains are still growing, each round also aligns the next sentences ahead
    as if every step before succeeded, and keeps the steps up to the first that fails:
    the same chains in fewer rounds (a round's cost is mostly numpy's per-call cost)."""
    state = [(pair, chain, forward) for pair, chain in growing for forward in (True, False)]
    while state:
        depth = max(1, min(SPECULATE_DEPTH, SPECULATE_TASKS // len(state)))
        steps = _next_parts(tokens, state, cfg, memo, depth)
        after = []
        for (pair, chain, forward), got in zip(state, steps, strict=True):
            for step in got:
                chain.parts.insert(len(chain.parts) if forward else 0, step)
            if got:
                after.append((pair, chain, forward))
        state = after


def _next_parts(
    tokens: _Tokens,
    state: list[tuple[Pair, _Chain, bool]],
    cfg: PassageConfig,
    memo: Memo,
    depth: int = 1,
) -> list[list[_Part]]:
    """For each chain, an alignment of the sentences next to it in A and in B; when
    those do not align, of one of them with the sentence after the other (skipping one
    sentence on either side), the best of those (a list of one, or none).

    With `depth` over 1, where the next sentences align, the `depth - 1` pairs of
    sentences after them are aligned too, and the steps are those up to the first that
    does not align: what as many rounds would find, as each such step is a pair of whole
    sentences (a chain's edge cuts only the sentence it lies in)."""
    if not state:
        return []
    # Each chain's edge in A and B (its end forward, its start backward), and the
    # sentences next to them.
    ends = []
    for (da, db), chain, forward in state:
        a0, a1 = chain.a_range
        b0, b1 = chain.b_range
        ends.append((da, db, a1 if forward else a0, b1 if forward else b0, forward))
    doc_a, doc_b, edge_a, edge_b, fwd = (np.array(x, np.int64) for x in zip(*ends, strict=True))
    way = np.where(fwd == 1, 1, -1)
    next_a = tokens.sentences_of(doc_a, edge_a - fwd) + way  # forward: that of end - 1
    next_b = tokens.sentences_of(doc_b, edge_b - fwd) + way
    # Per chain, `depth` sentence pairs: the next ones (cut at the chain's edge), then
    # whole ones further on (edges that cut nothing).
    k = np.repeat(np.arange(len(state)), depth)
    ahead = np.tile(np.arange(depth), len(state)) * way[k]
    first_step = ahead == 0
    whole = np.where(fwd[k] == 1, 0, _WHOLE)
    found = _neighbours(
        tokens,
        _Asked(
            doc_a[k],
            doc_b[k],
            next_a[k] + ahead,
            next_b[k] + ahead,
            np.where(first_step, edge_a[k], whole),
            np.where(first_step, edge_b[k], whole),
            fwd[k],
        ),
        cfg,
        memo,
    )
    first: list[list[_Part]] = []
    for n in range(len(state)):
        run = found[n * depth : (n + 1) * depth]
        cut = next((m for m, part in enumerate(run) if part is None), depth)
        first.append(run[:cut])  # type: ignore[arg-type]
    # Where the next sentences do not align: skip one sentence in A, in B, or in both.
    retry = np.flatnonzero(np.array([not parts for parts in first], dtype=bool))
    k = np.repeat(retry, 3)
    skip_a = np.tile(np.array([1, 0, 1], np.int64), len(retry)) * way[k]
    skip_b = np.tile(np.array([0, 1, 1], np.int64), len(retry)) * way[k]
    others = _neighbours(
        tokens,
        _Asked(
            doc_a[k], doc_b[k], next_a[k] + skip_a, next_b[k] + skip_b, edge_a[k], edge_b[k], fwd[k]
        ),
        cfg,
        memo,
    )
    for n, r in enumerate(retry.tolist()):
        best: _Part | None = None
        for part in others[3 * n : 3 * n + 3]:
            if part is not None and (best is None or part.al.score > best.al.score):
                best = part
        first[r] = [best] if best is not None else []
    return first


#: A token index past every document's end.
_WHOLE = np.iinfo(np.int64).max


class _Asked(NamedTuple):
    """Sentence pairs asked of `_neighbours`, as arrays: the document pair, a sentence
    of each (indices into its sentences, possibly out of range), the chain's edge in
    each document, and whether the chain grows forward (1) or backward (0)."""

    doc_a: I64
    doc_b: I64
    sent_a: I64
    sent_b: I64
    edge_a: I64
    edge_b: I64
    forward: I64


def _neighbours(
    tokens: _Tokens, asked: _Asked, cfg: PassageConfig, memo: Memo
) -> list[_Part | None]:
    """For each sentence pair asked: the alignment of the two sentences (cut at the
    chain's edge: growing forward, what lies before it is left out; backward, what lies
    after it), if it is strong enough to extend a passage; None where either sentence is
    out of its document's range or nothing is left of it."""
    da, db, ia, ib, ea, eb, fwd = asked
    out: list[_Part | None] = [None] * len(da)
    inside = (ia >= 0) & (ia < tokens.sent_count[da]) & (ib >= 0) & (ib < tokens.sent_count[db])
    at = np.flatnonzero(inside)
    da, db, ia, ib, ea, eb, fwd = (x[at] for x in asked)
    a0, a1 = tokens.sentence(da, ia)
    b0, b1 = tokens.sentence(db, ib)
    forward = fwd == 1
    a0, b0 = np.where(forward, np.maximum(a0, ea), a0), np.where(forward, np.maximum(b0, eb), b0)
    a1, b1 = np.where(forward, a1, np.minimum(a1, ea)), np.where(forward, b1, np.minimum(b1, eb))
    left = (a1 > a0) & (b1 > b0)
    rows = np.stack([da, a0, a1, db, b0, b1], axis=1)[left]
    where = at[left].tolist()
    strong = [
        (k, row, al)
        for k, row, al in zip(
            where, rows.tolist(), _aligned(tokens, rows, cfg.extend_min, memo), strict=True
        )
        if al is not None and al.content_matches >= 2 and _density(al) >= cfg.threshold * 0.5
    ]
    weights = significance(tokens, [(r[0], r[3], r[1], r[4], al) for _, r, al in strong])
    for (k, r, al), weight in zip(strong, weights, strict=True):
        out[k] = _Part(r[1], r[4], al, weight) if weight >= cfg.extend_min else None
    return out


def _density(al: Alignment) -> float:
    return 2 * al.matches / ((al.a_end - al.a_start) + (al.b_end - al.b_start))


def find(
    docs: list[PassageDoc],
    cfg: PassageConfig,
    groups: list[int] | None = None,
    focus: int | None = None,
    sides: list[int] | None = None,
    pairs: Sequence[tuple[int, int]] | None = None,
    paired: int | None = None,
    workers: int | None = None,
) -> list[Passage]:
    """Every passage shared by two different documents, sorted by (a, a start, b, b start).

    `groups` labels near-duplicate documents: they count once in word rarity, and
    passages between them are not reported (the whole text is shared). With `focus`,
    only documents before that index are paired; the others inform word rarity. With
    `sides`, only documents on different sides pair (suspicious against sources); with
    `pairs`, only those index pairs (an item against its stored candidates), and only
    the first document of each pair looks for them (unit buckets and reordered-copy
    windows of two candidates are never joined). With
    `paired`, documents from that index on only inform word rarity: they have no
    units at all (unlike `focus`, whose other documents still fill LSH buckets).
    Document pairs are aligned in `workers` processes (default: every core) when there
    are many; the result does not depend on how many.
    """
    with forked.frozen_heap():
        return _find(docs, cfg, groups, focus, sides, pairs, paired, workers)


def _find(
    docs: list[PassageDoc],
    cfg: PassageConfig,
    groups: list[int] | None,
    focus: int | None,
    sides: list[int] | None,
    pairs: Sequence[tuple[int, int]] | None,
    paired: int | None,
    workers: int | None,
) -> list[Passage]:
    groups = groups if groups is not None else list(range(len(docs)))
    scope = _Scope(_pair_filter(groups, focus, sides, pairs), paired)
    if pairs is not None:  # documents no pair starts from never pair with each other
        owners = {x for x, _ in pairs}
        labels = [g if d in owners else -1 for d, g in enumerate(groups)]
        scope = scope._replace(labels=labels, windowed=[d in owners for d in range(len(docs))])
    # The units' shingles and signatures do not need word rarity: they are made in a
    # second thread while this one weighs words and searches reordered copies (numpy
    # releases the GIL); the second then lays the weighed tokens end to end, and both
    # sign what is left; this one buckets them.
    with ThreadPoolExecutor(1) as pool:
        units = pool.submit(_Signing.of, docs, groups, cfg, scope.paired)
        docs = weigh(docs, groups)
        laid = pool.submit(_Tokens, docs)
        signed = pool.submit(lambda: units.result().work())
        bags = _bag_regions(docs, cfg, groups, scope) if cfg.bag_window else {}
        signing = units.result()
        signing.work()
        signed.result()
        tokens = laid.result()
        unit_pairs = _unit_pairs(signing.sketches(groups, scope), cfg, pool)
        aligned = _regions(unit_pairs, cfg, scope, pool)
    job = _Job(docs, tokens, aligned, bags, cfg)
    # Each pair's passages do not depend on the others': the pairs may be split between
    # processes, with the same result.
    found = fork_map(
        lambda share: _passages_of(job, share),
        _shares(job, forked.workers(workers)),
        pack=_packed,
        unpack=_unpacked,
    )
    out = [p for share in found for p in share]
    return sorted(out, key=lambda p: (p.a, p.a_span, p.b, p.b_span))


class _Job(NamedTuple):
    """What aligning document pairs needs: the weighed documents, their tokens end to
    end, the regions of each pair (aligned, and reordered copies) and the options."""

    docs: list[PassageDoc]
    tokens: _Tokens
    aligned: I64  # rows of `_regions`
    bags: dict[Pair, list[Rect]]
    cfg: PassageConfig


#: Document pairs with regions below which passage matching stays in one process.
PARALLEL_MIN_PAIRS = 2000


def _shares(job: _Job, workers: int) -> list[I64]:
    """The document pairs to align (as codes a doc x documents + b doc, sorted), dealt
    round in order into `workers` shares, so that each share holds pairs from all over
    the input (cutting it into runs left one share twice the work of another); one
    share when there are few pairs."""
    n = np.int64(max(1, len(job.docs)))
    bags = np.array([a * n + b for a, b in job.bags], dtype=np.int64)
    codes = distinct(np.concatenate([job.aligned[:, 0] * n + job.aligned[:, 1], bags]))
    if workers < 2 or len(codes) < PARALLEL_MIN_PAIRS:
        return [codes]
    return [codes[k::workers] for k in range(workers)]


def _passages_of(job: _Job, codes: I64) -> list[Passage]:
    """The passages of the given document pairs (sorted codes, as `_shares` gives):
    local alignments grown into chains, reordered copies, the heaviest disjoint ones,
    near ones merged."""
    docs, cfg = job.docs, job.cfg
    n = max(1, len(docs))
    aligned = _regions_of(job.aligned, codes, n)
    memo: Memo = {}
    parts = _local_alignments(docs, job.tokens, aligned, cfg, memo)
    chains = _chains(job.tokens, parts, cfg, memo)
    mine = set(codes.tolist())
    tasks = [
        (pair, r)
        for pair in sorted(job.bags)
        if pair[0] * n + pair[1] in mine
        for r in job.bags[pair]
    ]
    bags: dict[Pair, list[_Part]] = defaultdict(list)
    for (pair, _), bag in zip(tasks, _bags(docs, job.tokens, tasks, cfg), strict=True):
        if bag is not None:
            bags[pair].append(bag)
    out: list[Passage] = []
    for da, db in sorted(set(chains) | set(bags)):  # the pairs with any passage
        a, b = docs[da], docs[db]
        found = list(chains.get((da, db), []))
        found += [_Chain([bag]) for bag in bags.get((da, db), [])]
        # Only the chains kept are made passages (a third of them overlap a heavier one).
        spans = [(_weight(c), c.a_range, c.b_range) for c in found]
        kept = [_to_passage(da, db, a, b, found[k]) for k in _disjoint(spans)]
        out.extend(_merge_near(a, b, kept, cfg.merge_gap))
    a_diff = _unmatched(docs, [(p.a, p.a_tokens, p.a_matched) for p in out])
    b_diff = _unmatched(docs, [(p.b, p.b_tokens, p.b_matched) for p in out])
    return [p.with_diffs(x, y) for p, x, y in zip(out, a_diff, b_diff, strict=True)]


class _Packed(NamedTuple):
    """Passages as flat arrays, as they cross between processes: per passage its
    integers (a, b, token ranges, spans, matches, content matches), its score and
    weight, and how many matched tokens and unmatched spans each side has; those
    end to end."""

    ints: I64
    floats: npt.NDArray[np.float64]
    counts: I64
    a_matched: I64
    b_matched: I64
    diffs: I64


def _packed(found: list[Passage]) -> _Packed:
    """`found` as a few arrays (`_unpacked` makes them the same passages again)."""
    ints = np.array(
        [
            [p.a, p.b, *p.a_tokens, *p.b_tokens, *p.a_span, *p.b_span, p.matches, p.content_matches]
            for p in found
        ],
        dtype=np.int64,
    ).reshape(-1, 12)
    floats = np.array([(p.score, p.weight) for p in found], dtype=np.float64).reshape(-1, 2)
    counts = np.array(
        [(len(p.a_matched), len(p.b_matched), len(p.a_diff), len(p.b_diff)) for p in found],
        dtype=np.int64,
    ).reshape(-1, 4)
    spans = [s for p in found for s in (*p.a_diff, *p.b_diff)]

    def flat(arrays: list[I64]) -> I64:
        return (
            np.concatenate(arrays).astype(np.int64, copy=False) if arrays else np.empty(0, np.int64)
        )

    return _Packed(
        ints,
        floats,
        counts,
        flat([p.a_matched for p in found]),
        flat([p.b_matched for p in found]),
        np.array(spans, dtype=np.int64).reshape(-1, 2),
    )


def _unpacked(packed: _Packed) -> list[Passage]:
    """The passages `_packed` made arrays of."""
    a_cut, b_cut = (np.cumsum(np.r_[0, packed.counts[:, k]]).tolist() for k in (0, 1))
    diff_cut = np.cumsum(np.r_[0, packed.counts[:, 2:].ravel()]).tolist()
    diffs = list(zip(packed.diffs[:, 0].tolist(), packed.diffs[:, 1].tolist(), strict=True))
    out = []
    for k, (row, (score, weight)) in enumerate(
        zip(packed.ints.tolist(), packed.floats.tolist(), strict=True)
    ):
        a, b, a0, a1, b0, b1, as0, as1, bs0, bs1, matches, content = row
        out.append(
            Passage(
                a,
                b,
                (a0, a1),
                (b0, b1),
                (as0, as1),
                (bs0, bs1),
                score,
                matches,
                content,
                weight,
                packed.a_matched[a_cut[k] : a_cut[k + 1]],
                packed.b_matched[b_cut[k] : b_cut[k + 1]],
                tuple(diffs[diff_cut[2 * k] : diff_cut[2 * k + 1]]),
                tuple(diffs[diff_cut[2 * k + 1] : diff_cut[2 * k + 2]]),
            )
        )
    return out


Span = tuple[int, int]


def _disjoint(found: list[tuple[float, Span, Span]]) -> list[int]:
    """Of passages of one document pair given as (weight, A token range, B token range),
    the heaviest such that no text of either document is in two of them (a passage
    found twice from different seeds, or a stock phrase aligned against a second place):
    their indices, heaviest first (ties by A range, then B range, then index)."""
    kept: list[int] = []
    for k in sorted(range(len(found)), key=lambda k: (-found[k][0], found[k][1], found[k][2])):
        _, (a0, a1), (b0, b1) = found[k]
        if all(a1 <= found[q][1][0] or found[q][1][1] <= a0 for q in kept) and all(
            b1 <= found[q][2][0] or found[q][2][1] <= b0 for q in kept
        ):
            kept.append(k)
    return kept


def _weight(chain: _Chain) -> float:
    """A chain's weight as its passage will carry it."""
    return round(sum(p.weight for p in chain.parts), 3)


def _gap(x: tuple[int, int], y: tuple[int, int]) -> int:
    return max(0, max(x[0], y[0]) - min(x[1], y[1]))


def _merge_near(a: PassageDoc, b: PassageDoc, found: list[Passage], gap: int) -> list[Passage]:
    """Passages of one document pair within `gap` tokens of each other in both
    documents become one: pieces of a passage whose phrases were reordered."""
    if gap <= 0 or len(found) < 2:
        return found
    edges = [
        (i, j)
        for i in range(len(found))
        for j in range(i + 1, len(found))
        if _gap(found[i].a_tokens, found[j].a_tokens) <= gap
        and _gap(found[i].b_tokens, found[j].b_tokens) <= gap
    ]
    if not edges:
        return found
    groups = components(len(found), edges)
    grouped = {i for g in groups for i in g}
    out = [p for i, p in enumerate(found) if i not in grouped]
    for g in groups:
        ps = [found[i] for i in g]
        a_r = (min(p.a_tokens[0] for p in ps), max(p.a_tokens[1] for p in ps))
        b_r = (min(p.b_tokens[0] for p in ps), max(p.b_tokens[1] for p in ps))
        a_m = np.sort(np.concatenate([p.a_matched for p in ps]))
        b_m = np.sort(np.concatenate([p.b_matched for p in ps]))
        score = min(1.0, (len(a_m) + len(b_m)) / ((a_r[1] - a_r[0]) + (b_r[1] - b_r[0])))
        out.append(
            Passage(
                ps[0].a,
                ps[0].b,
                a_r,
                b_r,
                a.original_span(*a_r),
                b.original_span(*b_r),
                round(score, 4),
                sum(p.matches for p in ps),
                sum(p.content_matches for p in ps),
                round(sum(p.weight for p in ps), 3),
                a_m,
                b_m,
            )
        )
    return out


def _to_passage(da: int, db: int, a: PassageDoc, b: PassageDoc, chain: _Chain) -> Passage:
    a_r, b_r = chain.a_range, chain.b_range
    a_m = np.concatenate([p.oa + p.al.a_matched for p in chain.parts])
    b_m = np.concatenate([p.ob + p.al.b_matched for p in chain.parts])
    content = sum(p.al.content_matches for p in chain.parts)
    score = min(1.0, (len(a_m) + len(b_m)) / ((a_r[1] - a_r[0]) + (b_r[1] - b_r[0])))
    return Passage(
        da,
        db,
        a_r,
        b_r,
        a.original_span(*a_r),
        b.original_span(*b_r),
        round(score, 4),
        min(len(a_m), len(b_m)),
        content,
        _weight(chain),
        a_m,
        b_m,
    )


def unmatched_spans(pd: PassageDoc, tokens: tuple[int, int], matched: I64) -> list[tuple[int, int]]:
    """Original-text spans of the runs of tokens in `[t0, t1)` that are not in `matched`.

    Example:
        >>> from dedup.normalise import normalise
        >>> from dedup.shingle import tokenise
        >>> from dedup.config import ShingleConfig
        >>> d = Doc("x", "one two three four")
        >>> n = normalise(d.text)
        >>> pd = prepare(d, n, tokenise(n, ShingleConfig()), PassageConfig())
        >>> [d.text[s:e] for s, e in unmatched_spans(pd, (0, 4), np.array([0, 3]))]
        ['two three']
    """
    return list(_unmatched([pd], [(0, tokens, matched)])[0])


def _unmatched(
    docs: list[PassageDoc], found: list[tuple[int, tuple[int, int], I64]]
) -> list[tuple[tuple[int, int], ...]]:
    """`unmatched_spans` of many (document, token range, matched tokens), at once."""
    if not found:
        return []
    doc = np.array([d for d, _, _ in found], dtype=np.int64)
    t0 = np.array([t[0] for _, t, _ in found], dtype=np.int64)
    n = np.array([t[1] - t[0] for _, t, _ in found], dtype=np.int64)
    off = np.cumsum(n) - n  # where each range starts in `miss`
    m_len = np.array([len(m) for _, _, m in found], dtype=np.int64)
    matched = np.concatenate([m for _, _, m in found]).astype(np.int64)
    owner = np.repeat(np.arange(len(found)), m_len)
    at = matched - t0[owner]
    inside = (at >= 0) & (at < n[owner])
    miss = np.ones(int(n.sum()), dtype=bool)
    miss[off[owner[inside]] + at[inside]] = False
    # Runs of missed tokens, none crossing from one range into the next.
    first = np.zeros(len(miss), dtype=bool)
    first[off[n > 0]] = True
    last = np.zeros(len(miss), dtype=bool)
    last[(off + n - 1)[n > 0]] = True
    opens = miss & (first | ~np.r_[False, miss[:-1]])
    closes = miss & (last | ~np.r_[miss[1:], False])
    starts, ends = np.flatnonzero(opens), np.flatnonzero(closes)  # ends: last token
    run_of = np.searchsorted(off, starts, side="right") - 1
    # Original-text spans of the runs, from each document's tokens' original starts and
    # ends (`PassageDoc.original_span` of every token of the documents involved).
    used = distinct(doc)
    firsts, lasts = [], []
    for d in used.tolist():
        pd = docs[d]
        at_start, at_end = pd.tokens.starts, pd.tokens.ends
        firsts.append(pd.norm.offsets[at_start])
        lasts.append(pd.norm.offsets[np.maximum(at_end - 1, at_start)] + (at_end > at_start))
    lens = np.array([len(x) for x in firsts], dtype=np.int64)
    base = np.zeros(len(docs), dtype=np.int64)
    base[used] = np.cumsum(lens) - lens
    shift = (base[doc] + t0 - off)[run_of]  # a run's place in `miss` to its token
    o_first = np.concatenate(firsts)[starts + shift].tolist()
    o_last = np.concatenate(lasts)[ends + shift].tolist()
    cut = np.searchsorted(run_of, np.arange(len(found) + 1)).tolist()
    spans = list(zip(o_first, o_last, strict=True))
    return [tuple(spans[cut[k] : cut[k + 1]]) for k in range(len(found))]
