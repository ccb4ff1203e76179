from __future__ import annotations

import numpy as np
import pytest

from dedup.normalise import normalise


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
