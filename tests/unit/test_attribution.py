from __future__ import annotations

import unicodedata

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from dedup.attribution import credits, find, recurring_lines, with_recurring
from tests.conftest import FIXTURES


def kinds(text: str) -> list[tuple[str, str, tuple[str, ...]]]:
    return [(a.kind, a.text, (*a.agencies, *a.outlets)) for a in find(text)]


BODY = "قال مسؤول أمريكي إن المحادثات ستستمر الأسبوع المقبل في جنيف."

CASES = [
    # source lines
    ("المصدر : وكالات", [("source_line", "المصدر : وكالات", ("agencies",))]),
    (
        "المصدر: رويترز + الفرنسية",
        [("source_line", "المصدر: رويترز + الفرنسية", ("afp", "reuters"))],
    ),
    ("Source: Reuters", [("source_line", "Source: Reuters", ("reuters",))]),
    (
        "المصادر : الجزيرة نت + وكالات",
        [("source_line", "المصادر : الجزيرة نت + وكالات", ("agencies", "aljazeera"))],
    ),
    # datelines
    (
        "القاهرة - (رويترز) - قال مسؤول إن المحادثات ستستمر.",
        [("dateline", "القاهرة - (رويترز) -", ("reuters",))],
    ),
    (
        "WASHINGTON (AP) — The United States said on Thursday it would continue talks.",
        [("dateline", "WASHINGTON (AP) —", ("ap",))],
    ),
    (
        "LONDON (Reuters) - Britain's foreign minister said talks would go on.",
        [("dateline", "LONDON (Reuters) -", ("reuters",))],
    ),
    (
        "بيروت - أ ف ب: أعلن الجيش السوري سيطرته على البلدة.",
        [("dateline", "بيروت - أ ف ب:", ("afp",))],
    ),
    ("(رويترز) - أعلنت الحكومة خطة جديدة للإنفاق.", [("dateline", "(رويترز) -", ("reuters",))]),
    ("أمد/ قالت الولايات المتحدة إنها تأمل.", [("dateline", "أمد/", ("amad",))]),
    ("الرياض - واس - استقبل ولي العهد وفدا رسميا.", [("dateline", "الرياض - واس -", ("spa",))]),
    ("واس- جدة: التقى صاحب السمو وفدا رسميا.", [("dateline", "واس- جدة:", ("spa",))]),
    ("واس - مكة المكرمة: ساهمت تسع فرق.", [("dateline", "واس - مكة المكرمة:", ("spa",))]),
    # caption credits
    ("صورة من لقاء الوزيرين في موسكو (رويترز)", [("caption_credit", "(رويترز)", ("reuters",))]),
    ("مقاتلون في حلب (أسوشيتد برس-أرشيف)", [("caption_credit", "(أسوشيتد برس-أرشيف)", ("ap",))]),
    (
        "Kerry and Lavrov shake hands. (AP Photo/Andrew Harnik, Pool)",
        [("caption_credit", "(AP Photo/Andrew Harnik, Pool)", ("ap",))],
    ),
    (
        "Kerry (L) and Lavrov in Moscow, July 16, 2016. REUTERS/Sergei Karpukhin",
        [("caption_credit", "REUTERS/Sergei Karpukhin", ("reuters",))],
    ),
    ("جنود في حلب (الفرنسية)", [("caption_credit", "(الفرنسية)", ("afp",))]),
    ("A protest in Berlin (EPA)", [("caption_credit", "(EPA)", ("epa",))]),
    # bylines
    (
        f"{BODY} (Reporting by John Davison; Editing by Tom Brown)",
        [("byline", "(Reporting by John Davison; Editing by Tom Brown)", ())],
    ),
    ("By Matthew Lee", [("byline", "By Matthew Lee", ())]),
    ("بقلم: أحمد محمد", [("byline", "بقلم: أحمد محمد", ())]),
    ("Reporting by Jane Doe in Cairo", [("byline", "Reporting by Jane Doe in Cairo", ())]),
    # boilerplate
    ("تابعنا على:   11:50 2016-07-27", [("boilerplate", "تابعنا على:   11:50 2016-07-27", ())]),
    ("اخر الأخبار", [("boilerplate", "اخر الأخبار", ())]),
    ("اقرأ أيضا: كيري يصل إلى موسكو", [("boilerplate", "اقرأ أيضا: كيري يصل إلى موسكو", ())]),
    ("جميع الحقوق محفوظة © 2016", [("boilerplate", "جميع الحقوق محفوظة © 2016", ())]),
    ("Follow us on Twitter", [("boilerplate", "Follow us on Twitter", ())]),
    ("11:50 2016-07-27", [("boilerplate", "11:50 2016-07-27", ())]),
    # cited sources in running text
    (
        "وكانت صحيفة واشنطن بوست قد أفادت بأن الخطة جاهزة.",
        [("cited_source", "واشنطن بوست", ("washington-post",))],
    ),
    (
        "It was a point the Washington Post also reported on Tuesday.",
        [("cited_source", "Washington Post", ("washington-post",))],
    ),
    (
        "ونقلت وكالة رويترز عن مصادر مطلعة أن الاجتماع تأجل.",
        [("cited_source", "رويترز", ("reuters",))],
    ),
    ("وقال مراسل الجزيرة إن القصف استمر.", [("cited_source", "الجزيرة", ("aljazeera",))]),
    (
        "وذكرت وكالة الأنباء السعودية أن الملك استقبل الوفد.",
        [("cited_source", "وكالة الأنباء السعودية", ("spa",))],
    ),
    # tricky negatives: ordinary words, lower case, parentheses that are not credits
    ("تقع شبه الجزيرة العربية في جنوب غرب آسيا.", []),
    ("أعلنت الحكومة الفرنسية خطة جديدة.", []),
    ("students sat the ap exam in may", []),
    ("قال كيري: نحن مستعدون (للحوار)", []),
    ("ونقلت وكالات الأنباء الخبر عن مصادر محلية.", []),
    ("المصدر الذي رفض الكشف عن اسمه قال إن الاتفاق قريب.", []),
    ("UK/US talks resumed on Monday.", []),
    ("2016/07/27 كان يوما حافلا.", []),
    ("كيري يرجح إعلان خطة التنسيق العسكري بسوريا قريبا", []),
    ("The AP style guide (2019 edition) is used.", [("cited_source", "AP", ("ap",))]),
    ("He said (in private) that the talks (which began in May) had stalled.", []),
]


