from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from typer.testing import CliRunner

from dedup.cli import app
from dedup.config import DedupConfig
from dedup.htmlreport import to_html
from dedup.pipeline import run
from dedup.types import Doc
from tests.conftest import FIXTURES

WIRE = (
    "وقال المتحدث باسم البيت الأبيض جوش إرنست في مؤتمر صحفي اليوم إن الولايات المتحدة لا "
    "تجري أو تنسق عمليات عسكرية مع روسيا في سوريا، مؤكدا أن الإدارة الأميركية سترحب "
    "بالمساهمة العسكرية الروسية التي تركز على تنظيم الدولة والقاعدة."
)
HOSTILE = (
    '<script>document.title="pwned"</script> <img src=x onerror="document.title=\'pwned\'">'
    " &amp; &lt;b&gt; \u202eevil\u202c </script><!--"
)


FILLER_A = (
    "أعلنت وزارة الصحة عن افتتاح ثلاثة مستشفيات جديدة في المنطقة الشرقية خلال العام "
    "المقبل بتكلفة إجمالية تتجاوز المليار ريال، وقالت إن المشروعات ستوفر آلاف الوظائف. "
)
FILLER_B = (
    "فاز الفريق الأول لكرة القدم على منافسه بثلاثة أهداف نظيفة في المباراة التي أقيمت "
    "مساء أمس على الملعب الرئيسي وسط حضور جماهيري كبير، ليتصدر جدول الترتيب. "
)


def hostile_report():
    docs = [
        Doc(
            "a<b>",
            HOSTILE + "\n" + FILLER_A * 3 + "\n" + WIRE + "\nالمصدر : رويترز",
            outlet="<i>outlet</i>",
        ),
        Doc("b&c", FILLER_B * 3 + "\n" + WIRE + "\n" + HOSTILE, outlet="other"),
    ]
    report = run(docs, DedupConfig())
    assert report.pairs == () and report.passages is not None and report.passages.passages
    return report


def test_untrusted_text_cannot_become_markup() -> None:
    page = to_html(hostile_report())
    assert page.count("<script") == 2  # the data block and the page's own script
    assert page.count("</script>") == 2
    assert "<img" not in page
    assert "<i>outlet</i>" not in page and "&lt;i&gt;outlet&lt;/i&gt;" in page
    assert "\u202e" not in page.split("<script type='application/json'")[0]
    assert "Content-Security-Policy" in page


def test_cli_writes_html(tmp_path: Path) -> None:
    out = tmp_path / "report.html"
    result = CliRunner().invoke(
        app, ["scan", str(FIXTURES / "seeds"), "-f", "html", "-o", str(out)]
    )
    assert result.exit_code == 0, result.output
    page = out.read_text(encoding="utf-8")
    assert page.startswith("<!doctype html>")
    assert "id='matrix'" in page
    out2 = tmp_path / "cmp.html"
    result = CliRunner().invoke(
        app,
        [
            "compare",
            str(FIXTURES / "seeds" / "003_cf6faa348c352f3a.txt"),
            str(FIXTURES / "seeds" / "004_e53b32e58dc53caf.txt"),
            "-f",
            "html",
            "-o",
            str(out2),
        ],
    )
    assert result.exit_code == 0
    assert "dedup compare" in out2.read_text(encoding="utf-8")


CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
if CHROMIUM is None and os.environ.get("DEDUP_REQUIRE_CHROMIUM"):
    raise RuntimeError("DEDUP_REQUIRE_CHROMIUM is set but no chromium is on PATH")
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def browse(page: Path, tmp_path: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    assert CHROMIUM is not None
    return subprocess.run(
        [CHROMIUM, *FLAGS, f"--user-data-dir={tmp_path / 'profile'}", *extra, page.as_uri()],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.mark.skipif(
    CHROMIUM is None, reason="Debian's chromium is not installed (.ci/run installs it)"
)
def test_report_in_a_real_browser(tmp_path: Path) -> None:
    report = run(
        [*__import__("dedup.io", fromlist=["read_docs"]).read_docs([str(FIXTURES / "seeds")])],
        DedupConfig(),
    )
    page = tmp_path / "report.html"
    page.write_text(to_html(report), encoding="utf-8")
    dom = browse(page, tmp_path, "--dump-dom").stdout
    assert "<title>dedup report</title>" in dom
    assert re.search(r'<pre id="js-errors"></pre>', dom), "the page logged errors"
    assert 'id="matrix"' in dom
    highlights = re.findall(r'<mark class="hl"[^>]*data-passage="(\d+)"', dom)
    assert highlights, "no highlighted passage"
    assert 'class="diff"' in dom
    assert 'class="badge"' in dom
    shot = tmp_path / "report.png"
    browse(page, tmp_path, "--window-size=1400,2000", f"--screenshot={shot}")
    assert shot.exists() and shot.stat().st_size > 10_000


@pytest.mark.skipif(
    CHROMIUM is None, reason="Debian's chromium is not installed (.ci/run installs it)"
)
def test_hostile_text_renders_as_text_in_a_browser(tmp_path: Path) -> None:
    page = tmp_path / "hostile.html"
    page.write_text(to_html(hostile_report()), encoding="utf-8")
    dom = browse(page, tmp_path, "--dump-dom").stdout
    assert "<title>dedup report</title>" in dom  # no script of the text ran
    assert "pwned" not in dom.split("<body")[0]
    assert re.search(r'<pre id="js-errors"></pre>', dom)
    assert 'document.title="pwned"&lt;/script&gt;' in dom  # shown as text
    assert "<img" not in dom and "&lt;img src=x onerror=" in dom
    assert '<span class="ctl">U+202E</span>' in dom
