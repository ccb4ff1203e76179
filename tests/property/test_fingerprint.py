"""Winnowing's guarantee: a shared run of WINDOW + 1 content words shares a fingerprint."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from dedup.config import ShingleConfig
from dedup.fingerprint import WINDOW, fingerprints
from dedup.morph import STOPWORDS
from dedup.normalise import normalise
from dedup.shingle import tokenise

content = st.text(alphabet="ابتثجحخدرزسشصطعغفقلمنهي", min_size=3, max_size=7).filter(
    lambda w: w not in STOPWORDS
)
stop = st.sampled_from(sorted(STOPWORDS))
words = st.lists(st.one_of(content, stop), max_size=40)


def fps(ws: list[str], window: int = WINDOW) -> set[int]:
    toks = tokenise(normalise(" ".join(ws)), ShingleConfig())
    return set(fingerprints(toks.hashes, 0, window).tolist())


@given(words, words, st.lists(content, min_size=WINDOW + 1, max_size=12), words)
def test_a_shared_run_shares_a_fingerprint(
    before: list[str], after: list[str], run: list[str], other: list[str]
) -> None:
    a = before + run + after
    b = other + run
    assert fps(a) & fps(b)


@given(words, st.integers(1, 8))
def test_fingerprints_ignore_stopwords_and_are_a_subset_of_pairs(
    ws: list[str], window: int
) -> None:
    kept = [w for w in ws if w not in STOPWORDS]
    assert fps(ws, window) == fps(kept, window)
    assert fps(ws, window) <= fps(ws, 1)
