"""Tokens and shingles: normalised text → sets of 64-bit xxhash values.

Word tokens are runs of letters, digits and combining marks. Each distinct token
is hashed once with xxh3-64 (seeded); a shingle's hash is an order-sensitive mix of
its tokens' hashes, computed for all shingles at once with numpy.

`tokenise_batch` does the same for many texts in a few numpy passes: a character-class
table finds the word boundaries, a polynomial hash of each word's code points (prefix
sums mod 2**64) finds the distinct words, and only those are hashed with xxh3, so the
token hashes are exactly those of `tokenise`.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from functools import lru_cache
from itertools import pairwise

import numpy as np
import numpy.typing as npt
import xxhash

from dedup.arrays import distinct, every_character, grouped
from dedup.config import ShingleConfig
from dedup.types import Normalised, Tokens

_M1 = np.uint64(0xFF51AFD7ED558CCD)
_M2 = np.uint64(0xC4CEB9FE1A85EC53)
_K = np.uint64(0x9E3779B97F4A7C15)
_S33 = np.uint64(33)


@lru_cache(maxsize=1)
def _word_re() -> re.Pattern[str]:
    marks = "".join(
        chr(c) for c in range(0x300, 0x10000) if unicodedata.category(chr(c)) in ("Mn", "Mc", "Me")
    )
    return re.compile(f"[\\w{re.escape(marks)}]+")


def fmix64(h: npt.NDArray[np.uint64]) -> npt.NDArray[np.uint64]:
    """MurmurHash3's 64-bit finaliser: a bijection that spreads every input bit."""
    return _fmix64_into(h ^ (h >> _S33), first=False)


def _fmix64_into(h: npt.NDArray[np.uint64], *, first: bool = True) -> npt.NDArray[np.uint64]:
    """`fmix64` of `h` written over it (`first=False`: its first step already done):
    one scratch array instead of a new array per step, on arrays of millions."""
    tmp = np.empty_like(h)
    if first:
        np.right_shift(h, _S33, out=tmp)
        np.bitwise_xor(h, tmp, out=h)
    np.multiply(h, _M1, out=h)
    np.right_shift(h, _S33, out=tmp)
    np.bitwise_xor(h, tmp, out=h)
    np.multiply(h, _M2, out=h)
    np.right_shift(h, _S33, out=tmp)
    np.bitwise_xor(h, tmp, out=h)
    return h


def tokenise(norm: Normalised, cfg: ShingleConfig) -> Tokens:
    """Split normalised text into tokens with hashes and normalised spans.

    Args:
        norm: output of `normalise`.
        cfg: `kind` "word" gives word tokens, "char" one token per non-space character
            (spaces are kept as tokens too, so character n-grams span word gaps).

    Example:
        >>> from dedup.normalise import normalise
        >>> toks = tokenise(normalise("Kerry met Lavrov."), ShingleConfig())
        >>> len(toks), toks.starts.tolist(), toks.ends.tolist()
        (3, [0, 6, 10], [5, 9, 16])
    """
    if cfg.kind == "char":
        codes = np.frombuffer(norm.text.encode("utf-32-le"), dtype=np.uint32)
        hashes = fmix64(codes.astype(np.uint64) ^ np.uint64(cfg.seed))
        starts = np.arange(len(codes), dtype=np.int64)
        return Tokens(hashes, starts, starts + 1)
    words = [(m.start(), m.end(), m.group()) for m in _word_re().finditer(norm.text)]
    return Tokens(
        hash_words([w for _, _, w in words], cfg.seed),
        np.fromiter((s for s, _, _ in words), dtype=np.int64, count=len(words)),
        np.fromiter((e for _, e, _ in words), dtype=np.int64, count=len(words)),
    )


@lru_cache(maxsize=1)
def _word_table() -> npt.NDArray[np.bool_]:
    """Whether each code point is a word character (as `_word_re` decides)."""
    table = np.zeros(0x110000, dtype=bool)
    for m in _word_re().finditer(every_character()):
        table[m.start() : m.end()] = True
    return table


#: Base of the polynomial word key (odd, so invertible mod 2**64) and its inverse.
_B = 0x9E3779B97F4A7C15 | 1
_B_INV = pow(_B, -1, 1 << 64)
_POWERS: dict[int, tuple[npt.NDArray[np.uint64], npt.NDArray[np.uint64]]] = {}