@pytest.mark.parametrize(("text", "expected"), CASES, ids=[c[0][:30] for c in CASES])
def test_cases(text: str, expected: list[tuple[str, str, tuple[str, ...]]]) -> None:
    assert kinds(text) == expected


def test_offsets_slice_the_text() -> None:
    text = "القاهرة - (رويترز) - نص.\nصورة (رويترز)\nالمصدر : وكالات\nبيروت - أ ف ب: نص\nأمد/ نص"
    assert len(find(text)) == 5
    for a in find(text):
        assert text[a.start : a.end] == a.text


SEEDS = {p.stem[:3]: p.read_text(encoding="utf-8") for p in (FIXTURES / "seeds").glob("*.txt")}

GOLDEN = {
    "000": [
        ("cited_source", "واشنطن بوست", ("washington-post",)),
        ("caption_credit", "(الأوروبية)", ("epa",)),
        ("cited_source", "واشنطن بوست", ("washington-post",)),
        ("source_line", "المصدر : الجزيرة + وكالات", ("agencies", "aljazeera")),
    ],
    "001": [
        ("cited_source", "واشنطن بوست", ("washington-post",)),
        ("cited_source", "واشنطن بوست", ("washington-post",)),
        ("cited_source", "التايمز", ("the-times",)),
    ],
    "002": [
        ("caption_credit", "(AP Photo/Andrew Harnik, Pool)", ("ap",)),
        ("caption_credit", "(أسوشيتد برس)", ("ap",)),
        ("source_line", "المصدر : وكالات", ("agencies",)),
    ],
    "003": [
        ("caption_credit", "REUTERS/Sergei Karpukhin", ("reuters",)),
        ("caption_credit", "(رويترز)", ("reuters",)),
        ("caption_credit", "(أسوشيتد برس-أرشيف)", ("ap",)),
        ("caption_credit", "(أسوشيتد برس-أرشيف)", ("ap",)),
        ("source_line", "المصدر : الجزيرة + وكالات", ("agencies", "aljazeera")),
    ],
    "004": [
        ("boilerplate", "تابعنا على: \u00a0 11:50 2016-07-27", ()),
        ("dateline", "أمد/", ("amad",)),
        ("boilerplate", "اخر الأخبار", ()),
    ],
}


@pytest.mark.parametrize("seed", sorted(GOLDEN))
def test_seed_attribution_golden(seed: str) -> None:
    assert kinds(SEEDS[seed]) == GOLDEN[seed]


def test_credits_exclude_mere_citations() -> None:
    assert credits(find(SEEDS["001"])) == ()
    assert credits(find(SEEDS["000"])) == ("agencies", "aljazeera", "epa")


def test_recurring_lines_are_an_outlets_chrome() -> None:
    docs = [
        (f"خبر رقم {i} عن موضوع مختلف تماما.\nشارك الخبر مع أصدقائك عبر الموقع", "site")
        for i in range(5)
    ]
    docs.append(("خبر من موقع آخر.\nشارك الخبر مع أصدقائك عبر الموقع", None))
    chrome = recurring_lines(docs)
    assert chrome == {"site": {"شارك الخبر مع اصدقايك عبر الموقع"}}
    text = docs[0][0]
    spans = with_recurring(text, find(text), chrome["site"])
    assert [a.kind for a in spans] == ["boilerplate"]
    assert spans[0].text == "شارك الخبر مع أصدقائك عبر الموقع"


