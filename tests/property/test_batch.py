"""The batch paths give exactly what the one-text paths give."""

from __future__ import annotations

import re

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from dedup import attribution
from dedup.config import ShingleConfig
from dedup.normalise import normalise, normalise_batch
from dedup.shingle import tokenise, tokenise_batch
from tests.strategies import any_text, news_text

#: Names of the catalogue as they occur in text: spaced, dotted, glued, with clitics.
NAMES = st.sampled_from(
    [
        "رويترز",
        "ولرويترز",
        "لرويترز",
        "أ ف ب",
        "أ.ف.ب",
        "افب",
        "اف ب",
        "فرانس برس",
        "وفرانس برس",
        "الجزيرة",
        "للجزيرة",
        "وكالات",
        "واس",
        "Reuters",
        "AFP",
        "ap",
        "AP",
        "Agence France-Presse",
        "x_رويترز",
        "رويترز_",
        "نَص",
        "e\u0301رويترز",
    ]
)
attributed_text = st.lists(st.one_of(news_text, NAMES), max_size=8).map(" ".join)


#: Texts whose ends and joins try the batch's edges: empty, all white space, a space
#: or a mark at either end, characters NFKC or a second pass changes.
EDGES = st.sampled_from(["", " ", "\n\t ", " x", "x ", "\u064e", "a\u0301", "ﻻ", "ﷺ ", "\u00a0y"])


@given(st.lists(st.one_of(any_text, news_text, EDGES), max_size=8))
def test_normalise_batch_equals_normalise(texts: list[str]) -> None:
    for chars in (1 << 18, 16):  # one pass for all, or about a text per pass
        got = normalise_batch(texts, chars=chars)
        assert len(got) == len(texts)
        for text, b in zip(texts, got, strict=True):
            a = normalise(text)
            assert a.text == b.text
            assert np.array_equal(a.offsets, b.offsets)
            assert b.offsets.dtype == np.int64


@given(st.lists(st.one_of(any_text, news_text), max_size=6), st.integers(0, 2**32))
def test_tokenise_batch_equals_tokenise(texts: list[str], seed: int) -> None:
    cfg = ShingleConfig(seed=seed)
    norms = [normalise(t) for t in texts]
    # A tiny chunk size makes every text its own chunk some of the time.
    for chars in (1 << 21, 16):
        got = tokenise_batch(norms, cfg, chars=chars)
        for n, b in zip(norms, got, strict=True):
            a = tokenise(n, cfg)
            assert np.array_equal(a.hashes, b.hashes)
            assert np.array_equal(a.starts, b.starts)
            assert np.array_equal(a.ends, b.ends)


@given(st.lists(attributed_text, min_size=1, max_size=3), st.integers(0, 3))
def test_name_starts_find_every_name_the_full_scan_finds(texts: list[str], seed: int) -> None:
    for text in texts:
        norm = normalise(text)
        tokens = tokenise(norm, ShingleConfig(seed=seed))
        starts = attribution.name_starts(norm, tokens, seed)
        full = attribution.names_in(text, norm)
        assert attribution.names_in(text, norm, starts=starts) == full
        assert attribution.find(text, norm=norm, starts=starts) == attribution.find(text)


def test_name_starts_narrow_the_scan_and_give_up_on_underscores() -> None:
    text = "قال مراسل رويترز إن أ.ف.ب نقلت"
    norm = normalise(text)
    starts = attribution.name_starts(norm, tokenise(norm, ShingleConfig()), 0)
    assert starts is not None
    assert [norm.text[s : s + 3] for s in starts] == ["روي", "ا.ف"]
    under = normalise("x_رويترز")
    assert attribution.name_starts(under, tokenise(under, ShingleConfig()), 0) is None


@given(st.lists(st.one_of(attributed_text, st.just("")), max_size=6), st.integers(0, 3))
def test_name_starts_batch_equals_name_starts(texts: list[str], seed: int) -> None:
    norms = [normalise(t) for t in texts]
    tokens = [tokenise(n, ShingleConfig(seed=seed)) for n in norms]
    expected = [attribution.name_starts(n, t, seed) for n, t in zip(norms, tokens, strict=True)]
    assert attribution.name_starts_batch(norms, tokens, seed) == expected


@given(
    st.one_of(
        any_text,
        news_text,
        st.text(alphabet="ﻻﷲ…ﺍe\u0301\u0651\u064e \u1100\u1161\u11a8가", max_size=40),
    )
)
def test_nfkc_of_the_odd_words_equals_nfkc_of_every_word(text: str) -> None:
    from dedup.normalise import _nfkc_every_piece, _nfkc_pieces

    a_text, a_map = _nfkc_every_piece(text)
    b_text, b_map = _nfkc_pieces(text)
    assert a_text == b_text
    assert np.array_equal(a_map, b_map)


#: Lines of every kind `attribution.find` tells apart, to mix into texts.
LINES = st.sampled_from(
    [
        "المصدر : الجزيرة + وكالات",
        "تابعنا على تويتر",
        "12:30 2016/09/09",
        "By John Smith",
        "(Reporting by Jane Doe; Editing by X)",
        "بيروت - أ ف ب: قال",
        "واس- جدة: أعلن",
        "MOSCOW (Reuters) - Kerry said",
        "صورة (رويترز)",
        "REUTERS/Someone Else",
        "كتب: محمد",
        "الرياض / قال الوزير",
        "x)",
    ]
)


@given(st.lists(st.one_of(attributed_text, LINES), max_size=8).map("\n".join))
def test_lines_skipped_early_are_lines_without_attribution(text: str) -> None:
    from unittest import mock

    got = attribution.find(text)
    with mock.patch.object(attribution, "_WHOLE_LINE", re.compile("")):  # never skip
        assert got == attribution.find(text)