def _powers(n: int) -> tuple[npt.NDArray[np.uint64], npt.NDArray[np.uint64]]:
    """B**i and B**-i mod 2**64 for i < n (the largest table made is kept)."""
    have = next(iter(_POWERS), 0)
    if have < n:
        size = 1 << max(16, (n - 1).bit_length())
        up = np.full(size, _B, dtype=np.uint64)
        up[0] = 1
        down = np.full(size, _B_INV, dtype=np.uint64)
        down[0] = 1
        _POWERS.clear()
        _POWERS[size] = (np.multiply.accumulate(up), np.multiply.accumulate(down))
        have = size
    up, down = _POWERS[have]
    return up[:n], down[:n]


class _Vocabulary:
    """Word key → xxh3 hash of the words seen lately (one seed), as sorted arrays.

    A hash of 0 stands for "not cached" (a word whose xxh3 is 0 is just hashed again).
    """

    limit = 1 << 22

    def __init__(self) -> None:
        self.seed = -1
        self.keys = np.empty(0, dtype=np.uint64)
        self.values = np.empty(0, dtype=np.uint64)

    def lookup(self, keys: npt.NDArray[np.uint64], seed: int) -> npt.NDArray[np.uint64]:
        out = np.zeros(len(keys), dtype=np.uint64)
        if seed != self.seed or not len(self.keys):
            return out
        at = np.minimum(np.searchsorted(self.keys, keys), len(self.keys) - 1)
        hit = self.keys[at] == keys
        out[hit] = self.values[at[hit]]
        return out

    def add(self, keys: npt.NDArray[np.uint64], values: npt.NDArray[np.uint64], seed: int) -> None:
        if seed != self.seed or len(self.keys) + len(keys) > self.limit:
            self.seed = seed
            self.keys = np.empty(0, dtype=np.uint64)
            self.values = np.empty(0, dtype=np.uint64)
        k = np.concatenate([self.keys, keys])
        order = np.argsort(k, kind="stable")
        self.keys = k[order]
        self.values = np.concatenate([self.values, values])[order]


_VOCAB = _Vocabulary()


def tokenise_batch(
    norms: Sequence[Normalised], cfg: ShingleConfig, *, chars: int = 1 << 21
) -> list[Tokens]:
    """`tokenise` of many texts, equal to `[tokenise(n, cfg) for n in norms]`, in numpy
    passes over about `chars` characters at once.

    Example:
        >>> from dedup.normalise import normalise
        >>> a, b = tokenise_batch([normalise("Kerry met Lavrov."), normalise("Lavrov")],
        ...                       ShingleConfig())
        >>> a.starts.tolist(), bool(a.hashes[2] == b.hashes[0])
        ([0, 6, 10], True)
    """
    if cfg.kind == "char":
        return [tokenise(n, cfg) for n in norms]
    out: list[Tokens] = []
    lo = 0
    while lo < len(norms):
        hi, size = lo, 0
        while hi < len(norms) and (hi == lo or size + len(norms[hi].text) <= chars):
            size += len(norms[hi].text) + 1
            hi += 1
        out.extend(_tokenise_chunk([n.text for n in norms[lo:hi]], cfg.seed))
        lo = hi
    return out