@pytest.mark.parametrize("line", ["0 0 0 0", "2016", "12 34"])
def test_bare_numbers_are_not_timestamps(line: str) -> None:
    assert find(line) == []


def test_source_line_with_diacritics() -> None:
    assert kinds("اَلْمَصْدَرُ : الجزيرة + وكالات")[0][0] == "source_line"


def test_an_agency_first_dateline_needs_a_short_place() -> None:
    text = "واس - أعلنت وزارة الداخلية في بيان رسمي صدر اليوم الأحد: تم القبض على المتهم."
    assert [k for k, _, _ in kinds(text) if k == "dateline"] == []


def test_chrome_counted_a_piece_at_a_time_is_counted_as_document_by_document() -> None:
    import random
    from collections import Counter

    from dedup.attribution import ChromeCounter

    rng = random.Random(0)
    lines = [f"سطر قصير رقم {k}" for k in range(12)]
    docs = [
        ("\n".join([*rng.sample(lines, rng.randint(0, 4)), "نص طويل " * 20]), rng.choice("ab"))
        for _ in range(60)
    ]
    one = ChromeCounter()
    for text, outlet in docs:
        one.add(text, outlet)
    many = ChromeCounter()
    for lo in range(0, len(docs), 7):
        per: dict[str, tuple[int, Counter[int], dict[int, str]]] = {}
        for text, outlet in docs[lo : lo + 7]:
            found = many.short_lines(text)
            n, counts, texts = per.get(outlet) or (0, Counter(), {})
            counts.update(found.keys())
            texts.update(found)
            per[outlet] = (n + 1, counts, texts)
        for outlet, (n, counts, texts) in per.items():
            many.add_counts(outlet, n, counts, texts)
    assert one.lines() == many.lines()
    assert any(one.lines().values())  # some lines recur, others not
    assert (one.counts, one.texts, one.totals) == (many.counts, many.texts, many.totals)


@given(
    st.lists(
        st.tuples(
            st.text(alphabet="ab\u0627", min_size=1, max_size=3),
            st.text(alphabet=" \t\u00a0\u3000\r\x0b\u2028\u0085", min_size=1, max_size=2),
        ),
        max_size=20,
    ),
    st.booleans(),
)
def test_short_lines_count_words_as_split_does(parts: list[tuple[str, str]], lead: bool) -> None:
    from dedup.attribution import ChromeCounter

    line = (" " if lead else "") + "".join(w + s for w, s in parts)
    for n in (1, 3, 15):
        words = line.split()
        expect = {" ".join(words)} if 0 < len(words) <= n else set()
        assert set(ChromeCounter(max_words=n).short_lines(line).values()) == expect


def test_documents_pickle_as_they_were() -> None:
    import pickle

    from dedup.types import Doc

    for doc in (Doc("a", "نص"), Doc("b", "t", "f.jsonl:3", "okaz", "2015-08-01", "T", "http://x")):
        assert pickle.loads(pickle.dumps(doc)) == doc


def test_marks_are_every_mark_and_the_underscore_looked_up_as_they_turn_up() -> None:
    from dedup.attribution import _mark_or_underscore

    some = np.array([0x627, 0x64E, 0x5F, 0x41, 0x64E, 0x20DD, 0x903], dtype=np.uint32)
    # ا, fatha (Mn), _, A, fatha again, enclosing circle (Me), devanagari visarga (Mc)
    assert _mark_or_underscore(some).tolist() == [False, True, True, False, True, True, True]
    every = np.arange(0x110000, dtype=np.uint32)
    expect = np.zeros(0x110000, dtype=bool)
    expect[ord("_")] = True
    for c in range(0x110000):
        if unicodedata.category(chr(c)) in ("Mn", "Mc", "Me"):
            expect[c] = True
    assert np.array_equal(_mark_or_underscore(every), expect)
    assert np.array_equal(_mark_or_underscore(every[::-1]), expect[::-1])  # now all known


@pytest.mark.parametrize("seed", [0, 7])
def test_first_tokens_are_those_of_each_name_form_alone(seed: int) -> None:
    """The catalogue names' first tokens, found in one batch, are those of every form
    (first words run together, with or without a clitic) normalised and tokenised alone."""
    from dedup.attribution import _CLITICS, _first_tokens, catalogue
    from dedup.config import ShingleConfig
    from dedup.normalise import normalise
    from dedup.shingle import tokenise

    cfg = ShingleConfig(seed=seed)
    want = set()
    for key in catalogue().by_name:
        words = key.split(" ")
        for k in range(1, len(words) + 1):
            for clitic in _CLITICS:
                tokens = tokenise(normalise(clitic + "".join(words[:k])), cfg)
                assert len(tokens) and tokens.starts[0] == 0
                want.add(int(tokens.hashes[0]))
    got = _first_tokens(seed)
    assert got is not None and len(want) > 500
    assert got.tolist() == sorted(want)
