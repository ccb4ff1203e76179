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


_PREFIXES = ("وال", "بال", "كال", "فال", "لل", "ال")
_SUFFIXES = (
    ("هما", "كما", "ها", "هم", "هن", "كم", "نا"),
    ("تين", "تان", "ان", "ات", "ون", "ين", "يه", "يا", "ه", "ي"),
)


def _plain_stem(word: str) -> str:
    """`stem` as first written: every affix tried in turn."""

    def conjunction(w: str) -> str:
        return w[1:] if len(w) > 3 and w[0] in "وف" else w

    if not word or not 0x0621 <= ord(word[0]) < 0x064B:
        return word
    word = conjunction(word)
    for p in _PREFIXES:
        if word.startswith(p) and len(word) - len(p) >= 2:
            word = conjunction(word[len(p) :])
            break
    else:
        if len(word) > 4 and word[0] in "بلك":
            word = word[1:]
    for group in _SUFFIXES:
        for s in group:
            if word.endswith(s) and len(word) - len(s) >= 2:
                word = word[: -len(s)]
                break
    return word


def _plain_skeleton(stemmed: str) -> str:
    """`skeleton` as first written: long vowels dropped, then letters merged."""
    if not stemmed or not 0x0621 <= ord(stemmed[0]) < 0x064B or len(stemmed) < 3:
        return stemmed
    merged = str.maketrans(
        {"غ": "ج", "ق": "ج", "ك": "ج", "ط": "ت", "ص": "س", "ث": "س", "ض": "د", "ذ": "ز", "ظ": "ز"}
    )
    return stemmed[0] + stemmed[1:].translate(str.maketrans("", "", "اويء")).translate(merged)


#: Words made of affixes and the letters they are made of, and a few others.
_LETTERS = [*"وفبلكايءغقكطصثضذظتسدزجمر", "kerry", "1"]
_PIECES = st.sampled_from([*_PREFIXES, *_SUFFIXES[0], *_SUFFIXES[1], *_LETTERS])


@settings(max_examples=3000, deadline=None)
@given(st.lists(_PIECES, min_size=0, max_size=6).map("".join))
def test_stem_and_skeleton_are_their_plain_definitions(word: str) -> None:
    assert stem.__wrapped__(word) == _plain_stem(word)
    assert skeleton.__wrapped__(word) == _plain_skeleton(word)
    assert skeleton.__wrapped__(stem(word)) == _plain_skeleton(_plain_stem(word))


def test_stem_and_skeleton_of_the_seed_articles_are_their_plain_definitions() -> None:
    from pathlib import Path

    from dedup.normalise import normalise

    root = Path(__file__).resolve().parents[2] / "fixtures" / "seeds"
    words = {w for f in sorted(root.glob("*.txt")) for w in normalise(f.read_text()).text.split()}
    assert len(words) > 1000
    for w in sorted(words):
        assert stem(w) == _plain_stem(w)
        assert skeleton(stem(w)) == _plain_skeleton(_plain_stem(w))
