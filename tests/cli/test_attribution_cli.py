from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from dedup.cli import app
from dedup.config import DedupConfig
from dedup.pipeline import run
from dedup.types import Doc
from tests.conftest import FIXTURES

runner = CliRunner()


def test_attribution_json_contract() -> None:
    result = runner.invoke(app, ["attribution", str(FIXTURES / "seeds"), "-f", "json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    docs = {d["id"]: d["attribution"] for d in data["documents"]}
    assert set(docs) == {p.stem for p in (FIXTURES / "seeds").glob("*.txt")}
    source_lines = [a for spans in docs.values() for a in spans if a["kind"] == "source_line"]
    assert len(source_lines) == 3
    for spans in docs.values():
        for a in spans:
            assert set(a) == {"kind", "text", "start", "end", "agencies", "outlets"}


def test_attribution_table_and_csv() -> None:
    table = runner.invoke(app, ["attribution", str(FIXTURES / "seeds")])
    assert "credits: agencies, aljazeera, epa" in table.stdout
    assert "credits: nobody" in table.stdout
    csv_out = runner.invoke(app, ["attribution", str(FIXTURES / "seeds"), "-f", "csv"]).stdout
    assert csv_out.splitlines()[0] == "id,kind,start,end,agencies,outlets,text"
    assert "caption_credit" in csv_out


FILLER_A = (
    "أعلنت وزارة الصحة عن افتتاح ثلاثة مستشفيات جديدة في المنطقة الشرقية خلال العام "
    "المقبل بتكلفة إجمالية تتجاوز المليار ريال."
)
FILLER_B = (
    "فاز الفريق الأول لكرة القدم على منافسه بثلاثة أهداف نظيفة في المباراة التي أقيمت "
    "مساء أمس على الملعب الرئيسي."
)
CHROME = "\n".join(
    [
        "تابعنا على: 11:50 2016-07-27",
        "اقرأ أيضا: أخبار اليوم كلها في مكان واحد",
        "جميع الحقوق محفوظة © 2016 للموقع الإخباري",
        "اخر الأخبار",
        "المصدر : وكالات",
    ]
)


def test_shared_source_lines_and_chrome_do_not_make_near_duplicates() -> None:
    docs = [Doc("a", FILLER_A + "\n" + CHROME), Doc("b", FILLER_B + "\n" + CHROME)]
    report = run(docs, DedupConfig.build(threshold=0.2))
    assert report.pairs == ()
    assert report.passages is not None and report.passages.passages == ()


def test_an_outlets_recurring_lines_are_its_chrome(tmp_path: Path) -> None:
    footer = "هذا الموقع يرحب بتعليقاتكم ومشاركاتكم على الأخبار المنشورة هنا"
    lines = []
    topics = [
        FILLER_A,
        FILLER_B,
        "ارتفعت أسعار النفط في الأسواق العالمية اليوم بنسبة كبيرة.",
        "افتتح معرض الكتاب أبوابه للزوار بمشاركة مئات دور النشر العربية والأجنبية.",
    ]
    for i, body in enumerate(topics):
        lines.append(
            json.dumps(
                {"id": f"n{i}", "text": body + "\n" + footer, "outlet": "site"}, ensure_ascii=False
            )
        )
    p = tmp_path / "feed.jsonl"
    p.write_text("\n".join(lines), encoding="utf-8")
    result = runner.invoke(app, ["scan", str(p), "-f", "json", "--threshold", "0.2"])
    data = json.loads(result.stdout)
    assert data["pairs"] == []
    kinds = [a["kind"] for d in data["documents"] for a in d["attribution"]]
    assert kinds.count("boilerplate") == 4


WIRE = (
    "وقال المتحدث باسم البيت الأبيض جوش إرنست في مؤتمر صحفي اليوم إن الولايات المتحدة لا "
    "تجري أو تنسق عمليات عسكرية مع روسيا في سوريا، مؤكدا أن الإدارة الأميركية سترحب "
    "بالمساهمة العسكرية الروسية التي تركز على تنظيم الدولة والقاعدة."
)


def test_uncredited_reuse_is_flagged() -> None:
    plain = [Doc("a", FILLER_A + "\n" + WIRE), Doc("b", FILLER_B + "\n" + WIRE)]
    report = run(plain, DedupConfig())
    assert report.passages is not None
    assert [p.uncredited for p in report.passages.passages] == [True]
    credited = [
        Doc("a", FILLER_A + "\n" + WIRE + "\nالمصدر : رويترز"),
        Doc("b", FILLER_B + "\n" + WIRE),
    ]
    report = run(credited, DedupConfig())
    assert [p.uncredited for p in report.passages.passages] == [False]
