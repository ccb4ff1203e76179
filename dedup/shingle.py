"""Tokens and shingles: normalised text → sets of 64-bit xxhash values.

Word tokens are runs of letters, digits and combining marks. Each distinct token
is hashed once with xxh3-64 (seeded); a shingle's hash is an order-sensitive mix of
its tokens' hashes, computed for all shingles at once with numpy.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

import numpy as np
import numpy.typing as npt
import xxhash

from dedup.arrays import distinct
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
    h = h ^ (h >> _S33)
    h = h * _M1
    h = h ^ (h >> _S33)
    h = h * _M2
    return h ^ (h >> _S33)


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
        _hash_words([w for _, _, w in words], cfg.seed),
        np.fromiter((s for s, _, _ in words), dtype=np.int64, count=len(words)),
        np.fromiter((e for _, e, _ in words), dtype=np.int64, count=len(words)),
    )


def _hash_words(words: list[str], seed: int) -> npt.NDArray[np.uint64]:
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
    h = fmix64(token_hashes[:n] ^ _K)
    for j in range(1, size):
        h = fmix64(h * _K + token_hashes[j : j + n])
    return h


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
