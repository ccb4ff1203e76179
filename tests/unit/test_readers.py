from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path

import pytest

from dedup.errors import InputError
from dedup.io import ReadLog, read_docs
from tests.conftest import FIXTURES

feedparser = pytest.importorskip("feedparser")


def test_rss_items_ids_outlet_dates_and_text() -> None:
    log = ReadLog()
    docs = list(read_docs([str(FIXTURES / "feeds" / "agency.rss")], errors="skip", log=log))
    assert [d.id for d in docs] == [
        "urn:example:kerry-moscow",
        "https://news.example.org/2016/07/14/earnest",
    ]
    first = docs[0]
    assert first.outlet == "وكالة الأنباء التجريبية"
    assert first.date == "2016-07-14T18:30:00Z"
    assert first.url == "https://news.example.org/2016/07/14/kerry-moscow"
    assert "<p>" not in first.text and "& دون وسطاء" in first.text
    assert first.text.count("\n") == 1  # two paragraphs
    assert len(log.skipped) == 1 and "item 3 has no text" in log.skipped[0]


def test_atom_outlet_falls_back_to_the_host() -> None:
    (doc,) = read_docs([str(FIXTURES / "feeds" / "outlet.atom")])
    assert doc.id == "urn:example:outlet:1"
    assert doc.outlet == "outlet.example.com"


def test_feed_copies_are_found_across_feeds() -> None:
    from dedup.config import DedupConfig
    from dedup.pipeline import run

    docs = (
        list(read_docs([str(FIXTURES / "feeds")], errors="skip"))
        if False
        else [
            *read_docs([str(FIXTURES / "feeds" / "agency.rss")], errors="skip"),
            *read_docs([str(FIXTURES / "feeds" / "outlet.atom")]),
        ]
    )
    report = run(docs, DedupConfig())
    assert [(p.a, p.b) for p in report.pairs] == [
        ("urn:example:kerry-moscow", "urn:example:outlet:1")
    ]


def test_broken_feed_is_a_clear_error(tmp_path: Path) -> None:
    p = tmp_path / "broken.rss"
    p.write_text("this is not a feed at all {")
    with pytest.raises(InputError, match=r"broken\.rss: not a readable RSS/Atom feed"):
        list(read_docs([str(p)]))


warcio = pytest.importorskip("warcio")


def write_warc(path: Path) -> None:
    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    with path.open("wb") as fh:
        writer = WARCWriter(fh, gzip=True)
        page = (
            "<html><head><title>t</title><script>var x=1;</script></head><body><article>"
            "<h1>كيري في موسكو</h1><p>وصل وزير الخارجية الأميركي جون كيري إلى موسكو للاجتماع "
            "مع الرئيس الروسي فلاديمير بوتين، ورفض التعليق على تقرير صحيفة واشنطن بوست. "
            "وقال المتحدث باسم الكرملين إن موسكو تنتظر المقترحات بصورة مباشرة دون وسطاء، "
            "مضيفا أن المحادثات ستتناول الأزمة السورية والأوضاع في أوكرانيا.</p>"
            "</article></body></html>"
        ).encode()
        headers = StatusAndHeaders(
            "200 OK", [("Content-Type", "text/html; charset=utf-8")], protocol="HTTP/1.1"
        )
        writer.write_record(
            writer.create_warc_record(
                "https://www.paper.example.com/kerry",
                "response",
                payload=io.BytesIO(page),
                http_headers=headers,
            )
        )
        writer.write_record(
            writer.create_warc_record(
                "https://www.paper.example.com/logo.png",
                "response",
                payload=io.BytesIO(b"\x89PNG"),
                http_headers=StatusAndHeaders(
                    "200 OK", [("Content-Type", "image/png")], protocol="HTTP/1.1"
                ),
            )
        )
        writer.write_record(
            writer.create_warc_record(
                "https://other.example.net/item",
                "conversion",
                payload=io.BytesIO("نص مستخرج مسبقا من صفحة أخرى عن موضوع آخر.".encode()),
                warc_content_type="text/plain",
            )
        )


def test_warc_pages_and_wet_text(tmp_path: Path) -> None:
    pytest.importorskip("trafilatura")
    p = tmp_path / "crawl.warc.gz"
    write_warc(p)
    docs = list(read_docs([str(p)]))
    assert [d.id for d in docs] == [
        "https://www.paper.example.com/kerry",
        "https://other.example.net/item",
    ]
    assert docs[0].outlet == "paper.example.com"
    assert "جون كيري" in docs[0].text and "var x" not in docs[0].text
    assert docs[0].date


def test_damaged_warc_is_a_clear_error(tmp_path: Path) -> None:
    p = tmp_path / "bad.warc"
    p.write_bytes(b"WARC/1.0\r\nWARC-Type: response\r\nContent-Length: 99999\r\n\r\nshort")
    with pytest.raises(InputError, match=r"bad\.warc"):
        list(read_docs([str(p)]))


def test_heavy_extras_are_not_imported_at_start_up() -> None:
    code = (
        "import sys, dedup.cli, dedup.pipeline; "
        "print(sorted(m for m in ('feedparser','warcio','trafilatura','redis','pyspark','pyarrow')"
        " if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
