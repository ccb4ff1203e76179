"""The wire passages the five seed articles share (issue: wire-copy passages).

Each expected passage is named by a phrase of the sentence it must overlap in each
document; dedup must report a passage between the two documents whose spans overlap
both sentences, and nothing between other pairs of seeds.
"""

from __future__ import annotations

import pytest

from dedup.config import DedupConfig
from dedup.io import read_docs
from dedup.pipeline import run
from dedup.segment import sentences
from dedup.types import Report
from tests.conftest import FIXTURES

S000, S001, S002, S003, S004 = sorted(p.stem for p in (FIXTURES / "seeds").glob("*.txt"))

EXPECTED = [
    ("josh earnest quote", S000, "جوش إرنست في مؤتمر صحفي", S001, "جوش إيرنست، أمس الخميس"),
    (
        "washington post report",
        S000,
        "تقرير لصحيفة واشنطن بوست",
        S001,
        "وكانت صحيفة واشنطن بوست قد أفادت",
    ),
    (
        "intelligence sharing",
        S003,
        "بين واشنطن وموسكو لتنسيق الضربات الجوية",
        S004,
        "بين واشنطن وموسكو لتنسيق الضّربات",
    ),
    (
        "next phase, technical meetings",
        S003,
        "وحدد كيري مع لافروف المرحلة القادمة",
        S004,
        "حدّد كيري مع لافروف المرحلة المقبلة",
    ),
    ("carter and dunford oppose", S003, "جوزيف دنفورد, وسط", S004, "كارتر ورئيس هيئة الأركان"),
    ("photo caption", S002, "Sergey Lavrov shake hands", S003, "Sergei Lavrov shake hands"),
]


@pytest.fixture(scope="module")
def report() -> Report:
    docs = list(read_docs([str(FIXTURES / "seeds")]))
    return run(docs, DedupConfig())


def sentence_span(text: str, phrase: str) -> tuple[int, int]:
    at = text.index(phrase)
    for s, e in sentences(text):
        if s <= at < e:
            return s, e
    raise AssertionError(phrase)


@pytest.mark.parametrize(("name", "a", "pa", "b", "pb"), EXPECTED, ids=[e[0] for e in EXPECTED])
def test_passage_is_found(report: Report, name: str, a: str, pa: str, b: str, pb: str) -> None:
    texts = {d.id: d.text for d in report.documents}
    sa, sb = sentence_span(texts[a], pa), sentence_span(texts[b], pb)
    assert report.passages is not None
    hits = [
        p
        for p in report.passages.passages
        if p.a == a
        and p.b == b
        and p.a_start < sa[1]
        and sa[0] < p.a_end
        and p.b_start < sb[1]
        and sb[0] < p.b_end
    ]
    assert hits, name


def test_no_passages_between_other_seed_pairs_and_few_in_all(report: Report) -> None:
    assert report.passages is not None
    pairs = {(p.a, p.b) for p in report.passages.passages}
    assert pairs == {(S000, S001), (S002, S003), (S003, S004)}
    assert len(report.passages.passages) <= 6
    assert report.pairs == ()


def test_offsets_slice_the_original_text(report: Report) -> None:
    texts = {d.id: d.text for d in report.documents}
    assert report.passages is not None
    for p in report.passages.passages:
        assert texts[p.a][p.a_start : p.a_end] == p.a_text
        assert texts[p.b][p.b_start : p.b_end] == p.b_text
        assert p.a_text == p.a_text.strip() and p.a_text


def test_passage_shared_by_three_documents_is_one_cluster() -> None:
    """The Earnest passage of seed 000, pasted into a third article, clusters across three."""
    docs = list(read_docs([str(FIXTURES / "seeds")]))
    s000 = next(d for d in docs if d.id == S000)
    paras = s000.text.split("\n\n")
    host = next(d for d in docs if d.id == S002)
    third = type(host)(id="third", text=host.text + "\n\n" + "\n\n".join(paras[1:4]))
    report = run([*docs, third], DedupConfig())
    assert report.passages is not None
    multi = [c for c in report.passages.clusters if len(c.documents) >= 3]
    assert any({S000, S001, "third"} <= set(c.documents) for c in multi)
