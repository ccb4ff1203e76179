from __future__ import annotations

import unicodedata
from unittest import mock

import numpy as np
import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from dedup import normalise as module
from dedup.normalise import normalise
from tests.strategies import ARABIC_MARKS, news_text


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("مُحَمَّدٌ", "محمد"),  # harakat, shadda, tanween
        ("رحمٰن", "رحمن"),  # superscript alef
        ("الســـلام", "السلام"),  # tatweel
        ("أحمد إبراهيم آمنة ٱلله", "احمد ابراهيم امنه الله"),
        ("مستشفى", "مستشفي"),
        ("مدرسة", "مدرسه"),
        ("مؤتمر رئيس", "موتمر رييس"),
        ("٢٠١٦ و۱۲۳", "2016 و123"),
        ("قال، لماذا؟ نعم؛", "قال, لماذا? نعم;"),
        ("«كلام» “quoted” ‘single’", '"كلام" "quoted" \'single\''),
        ("A—B – C", "a-b - c"),
        ("Hello WORLD Straße", "hello world straße"),
        ("  many\t\tspaces\n\nhere  ", "many spaces here"),
        ("ﻻ ﷲ", "لا الله"),  # presentation forms via NFKC
        ("ﬁne", "fine"),  # ligature
        ("a\u200bb\u200fc", "abc"),  # zero-width and bidi controls
        ("\u00a0nbsp\u00a0", "nbsp"),
        ("", ""),
    ],
)
def test_normalise_cases(text: str, expected: str) -> None:
    assert normalise(text).text == expected


@pytest.mark.parametrize("text", ["مُحَمَّدٌ رسول", "  Straße ﷺ x ", "ﻻ إله", "a\u0301\u064eb"])
def test_offsets_are_monotone_and_end_at_length(text: str) -> None:
    n = normalise(text)
    assert len(n.offsets) == len(n.text) + 1
    assert n.offsets[-1] == len(text)
    assert np.all(np.diff(n.offsets[:-1]) >= 0)


def test_original_span_slices_the_word_with_its_marks() -> None:
    text = "قالَ  مُحمّدٌ: «أهلاً»"
    n = normalise(text)
    i = n.text.index("محمد")
    s, e = n.original_span(i, i + 4)
    assert text[s:e] == "مُحمّد"


#: Marks NFKC reorders (shadda before a vowel mark goes after it) and marks it composes
#: with the letter before them (madda, hamza above and below), among letters.
MARKED = st.text(alphabet="ابوهيےۓ ." + ARABIC_MARKS + "\u0653\u0654\u0655\u08f0", max_size=40)


@given(st.one_of(MARKED, news_text))
@example("\u06d2\u0654 \u0627\u0651\u0653 \u0648\u0654\u064e")  # ے + hamza is ۓ
def test_marks_nfkc_would_only_reorder_are_left_to_the_table(text: str) -> None:
    """Skipping NFKC where it could only reorder marks the table deletes gives what
    NFKC word by word gives."""
    fast = normalise(text)
    with mock.patch.object(module, "_inert", return_value=~module._unstable()):
        slow = normalise(text)  # nothing inert but what NFKC leaves alone
    assert fast.text == slow.text == normalise(unicodedata.normalize("NFKC", text)).text
    assert np.array_equal(fast.offsets, slow.offsets)


def test_shadda_first_or_last_normalise_alike() -> None:
    vowel_first = normalise("\u0645\u062d\u0645\u064e\u0651\u062f")  # NFKC order
    shadda_first = normalise("\u0645\u062d\u0645\u0651\u064e\u062f")  # as often typed
    assert vowel_first.text == shadda_first.text == "محمد"
    assert vowel_first.offsets.tolist() == shadda_first.offsets.tolist() == [0, 1, 2, 5, 6]
