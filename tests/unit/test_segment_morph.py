from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dedup import segment
from dedup.morph import STOPWORDS, skeleton, stem
from dedup.segment import paragraphs, sentences


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("جملة أولى. جملة ثانية؟ ثالثة؛ رابعة", ["جملة أولى.", "جملة ثانية؟", "ثالثة؛", "رابعة"]),
        ("Line one\nLine two", ["Line one", "Line two"]),
        ('He said "yes." Then left.', ['He said "yes."', "Then left."]),
        ("The U.S. and J. Smith agreed. Done.", ["The U.S. and J. Smith agreed.", "Done."]),
        ("Pi is 3.14 today.", ["Pi is 3.14 today."]),
        ("  \n\n ", []),
        ("قال: «نعم». ثم غادر", ["قال: «نعم».", "ثم غادر"]),
    ],
)
def test_sentences(text: str, expected: list[str]) -> None:
    assert [text[s:e] for s, e in sentences(text)] == expected


def test_sentences_cover_every_non_space_character() -> None:
    text = "أ. ب؟ ج\nد! هـ… و"
    covered = "".join(text[s:e] for s, e in sentences(text))
    assert covered.replace(" ", "") == text.replace(" ", "").replace("\n", "")


def test_paragraphs() -> None:
    text = "one\ntwo\n\n\nthree\n \nfour"
    assert [text[s:e] for s, e in paragraphs(text)] == ["one\ntwo", "three", "four"]


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("الولايات", "والولايات"),
        ("عمليات", "عملياتها"),
        ("روسيا", "لروسيا"),
        ("الوزير", "وزير"),
        ("المتحده", "متحده"),
        ("kerry", "kerry"),
    ],
)
def test_stem_variants_meet(a: str, b: str) -> None:
    assert stem(a) == stem(b)


@pytest.mark.parametrize(
    ("a", "b"), [("ارنست", "ايرنست"), ("سيرجي", "سيرغي"), ("اشتون", "آشتون".replace("آ", "ا"))]
)
def test_skeleton_joins_transliterations(a: str, b: str) -> None:
    assert skeleton(stem(a)) == skeleton(stem(b))


def test_stem_keeps_two_letters_and_stopwords_are_normalised() -> None:
    assert len(stem("وال")) >= 2
    assert "في" in STOPWORDS and "the" in STOPWORDS
    assert all(w == w.casefold() for w in STOPWORDS)


def test_stopwords_are_in_normal_form() -> None:
    from dedup.morph import STOPWORDS
    from dedup.normalise import normalise

    assert sorted(w for w in STOPWORDS if normalise(w).text != w) == []


@settings(max_examples=400, deadline=None)
@given(st.text(alphabet='ab A.!?؟؛…"”»)] \n\tكت', max_size=60))
def test_sentence_breaks_are_the_whole_patterns_match_ends(text: str) -> None:
    """Line breaks and marks found apart give the ends of the one pattern's matches."""
    whole = [0, *(m.end() for m in segment._SENTENCE_END.finditer(text))]
    assert segment.sentence_breaks(text) == whole


def test_sentence_breaks_of_the_seed_articles() -> None:
    from tests.conftest import FIXTURES

    for path in sorted((FIXTURES / "seeds").iterdir()):
        text = path.read_text(encoding="utf-8")
        whole = [0, *(m.end() for m in segment._SENTENCE_END.finditer(text))]
        assert segment.sentence_breaks(text) == whole
        assert len(whole) > 5 and "\n" in text
