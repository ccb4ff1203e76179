"""Passage fingerprints: how an index finds stored documents that may share a passage.

A document's fingerprints are winnowed hashes of consecutive content-word pairs: the
function words are dropped, each pair of neighbouring content words is hashed, and of
every `WINDOW` consecutive pair hashes the smallest is kept (Schleimer, Wilkerson and
Aiken's winnowing). Two documents that share a run of `WINDOW + 1` content words in the
same order therefore share at least one fingerprint, whatever surrounds the run, and a
300-word article has about 70 of them. The index keeps a posting list per fingerprint;
the stored documents sharing at least `MIN_SHARED` of an item's fingerprints are the ones
its passages are aligned against.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable
from functools import lru_cache
from typing import Any, TypeVar

import numpy as np
import numpy.typing as npt
from numpy.lib.stride_tricks import sliding_window_view

from dedup.arrays import distinct
from dedup.morph import STOPWORDS
from dedup.shingle import hash_words, shingle_hashes

U64 = npt.NDArray[np.uint64]
#: What identifies a candidate: a stored id, or anything else that sorts.
K = TypeVar("K", bound=Any)

#: Pair hashes per winnowing window: any run of WINDOW + 1 shared content words is found.
WINDOW = 4
#: Fingerprints an item must share with a stored document to be aligned against it
#: (two let topical phrases through: half the items of a 10k archive then had 20
#: candidates, and the index added 1.4 times slower, for 5% more of scan's pairs).
MIN_SHARED = 3
#: A fingerprint held by more stored documents than `max_postings` is a set phrase (an
#: outlet's boilerplate, a title formula): it is not looked up.
MAX_POSTINGS = 100
MIN_POSTINGS = 20
SET_PHRASE_SHARE = 0.01
#: Stored documents (the ones sharing most fingerprints) each item is aligned against.
MAX_CANDIDATES = 20


@lru_cache(maxsize=8)
def _stopword_hashes(seed: int) -> U64:
    return np.sort(hash_words(sorted(STOPWORDS), seed))  # in normal form (a test checks)


def fingerprints(token_hashes: U64, seed: int, window: int = WINDOW) -> U64:
    """Sorted distinct fingerprints of a document's word-token hashes (from
    `dedup.shingle.tokenise` with `seed`).

    Example:
        >>> from dedup.config import ShingleConfig
        >>> from dedup.normalise import normalise
        >>> from dedup.shingle import tokenise
        >>> def fp(text):
        ...     cfg = ShingleConfig()
        ...     return set(fingerprints(tokenise(normalise(text), cfg).hashes, cfg.seed))
        >>> a = fp("وقال المتحدث باسم البيت الأبيض جوش إرنست للصحفيين إن الاتفاق قريب")
        >>> b = fp("من جهته قال المتحدث باسم البيت الأبيض جوش إرنست للصحفيين أمس")
        >>> len(a & b) > 0, len(a & fp("صباح الخير يا جاري أنت في حال وأنا في حال"))
        (True, 0)
    """
    if window < 1:
        raise ValueError(f"window must be at least 1, not {window}")
    stop = _stopword_hashes(seed)
    pos = np.searchsorted(stop, token_hashes)
    is_stop = stop[np.minimum(pos, len(stop) - 1)] == token_hashes
    pairs = shingle_hashes(token_hashes[~is_stop], 2)
    if len(pairs) <= window:
        return distinct(pairs)
    return distinct(sliding_window_view(pairs, window).min(axis=1))


def max_postings(stored: int) -> int:
    """Documents a fingerprint may be held by and still be looked up, in an index of
    `stored` documents: 1% of them, at least 20 (a wire passage copied by every outlet)
    and at most 100 (a topical phrase, "the US Secretary of State", in a large archive;
    it also bounds a query's work).

    Example:
        >>> max_postings(500), max_postings(5_000), max_postings(5_000_000)
        (20, 50, 100)
    """
    return min(MAX_POSTINGS, max(MIN_POSTINGS, math.ceil(stored * SET_PHRASE_SHARE)))


def rank(counts: Iterable[tuple[K, int]], exclude: Iterable[K] = ()) -> list[K]:
    """The stored ids to align an item against: those sharing at least `MIN_SHARED`
    fingerprints, most shared first (ties by id), at most `MAX_CANDIDATES`, without
    `exclude` (its near-duplicates: a passage of a copy is the whole copy).

    Example:
        >>> rank([("b", 3), ("a", 3), ("c", 1), ("d", 9)], exclude=["d"])
        ['a', 'b']
    """
    skip = set(exclude)
    total: Counter[K] = Counter()
    for doc_id, n in counts:
        if doc_id not in skip:
            total[doc_id] += n
    kept = sorted((-n, i) for i, n in total.items() if n >= MIN_SHARED)
    return [i for _, i in kept[:MAX_CANDIDATES]]
