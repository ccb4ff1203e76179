"""Attribution lines, credits, datelines, bylines and site chrome.

Finds the spans of a text that say where it came from, classifies each, and names the
agencies and outlets in it (canonical ids from `dedup/data/agencies.json`):

* ``source_line``: "المصدر : الجزيرة + وكالات", "Source: Reuters"
* ``dateline``: "أمد/", "القاهرة - (رويترز) -", "WASHINGTON (AP) —", "(رويترز) -"
* ``caption_credit``: "(رويترز)", "(أسوشيتد برس-أرشيف)", "(AP Photo/Andrew Harnik, Pool)",
  "REUTERS/Sergei Karpukhin", at the end of a line
* ``byline``: "(Reporting by …; Editing by …)", "By Jane Doe", "بقلم: …"
* ``boilerplate``: site chrome ("تابعنا على:", "اخر الأخبار", "اقرأ أيضا", timestamps,
  "جميع الحقوق محفوظة"), and lines that recur across an outlet's documents
  (`recurring_lines`)
* ``cited_source``: an agency or outlet named in running text ("وكانت صحيفة واشنطن بوست
  قد أفادت"): never one of the kinds above

Pure functions over a text; no I/O but reading the packaged catalogue once.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
import xxhash

from dedup.normalise import normalise, normalise_batch
from dedup.types import Normalised, Tokens

Kind = Literal["source_line", "dateline", "caption_credit", "byline", "boilerplate", "cited_source"]

#: Kinds that say who supplied a text (a cited source only mentions one).
CREDIT_KINDS = ("source_line", "dateline", "caption_credit", "byline")
#: Kinds kept out of matching: everything but cited sources, which are running text.
EXCLUDED_KINDS = ("source_line", "dateline", "caption_credit", "byline", "boilerplate")


@dataclass(frozen=True, slots=True)
class Attribution:
    """One attribution span: `[start, end)` in the original text."""

    kind: Kind
    start: int
    end: int
    text: str
    agencies: tuple[str, ...] = ()
    outlets: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Entry:
    """An agency or outlet of the catalogue."""

    id: str
    kind: Literal["agency", "outlet"]
    en: str
    ar: str
    names: tuple[str, ...]
    ambiguous: frozenset[str]
    credit_only: bool
    dateline_only: bool
    case: bool


@dataclass(frozen=True, slots=True)
class Catalogue:
    """The entries and one compiled pattern matching any of their names (normalised)."""

    entries: tuple[Entry, ...]
    by_name: dict[str, Entry]
    pattern: re.Pattern[str]
    original: dict[str, str]

    def lookup(self, normalised_name: str) -> Entry | None:
        """The entry a normalised name belongs to."""
        return self.by_name.get(normalised_name)


def _norm(s: str) -> str:
    return normalise(s).text


@lru_cache(maxsize=1)
def catalogue() -> Catalogue:
    """The packaged catalogue of agencies and outlets."""
    raw = json.loads(resources.files("dedup").joinpath("data/agencies.json").read_text("utf-8"))
    entries: list[Entry] = []
    by_name: dict[str, Entry] = {}
    original: dict[str, str] = {}
    for e in raw["entries"]:
        entry = Entry(
            e["id"],
            e["kind"],
            e["en"],
            e["ar"],
            tuple(e["names"]),
            frozenset(_norm(x) for x in e.get("ambiguous", ())),
            bool(e.get("credit_only")),
            bool(e.get("dateline_only")),
            bool(e.get("case")),
        )
        entries.append(entry)
        for name in entry.names:
            key = _norm(name)
            by_name.setdefault(key, entry)
            original.setdefault(key, name)
    alternation = _trie_regex(sorted(by_name))
    pattern = re.compile(rf"(?<![^\W_])(?:و|ف|ب|ل|لل|ك)?(?P<name>{alternation})(?![^\W_])")
    return Catalogue(tuple(entries), by_name, pattern, original)


def _trie_regex(words: list[str]) -> str:
    """One regex matching any of `words`, factored as a trie so that `re` does not try
    every alternative at every position; a space matches white space or dots. Longer
    words are preferred (a trie tries the longer branch first).

    Example:
        >>> rx = re.compile(_trie_regex(["ab", "abc", "b d"]))
        >>> [m.group() for m in rx.finditer("abc ab b  d")]
        ['abc', 'ab', 'b  d']
    """
    trie: dict[str, Any] = {}
    for w in words:
        node = trie
        for ch in w:
            node = node.setdefault(ch, {})
        node[""] = {}

    def build(node: dict[str, Any]) -> str:
        end = "" in node
        branches = []
        for ch in sorted(k for k in node if k):
            atom = r"[\s.]*" if ch == " " else re.escape(ch)
            branches.append(atom + build(node[ch]))
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
        return f"(?:{body})?" if end else body

    return build(trie)


@dataclass(frozen=True, slots=True)
class _Name:
    start: int  # original offsets
    end: int
    entry: Entry
    key: str


_CLITICS = ("", "و", "ف", "ب", "ل", "لل", "ك")


#: Per code point: 1 for a combining mark or an underscore, 0 for anything else, 2
#: for not looked up yet (`_mark_or_underscore` fills it as code points turn up).
_MARKS = np.full(0x110000, 2, dtype=np.uint8)


def _mark_or_underscore(codes: npt.NDArray[np.uint32]) -> npt.NDArray[np.bool_]:
    """Per code point of `codes`: a combining mark or an underscore, word characters
    after which `\\w`-based boundaries and word tokens disagree. Each distinct code
    point is looked up in `unicodedata` once per process (a table of all 1.1 million
    took 0.13 s or more to build at start-up; a text uses a few hundred)."""
    found = np.take(_MARKS, codes)
    unknown = codes[found == 2]
    # Distinct by counting (the first call meets every code point of a batch of texts;
    # a sort or numpy's hash table of millions of them took 0.03-0.06 s).
    new = np.flatnonzero(np.bincount(unknown)) if len(unknown) else unknown
    if len(new):
        _MARKS[new] = [
            c == 0x5F or unicodedata.category(chr(c)) in ("Mn", "Mc", "Me") for c in new.tolist()
        ]
        found = np.take(_MARKS, codes)
    marks: npt.NDArray[np.bool_] = found == 1
    return marks


@lru_cache(maxsize=8)
def _first_tokens(seed: int) -> npt.NDArray[np.uint64] | None:
    """Sorted hashes of every word token a catalogue name can begin with in a text: its
    first word, or its first words run together (separators may be left out), each with
    or without a clitic; None when a name begins with a non-word character."""
    from dedup.arrays import distinct
    from dedup.config import ShingleConfig
    from dedup.shingle import tokenise_batch

    forms = [
        clitic + "".join(words[:k])
        for words in (key.split(" ") for key in catalogue().by_name)
        for k in range(1, len(words) + 1)
        for clitic in _CLITICS
    ]
    tokens = tokenise_batch(normalise_batch(forms), ShingleConfig(seed=seed))
    if not all(len(t) and t.starts[0] == 0 for t in tokens):
        return None
    return distinct(np.array([t.hashes[0] for t in tokens], dtype=np.uint64))


#: A token hash's bucket for `_first_buckets`: its top 16 bits.
_BUCKET_SHIFT = np.uint64(48)


@lru_cache(maxsize=8)
def _first_buckets(seed: int) -> npt.NDArray[np.bool_]:
    """Whether any of `_first_tokens` falls in each bucket of token hashes."""
    table = np.zeros(1 << 16, dtype=bool)
    firsts = _first_tokens(seed)
    if firsts is not None:
        table[firsts >> _BUCKET_SHIFT] = True
    return table


def name_starts(norm: Normalised, tokens: Tokens, seed: int) -> list[int] | None:
    """Where in `norm.text` a catalogue name can begin, from the text's word `tokens`
    (hashed with `seed`): the starts of the tokens a name can begin with. None means
    anywhere (the text has marks or underscores inside words, which a name may follow
    without a word boundary), and `names_in` then scans the whole text."""
    return name_starts_batch([norm], [tokens], seed)[0]


def name_starts_batch(
    norms: Sequence[Normalised], tokens: Sequence[Tokens], seed: int
) -> list[list[int] | None]:
    """`name_starts` of many texts, in a few numpy passes."""
    firsts = _first_tokens(seed)
    if firsts is None or not norms:
        return [None] * len(norms)
    joined = " ".join(n.text for n in norms)
    codes = np.frombuffer(joined.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    bounds = np.cumsum([0] + [len(n.text) + 1 for n in norms])
    marks = np.flatnonzero(_mark_or_underscore(codes))  # few: marks are normalised away
    has_mark = np.zeros(len(norms), dtype=bool)
    has_mark[np.searchsorted(bounds, marks, side="right") - 1] = True
    hashes = np.concatenate([t.hashes for t in tokens])
    # Only tokens whose top bits some first token has are looked up (a few percent).
    maybe = np.flatnonzero(_first_buckets(seed)[hashes >> _BUCKET_SHIFT])
    found = hashes[maybe]
    at = np.minimum(np.searchsorted(firsts, found), len(firsts) - 1)
    hit = np.zeros(len(hashes), dtype=bool)
    hit[maybe[firsts[at] == found]] = True
    out: list[list[int] | None] = []
    lo = 0
    for k, t in enumerate(tokens):
        hi = lo + len(t)
        out.append(None if has_mark[k] else t.starts[hit[lo:hi]].tolist())
        lo = hi
    return out


def names_in(
    text: str,
    norm: Normalised | None = None,
    cat: Catalogue | None = None,
    *,
    starts: Sequence[int] | None = None,
) -> list[_Name]:
    """Every catalogue name in `text`, with original offsets, longest names first.

    `starts` (from `name_starts`) limits the search to where a name can begin; the
    result is the same, found faster.
    """
    cat = cat or catalogue()
    norm = norm or normalise(text)
    out = []
    if starts is None:
        matches: Iterable[re.Match[str]] = cat.pattern.finditer(norm.text)
    else:
        matches, end = [], -1
        for p in starts:
            if p >= end and (m := cat.pattern.match(norm.text, p)):
                matches.append(m)
                end = m.end()
    for m in matches:
        key = re.sub(r"[\s.]+", " ", m.group("name")).strip()
        entry = cat.lookup(key)
        if entry is None:
            continue
        s, e = norm.original_span(m.start("name"), m.end("name"))
        if entry.case and re.sub(r"[\s.]+", " ", text[s:e]) not in entry.names:
            continue  # "ap" in running lower-case text is not AP
        out.append(_Name(s, e, entry, key))
    return out


def _ids(names: Iterable[_Name]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    agencies = sorted({n.entry.id for n in names if n.entry.kind == "agency"})
    outlets = sorted({n.entry.id for n in names if n.entry.kind == "outlet"})
    return tuple(agencies), tuple(outlets)


_SOURCE = re.compile(r"^\s*(?:المصدر|المصادر|مصدر|sources?)\s*[:：]\s*\S")
_CHROME = re.compile(
    r"^(?:تابعنا علي|تابعونا علي|تابعونا|اخر الاخبار|اقرا ايضا|اقرا المزيد|شارك|شاركها|"
    r"للمزيد|المزيد من الاخبار|جميع الحقوق محفوظه|حقوق النشر محفوظه|اعلان|"
    r"follow us( on)?|read more|read also|related|share( this)?|all rights reserved|"
    r"advertisement|copyright)\b[\s:：\-|]*",
)
_DATE_OR_TIME = re.compile(
    r"\d{1,2}:\d{2}|\d{4}[-/.]\d{1,2}[-/.]\d{1,2}|\d{1,2}[-/.]\d{1,2}[-/.]\d{2,4}"
)
_TIMESTAMP_ONLY = re.compile(r"^[\d\s:/.\-,|]*(?:am|pm|ص|م)?[\d\s:/.\-,|]*$")
_BYLINE_PARENS = re.compile(
    r"\((?:Reporting|Writing|Editing|Additional reporting|Compiled|Edited) by [^()]*\)"
)
_BYLINE_LINE = re.compile(
    r"^\s*(?:\(?(?:Reporting|Writing|Editing|Additional reporting) by .*\)?|"
    r"By [A-Z][\w'.-]*(?: (?:[A-Z][\w'.-]*|and|de|al|el|bin))*(?:,? [A-Z][\w ]*)?|"
    r"(?:بقلم|كتب|كتبت|إعداد|اعداد|تحرير|تقرير)\s*[:：\-]?\s*[^\n]{2,60})\s*$"
)
_TRAILING_PARENS = re.compile(r"\(([^()\n]{1,80})\)\s*$")
_CREDIT_SUFFIX = re.compile(
    r"^(?:\s*[-–—/]\s*(?:ارشيف|archive|file|files|pool|photo)\b.*|\s*(?:photo\s*)?/.*|,.*|\s*)$",
    re.IGNORECASE,
)
_BARE_CREDIT = re.compile(
    r"(?:REUTERS|Reuters|AFP|EPA|EPA-EFE|AP Photo|Getty Images|GETTY IMAGES|XINHUA|ANADOLU)"
    r"\s*/\s*[^\n/]{2,60}$"
)
_SLASH_DATELINE = re.compile(r"^\s*(?P<name>[^\s/()]{2,12})\s*/\s+")
_PAREN_DATELINE = re.compile(
    r"^\s*(?P<place>[^\n()\-–—]{0,40}?)\s*[-–—]?\s*\(\s*(?P<ag>[^()\n]{2,30})\s*\)\s*[-–—:]+\s*"
)
_AGENCY_FIRST = re.compile(r"\s*[-–—]\s*(?P<place>[^\n\-–—:()]{2,30}?)\s*[:\-–—]+\s*")
_CAPS_DATELINE = re.compile(
    r"^\s*(?P<place>[A-Z][A-Z .,'-]{1,40}?)\s*\((?P<ag>[^()\n]{2,30})\)\s*[-–—]+\s*"
)


def _lines(text: str) -> list[tuple[int, int]]:
    out, pos = [], 0
    for line in text.split("\n"):
        s, e = pos, pos + len(line)
        pos = e + 1
        while s < e and text[s].isspace():
            s += 1
        while e > s and text[e - 1].isspace():
            e -= 1
        if e > s:
            out.append((s, e))
    return out


def normalised_lines(text: str, norm: Normalised) -> list[tuple[int, int, str]]:
    """The non-blank lines of `text`: original span and normalised text of each."""
    spans = _lines(text)
    if not spans:
        return []
    bounds = np.searchsorted(norm.offsets[:-1], np.array(spans).ravel()).tolist()
    return [
        (s, e, norm.text[bounds[2 * k] : bounds[2 * k + 1]].strip())
        for k, (s, e) in enumerate(spans)
    ]


def _in(cat_names: list[_Name], s: int, e: int) -> list[_Name]:
    return [n for n in cat_names if s <= n.start and n.end <= e]


def find(
    text: str,
    *,
    norm: Normalised | None = None,
    cat: Catalogue | None = None,
    starts: Sequence[int] | None = None,
    lines: Sequence[tuple[int, int, str]] | None = None,
) -> list[Attribution]:
    """Every attribution span of `text`, sorted by start; spans do not overlap.

    `lines` are its `normalised_lines`, when already made.

    Example:
        >>> found = find("نص الخبر.\\nالمصدر : الجزيرة + وكالات")
        >>> [(a.kind, a.text, a.agencies, a.outlets) for a in found]
        [('source_line', 'المصدر : الجزيرة + وكالات', ('agencies',), ('aljazeera',))]
    """
    cat = cat or catalogue()
    norm = norm or normalise(text)
    names = names_in(text, norm, cat, starts=starts)
    found: list[Attribution] = []
    for s, e, norm_line in lines if lines is not None else normalised_lines(text, norm):
        found.extend(_line_spans(text, s, e, norm_line, names))
    taken = [(a.start, a.end) for a in found]
    for n in names:
        if any(s <= n.start < e for s, e in taken):
            continue
        entry = n.entry
        if entry.credit_only or entry.dateline_only:
            continue
        if n.key in entry.ambiguous and not _typed(text, n.start):
            continue
        agencies, outlets = _ids([n])
        found.append(
            Attribution("cited_source", n.start, n.end, text[n.start : n.end], agencies, outlets)
        )
    return sorted(found, key=lambda a: (a.start, a.end))


_TYPE_WORD = re.compile(
    r"(?:صحيف[ةه]|وكال[ةه]|قنا[ةه]|موقع|شبك[ةه]|مراسل|لمراسل|newspaper|agency|channel|network)"
    r"[\s\"'«“]*$",
    re.IGNORECASE,
)


def _typed(text: str, start: int) -> bool:
    """Whether a name is preceded by a word saying what it is (صحيفة, وكالة, …)."""
    before = text[max(0, start - 20) : start]
    return bool(_TYPE_WORD.search(re.sub(r"[\u064B-\u0652]", "", before)))


#: Whether a normalised line can start as `_line_spans`' whole-line kinds do (a source
#: line, chrome, a bare timestamp): if not, none of their patterns matches.
_WHOLE_LINE = re.compile(
    "|".join(f"(?:{rx.pattern})" for rx in (_SOURCE, _CHROME, _TIMESTAMP_ONLY))
)


def _line_spans(text: str, s: int, e: int, norm_line: str, names: list[_Name]) -> list[Attribution]:
    line = text[s:e]
    inside = _in(names, s, e)
    if (
        not inside
        and "(" not in line
        and "/" not in line
        and not _WHOLE_LINE.match(norm_line)
        and not _BYLINE_LINE.match(line)
    ):
        return []  # the other kinds each need a name inside, "(" or "/"
    if _SOURCE.match(norm_line):
        agencies, outlets = _ids(inside)
        return [Attribution("source_line", s, e, line, agencies, outlets)]
    chrome = _CHROME.match(norm_line)
    if chrome and (len(norm_line.split()) <= 8 or _TIMESTAMP_ONLY.match(norm_line[chrome.end() :])):
        return [Attribution("boilerplate", s, e, line)]
    if _TIMESTAMP_ONLY.match(norm_line) and _DATE_OR_TIME.search(norm_line):
        return [Attribution("boilerplate", s, e, line)]
    if _BYLINE_LINE.match(line) and len(line.split()) <= 12:
        agencies, outlets = _ids(inside)
        return [Attribution("byline", s, e, line, agencies, outlets)]
    out: list[Attribution] = []
    head = _dateline(text, s, e, inside)
    if head is not None:
        out.append(head)
    if " by " in line:  # the cheap tests first: each is needed for its pattern to match
        for m in _BYLINE_PARENS.finditer(line):
            out.append(Attribution("byline", s + m.start(), s + m.end(), m.group()))
    tail = _caption_credit(text, s, e, inside)
    if tail is not None and (head is None or tail.start >= head.end):
        out.append(tail)
    return out


def _dateline(text: str, s: int, e: int, inside: list[_Name]) -> Attribution | None:
    line = text[s:e]
    for rx in (_CAPS_DATELINE, _PAREN_DATELINE) if "(" in line else ():
        m = rx.match(line)
        if m:
            ag = _in(inside, s + m.start("ag"), s + m.end("ag"))
            if ag and len(m.group("place").split()) <= 4:
                return _head(text, s, m.end(), ag)
    m = _SLASH_DATELINE.match(line) if "/" in line else None
    named = _in(inside, s + m.start("name"), s + m.end("name")) if m else []
    if m and (named or all("\u0600" <= c <= "\u06ff" for c in m.group("name"))):
        return _head(text, s, m.end(), named)
    # "بيروت - أ ف ب:" / "الرياض - واس -": a place, a dash, an agency name, a separator;
    # "واس- جدة:": the agency first, then the place.
    for n in inside:
        rel0, rel1 = n.start - s, n.end - s
        if rel0 > 40:
            break
        if rel0 == 0 and n.entry.kind == "agency":
            m = _AGENCY_FIRST.match(line, rel1)
            if m and len(m.group("place").split()) <= 4:
                return _head(text, s, m.end(), [n])
        before, after = line[:rel0], line[rel1 : rel1 + 3]
        if re.fullmatch(r"\s*[^\n\-–—:]{0,30}\s*[-–—]\s*", before) and re.match(
            r"\s*[-–—:]", after
        ):
            sep = re.match(r"\s*[-–—:]+", after)
            return _head(text, s, rel1 + (sep.end() if sep else 0), [n])
    return None


def _head(text: str, s: int, length: int, names: list[_Name]) -> Attribution:
    """A dateline of the first `length` characters of the line at `s`, trailing
    white space left out."""
    head = text[s : s + length].rstrip()
    agencies, outlets = _ids(names)
    return Attribution("dateline", s, s + len(head), head, agencies, outlets)


def _caption_credit(text: str, s: int, e: int, inside: list[_Name]) -> Attribution | None:
    line = text[s:e]
    m = _TRAILING_PARENS.search(line) if line.endswith(")") else None
    if m:
        cs, ce = s + m.start(1), s + m.end(1)
        first = [n for n in _in(inside, cs, ce) if not n.entry.dateline_only]
        if first:
            lead = text[cs : first[0].start]
            rest = _norm(text[first[0].end : ce])
            if not lead.strip() and _CREDIT_SUFFIX.match(rest):
                agencies, outlets = _ids(first)
                return Attribution(
                    "caption_credit", s + m.start(), s + m.end(), m.group(), agencies, outlets
                )
    b = _BARE_CREDIT.search(line) if "/" in line else None
    if b:
        agencies, outlets = _ids(_in(inside, s + b.start(), s + b.end()))
        return Attribution(
            "caption_credit", s + b.start(), s + b.end(), b.group(), agencies, outlets
        )
    return None


class ChromeCounter:
    """Counts each outlet's short lines as documents go past, for `recurring_lines`.

    Lines are counted by a hash of their white-space-collapsed text (one count per
    document); only lines that reach `min_docs` keep their text, so memory grows with
    the number of distinct short lines, not with the documents.
    """

    def __init__(self, *, min_docs: int = 3, min_share: float = 0.3, max_words: int = 15):
        self.min_docs, self.min_share, self.max_words = min_docs, min_share, max_words
        self.counts: dict[str, Counter[int]] = {}
        self.texts: dict[str, dict[int, str]] = {}
        self.totals: Counter[str] = Counter()

    def add(self, text: str, outlet: str | None) -> None:
        """Count the lines of one document of `outlet` (documents without one don't count)."""
        if outlet:
            self.add_lines(outlet, self.short_lines(text))

    def short_lines(self, text: str) -> dict[int, str]:
        """The lines of `text` that count, white space collapsed, by their hash."""
        lines = {}
        longest = 40 * self.max_words  # no line of max_words words is longer
        for line in text.split("\n"):
            if len(line) > longest:
                continue
            words = line.split(None, self.max_words)  # no further than it takes to tell
            if words and len(words) <= self.max_words:
                raw = " ".join(words)
                lines[xxhash.xxh3_64_intdigest(raw.encode("utf-8", "surrogatepass"))] = raw
        return lines

    def add_counts(
        self, outlet: str, docs: int, counts: Counter[int], texts: dict[int, str]
    ) -> None:
        """Count `docs` documents of `outlet` at once: `counts` says in how many of them
        each short line (by hash) occurs, `texts` gives each line's text."""
        self.totals[outlet] += docs
        mine = self.counts.setdefault(outlet, Counter())
        kept = self.texts.setdefault(outlet, {})
        for key, n in counts.items():
            before = mine[key]
            mine[key] = before + n
            if before < self.min_docs <= before + n:
                kept[key] = texts[key]

    def add_lines(self, outlet: str, lines: dict[int, str]) -> None:
        """Count one document's `short_lines`."""
        self.add_counts(outlet, 1, Counter(lines.keys()), lines)

    def lines(self) -> dict[str, set[str]]:
        """Per outlet, its recurring normalised lines."""
        out: dict[str, set[str]] = {}
        for outlet, counts in sorted(self.counts.items()):
            merged: Counter[str] = Counter()
            for key, raw in self.texts.get(outlet, {}).items():
                line = _norm(raw)
                if line and len(line.split()) <= self.max_words:
                    merged[line] += counts[key]
            need = max(self.min_docs, self.min_share * self.totals[outlet])
            out[outlet] = {line for line, n in merged.items() if n >= need}
        return out


def recurring_lines(
    docs: Iterable[tuple[str, str | None]],
    *,
    min_docs: int = 3,
    min_share: float = 0.3,
    max_words: int = 15,
) -> dict[str, set[str]]:
    """Per outlet, the normalised lines that recur in at least `min_docs` of its
    documents and `min_share` of them: that outlet's site chrome. Only outlets that
    are known count, and only short lines (a recurring long line is copy, not chrome).
    Lines are the same when their text is, white space aside (site chrome comes from
    one template).

    Args:
        docs: (text, outlet) of every document.
    """
    counter = ChromeCounter(min_docs=min_docs, min_share=min_share, max_words=max_words)
    for text, outlet in docs:
        counter.add(text, outlet)
    return counter.lines()


def with_recurring(
    text: str,
    found: list[Attribution],
    chrome: set[str],
    norm: Normalised | None = None,
    lines: Sequence[tuple[int, int, str]] | None = None,
) -> list[Attribution]:
    """`found` plus a boilerplate span for every line of `text` in `chrome` (`lines`: its
    `normalised_lines`, when already made)."""
    if not chrome:
        return found
    taken = [(a.start, a.end) for a in found if a.kind != "cited_source"]
    extra = []
    if lines is None:
        lines = normalised_lines(text, norm or normalise(text))
    for s, e, line in lines:
        if line in chrome and not any(a < e and s < b for a, b in taken):
            extra.append(Attribution("boilerplate", s, e, text[s:e]))
    kept = [
        a
        for a in found
        if not any(s <= a.start and a.end <= e for s, e in ((x.start, x.end) for x in extra))
    ]
    return sorted(kept + extra, key=lambda a: (a.start, a.end))


def credits(found: Iterable[Attribution]) -> tuple[str, ...]:
    """The agencies and outlets a document credits (not merely cites)."""
    ids = {x for a in found if a.kind in CREDIT_KINDS for x in (*a.agencies, *a.outlets)}
    return tuple(sorted(ids))


#: Kinds that credit a document's text (a caption credit is the photo's).
TEXT_CREDIT_KINDS = ("source_line", "dateline", "byline")


def credits_agency(found: Iterable[Attribution]) -> bool:
    """Whether the text credits an agency: a source line, dateline or byline naming one
    (or "وكالات", agencies)."""
    return any(a.kind in TEXT_CREDIT_KINDS and a.agencies for a in found)


def excluded_spans(found: Iterable[Attribution]) -> list[tuple[int, int]]:
    """The spans matching leaves out: every kind but cited sources."""
    return [(a.start, a.end) for a in found if a.kind in EXCLUDED_KINDS]
