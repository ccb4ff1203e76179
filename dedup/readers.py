"""Readers for feeds and crawls: RSS/Atom (feedparser) and WARC/WET (warcio, trafilatura).

Optional extras, imported only when such a file is read: ``pip install 'dedup[feeds]'``
for RSS/Atom, ``pip install 'dedup[warc]'`` for WARC and WET. Item ids come from the
feed's GUID (else the link) or the record's target URI; the outlet is the feed's title,
else the host of the item's URL.
"""

from __future__ import annotations

import html
import re
import time
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from dedup.errors import InputError
from dedup.types import Doc

FEED_SUFFIXES = (".rss", ".atom", ".rdf")
WARC_SUFFIXES = (".warc", ".warc.gz", ".wet", ".wet.gz")

_Item = tuple[Doc | InputError, str]


class _Text(HTMLParser):
    """HTML to text: tags dropped, blocks as line breaks, scripts and styles left out."""

    BLOCKS = frozenset(
        {
            "p",
            "div",
            "br",
            "li",
            "h1",
            "h2",
            "h3",
            "h4",
            "h5",
            "h6",
            "tr",
            "blockquote",
            "section",
            "article",
            "figcaption",
        }
    )

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skip = 0

    def handle_starttag(self, tag: str, attrs: Any) -> None:
        if tag in ("script", "style"):
            self.skip += 1
        elif tag in self.BLOCKS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style") and self.skip:
            self.skip -= 1
        elif tag in self.BLOCKS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self.skip:
            self.parts.append(data)


def html_to_text(markup: str) -> str:
    """Visible text of an HTML fragment, one block a line.

    Example:
        >>> html_to_text("<p>First &amp; <b>bold</b></p><script>x()</script><p>Second</p>")
        'First & bold\\nSecond'
    """
    parser = _Text()
    parser.feed(markup)
    parser.close()
    text = html.unescape("".join(parser.parts))
    lines = [re.sub(r"[ \t\u00a0]+", " ", line).strip() for line in text.split("\n")]
    return "\n".join(line for line in lines if line)


def _host(url: str | None) -> str | None:
    host = urlparse(url or "").hostname
    return host.removeprefix("www.") if host else None


def read_feed(p: Path, where: str) -> Iterator[_Item]:
    """Items of an RSS or Atom file."""
    try:
        import feedparser
    except ImportError as exc:
        raise InputError(
            where, "reading RSS/Atom needs feedparser: pip install 'dedup[feeds]'"
        ) from exc
    parsed = feedparser.parse(p.read_bytes())
    if parsed.bozo and not parsed.entries:
        raise InputError(where, f"not a readable RSS/Atom feed: {parsed.get('bozo_exception')}")
    outlet = parsed.feed.get("title") or None
    for n, e in enumerate(parsed.entries, start=1):
        at = f"{where}[{n}]"
        body = ""
        if e.get("content"):
            body = " ".join(c.get("value", "") for c in e["content"])
        body = body or e.get("summary", "") or e.get("description", "")
        text = html_to_text(body)
        title = e.get("title") or None
        if not text.strip():
            yield InputError(where, f"item {n} has no text"), at
            continue
        link = e.get("link") or None
        doc_id = e.get("id") or link or f"{p.name}:{n}"
        stamp = e.get("published_parsed") or e.get("updated_parsed")
        date = time.strftime("%Y-%m-%dT%H:%M:%SZ", stamp) if stamp else None
        yield (
            Doc(
                id=str(doc_id),
                text=text,
                source=at,
                outlet=outlet or _host(link),
                date=date,
                title=title,
                url=link,
            ),
            at,
        )


def read_warc(p: Path, where: str) -> Iterator[_Item]:
    """Pages of a WARC file (HTML responses, text extracted with trafilatura) or a WET
    file (its plain-text conversion records)."""
    try:
        from warcio.archiveiterator import ArchiveIterator
    except ImportError as exc:
        raise InputError(where, "reading WARC/WET needs warcio: pip install 'dedup[warc]'") from exc
    with p.open("rb") as fh:
        try:
            for n, record in enumerate(ArchiveIterator(fh), start=1):
                item = _warc_record(record, where, n)
                if item is not None:
                    yield item
        except Exception as exc:  # warcio raises plain exceptions on damaged archives
            if isinstance(exc, InputError):
                raise
            raise InputError(where, f"damaged WARC/WET archive: {exc}") from exc


def _warc_record(record: Any, where: str, n: int) -> _Item | None:
    uri = record.rec_headers.get_header("WARC-Target-URI")
    date = record.rec_headers.get_header("WARC-Date")
    at = f"{where}[record {n}]"
    if record.rec_type == "conversion":
        text = record.content_stream().read().decode("utf-8", "replace")
    elif record.rec_type == "response" and record.http_headers is not None:
        ctype = record.http_headers.get_header("Content-Type") or ""
        if "html" not in ctype:
            return None
        raw = record.content_stream().read()
        text = _extract(raw.decode("utf-8", "replace"), where)
    else:
        return None
    if not text or not text.strip():
        return InputError(where, f"record {n} ({uri}) has no text"), at
    doc_id = uri or record.rec_headers.get_header("WARC-Record-ID") or f"record-{n}"
    return Doc(id=doc_id, text=text, source=at, outlet=_host(uri), date=date, url=uri), at


def _extract(markup: str, where: str) -> str:
    try:
        import trafilatura
    except ImportError as exc:
        raise InputError(
            where, "extracting text from WARC HTML needs trafilatura: pip install 'dedup[warc]'"
        ) from exc
    return trafilatura.extract(markup, include_comments=False, include_tables=False) or ""