def _tokenise_chunk(texts: list[str], seed: int) -> list[Tokens]:
    joined = " ".join(texts)
    codes = np.frombuffer(joined.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    word = np.take(_word_table(), codes)
    n = len(word)
    edge = np.empty(n + 1, dtype=bool)
    edge[0] = word[0] if n else False
    if n:
        np.not_equal(word[1:], word[:-1], out=edge[1:n])
        edge[n] = word[-1]
    bounds = np.flatnonzero(edge)
    starts, ends = bounds[0::2], bounds[1::2]
    up, down = _powers(n + 1)
    prefix = np.zeros(n + 1, dtype=np.uint64)
    weighted = codes.astype(np.uint64)
    weighted += np.uint64(1)
    weighted *= up[:n]
    np.cumsum(weighted, out=prefix[1:])
    lengths = (ends - starts).astype(np.uint64)
    key = (prefix[ends] - prefix[starts]) * down[starts] ^ (lengths * _K)
    # Hash each distinct word once with xxh3 (words met in earlier chunks are cached).
    order, ordered = grouped(key)  # equal keys are one word: any occurrence stands for it
    first = np.empty(len(ordered), dtype=bool)
    first[:1] = True
    np.not_equal(ordered[1:], ordered[:-1], out=first[1:])
    rep = order[first]
    uniq = ordered[first]
    values = _VOCAB.lookup(uniq, seed)
    missing = np.flatnonzero(values == 0)
    if len(missing):
        intdigest = xxhash.xxh3_64_intdigest
        pos = rep[missing]
        values[missing] = np.fromiter(
            (
                intdigest(joined[s:e].encode("utf-8", "surrogatepass"), seed)
                for s, e in zip(starts[pos].tolist(), ends[pos].tolist(), strict=True)
            ),
            dtype=np.uint64,
            count=len(pos),
        )
        _VOCAB.add(uniq[missing], values[missing], seed)
    hashes = np.empty(len(key), dtype=np.uint64)
    hashes[order] = values[np.cumsum(first) - 1]
    doc_starts = np.cumsum([0] + [len(t) + 1 for t in texts[:-1]])
    cut = np.append(np.searchsorted(starts, doc_starts), len(starts))
    base = np.repeat(doc_starts, np.diff(cut))  # each token's text's start
    starts, ends = starts - base, ends - base
    return [Tokens(hashes[a:b], starts[a:b], ends[a:b]) for a, b in pairwise(cut.tolist())]


def hash_words(words: list[str], seed: int) -> npt.NDArray[np.uint64]:
    """xxh3-64 of each word's UTF-8 bytes, hashing each distinct word once."""
    cache: dict[str, int] = {}
    intdigest = xxhash.xxh3_64_intdigest
    out = np.empty(len(words), dtype=np.uint64)
    for i, w in enumerate(words):
        h = cache.get(w)
        if h is None:
            h = cache[w] = intdigest(w.encode("utf-8", "surrogatepass"), seed)
        out[i] = h
    return out


def shingle_hashes(token_hashes: npt.NDArray[np.uint64], size: int) -> npt.NDArray[np.uint64]:
    """Hash every window of `size` consecutive tokens, in order (duplicates kept).

    There are `max(0, len(token_hashes) - size + 1)` of them.

    Example:
        >>> h = np.arange(1, 6, dtype=np.uint64)
        >>> len(shingle_hashes(h, 3)), len(shingle_hashes(h, 6))
        (3, 0)
    """
    n = len(token_hashes) - size + 1
    if n <= 0:
        return np.empty(0, dtype=np.uint64)
    h = _fmix64_into(token_hashes[:n] ^ _K)
    for j in range(1, size):
        np.multiply(h, _K, out=h)
        np.add(h, token_hashes[j : j + n], out=h)
        _fmix64_into(h)
    return h


def shingle_sets(
    token_hashes: Sequence[npt.NDArray[np.uint64]], size: int, *, unique: bool = True
) -> list[npt.NDArray[np.uint64]]:
    """`distinct(shingle_hashes(h, size))` of each array, the hashing done in one pass
    (with `unique` False, `shingle_hashes(h, size)`: in order, repeats kept).

    Example:
        >>> h = np.arange(1, 6, dtype=np.uint64)
        >>> [len(x) for x in shingle_sets([h, h[:2], h], 3)]
        [3, 0, 3]
    """
    lengths = np.fromiter((len(h) for h in token_hashes), dtype=np.int64, count=len(token_hashes))
    if not len(lengths):
        return []
    flat = np.concatenate(token_hashes) if lengths.sum() else np.empty(0, dtype=np.uint64)
    every = shingle_hashes(flat, size)
    starts = np.cumsum(lengths) - lengths
    counts = np.maximum(lengths - size + 1, 0)
    pick = distinct if unique else (lambda x: x)
    return [pick(every[a : a + c]) for a, c in zip(starts.tolist(), counts.tolist(), strict=True)]


def shingles(norm: Normalised, cfg: ShingleConfig) -> npt.NDArray[np.uint64]:
    """The shingle set of a normalised text: sorted, distinct uint64 hashes.

    Example:
        >>> from dedup.normalise import normalise
        >>> a = shingles(normalise("the cat sat on the mat"), ShingleConfig(size=2))
        >>> b = shingles(normalise("The cat sat on the mat!"), ShingleConfig(size=2))
        >>> len(a), bool((a == b).all())
        (5, True)
    """
    return distinct(shingle_hashes(tokenise(norm, cfg).hashes, cfg.size))
