"""Rendering a `Report` as JSON, JSON Lines, CSV or a terminal table."""

from __future__ import annotations

import csv
import io
import json
import unicodedata
from collections.abc import Mapping, Sequence
from functools import lru_cache
from typing import Any

from dedup.attribution import Attribution
from dedup.types import Comparison, Doc, Report

FORMAT_VERSION = 1


def to_dict(report: Report) -> dict[str, Any]:
    """The JSON contract (see `dedup/schema/report.schema.json`)."""
    cluster_of = {d: c.id for c in report.clusters for d in c.documents}
    out: dict[str, Any] = {
        "version": FORMAT_VERSION,
        "params": report.params,
        "documents": [
            {
                "id": d.id,
                "source": d.source,
                "outlet": d.outlet,
                "date": d.date,
                "title": d.title,
                "url": d.url,
                "chars": report.length(d),
                "cluster": cluster_of.get(d.id),
            }
            for d in report.documents
        ],
        "pairs": [
            {"a": p.a, "b": p.b, "jaccard": p.jaccard, "containment": p.containment}
            for p in report.pairs
        ],
        "clusters": [
            {"cluster": c.id, "documents": list(c.documents), "representative": c.representative}
            for c in report.clusters
        ],
    }
    if report.attribution:
        for d in out["documents"]:
            d["attribution"] = attribution_records(report.attribution.get(d["id"], ()))
    if report.passages is not None:
        _add_passages(out, report)
    for key in sorted(report.extra):
        out[key] = report.extra[key]
    return out


def _add_passages(out: dict[str, Any], report: Report) -> None:
    found = report.passages
    assert found is not None
    for d, doc in zip(out["documents"], report.documents, strict=True):
        n = found.shared_chars.get(doc.id, 0)
        d["shared_chars"] = n
        d["shared"] = round(n / len(doc.text), 4) if doc.text else 0.0
    out["passages"] = [
        {
            "a": p.a,
            "a_start": p.a_start,
            "a_end": p.a_end,
            "b": p.b,
            "b_start": p.b_start,
            "b_end": p.b_end,
            "score": p.score,
            "weight": p.weight,
            "uncredited": p.uncredited,
            "a_text": p.a_text,
            "b_text": p.b_text,
        }
        for p in found.passages
    ]
    out["passage_clusters"] = [
        {
            "cluster": c.id,
            "documents": list(c.documents),
            "occurrences": [
                {"doc": o.doc, "start": o.start, "end": o.end, "text": o.text}
                for o in c.occurrences
            ],
        }
        for c in found.clusters
    ]
    out["outlet_overlap"] = [{"a": a, "b": b, "share": v} for a, b, v in found.outlet_overlap]


def attribution_records(found: Sequence[Attribution]) -> list[dict[str, Any]]:
    """Attribution spans as JSON records."""
    return [
        {
            "kind": a.kind,
            "text": a.text,
            "start": a.start,
            "end": a.end,
            "agencies": list(a.agencies),
            "outlets": list(a.outlets),
        }
        for a in found
    ]


def to_json(report: Report) -> str:
    """The whole report as one JSON document (UTF-8, not ASCII-escaped)."""
    return json.dumps(to_dict(report), ensure_ascii=False, indent=2) + "\n"


def to_jsonl(report: Report) -> str:
    """One JSON object per line, each with a "type": params, document, pair, cluster, …."""
    data = to_dict(report)
    lines = [{"type": "params", "version": data["version"], "params": data["params"]}]
    kinds = {
        "documents": "document",
        "pairs": "pair",
        "clusters": "cluster",
        "passages": "passage",
        "passage_clusters": "passage_cluster",
        "outlet_overlap": "outlet_overlap",
    }
    for key, value in data.items():
        if key in ("version", "params") or not isinstance(value, list):
            continue
        kind = kinds.get(key, key.rstrip("s"))
        lines.extend({"type": kind, **item} for item in value)
    return "".join(json.dumps(x, ensure_ascii=False) + "\n" for x in lines)


CSV_COLUMNS = [
    "kind",
    "a",
    "b",
    "jaccard",
    "containment",
    "cluster",
    "a_start",
    "a_end",
    "b_start",
    "b_end",
    "score",
    "weight",
]


def to_csv(report: Report) -> str:
    """One row per verified pair (kind "pair": a, b, jaccard, containment, cluster) and
    per shared passage (kind "passage": a, b, offsets, score, weight)."""
    cluster_of = {d: c.id for c in report.clusters for d in c.documents}
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(CSV_COLUMNS)
    for p in report.pairs:
        w.writerow(
            [
                "pair",
                p.a,
                p.b,
                f"{p.jaccard:.4f}",
                f"{p.containment:.4f}",
                cluster_of.get(p.a, ""),
                "",
                "",
                "",
                "",
                "",
                "",
            ]
        )
    for x in report.passages.passages if report.passages else ():
        w.writerow(
            [
                "passage",
                x.a,
                x.b,
                "",
                "",
                "",
                x.a_start,
                x.a_end,
                x.b_start,
                x.b_end,
                f"{x.score:.4f}",
                f"{x.weight:.3f}",
            ]
        )
    return buf.getvalue()


class _Columns(dict[str, int]):
    """Terminal columns of each character, looked up in `unicodedata` once per
    character (a report measures the same few hundred characters again and again)."""

    def __missing__(self, ch: str) -> int:
        if unicodedata.combining(ch) or unicodedata.category(ch) in ("Mn", "Me", "Cf"):
            cols = 0
        else:
            cols = 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1
        self[ch] = cols
        return cols


_COLUMNS = _Columns()


def width(text: str) -> int:
    """Terminal columns `text` takes: combining marks 0, wide East Asian 2, others 1."""
    return sum(map(_COLUMNS.__getitem__, text))


#: `width` of a word, remembered (news text repeats its words).
_word_width = lru_cache(maxsize=1 << 16)(width)


def clip(text: str, cols: int) -> str:
    """`text` on one line, cut to at most `cols` columns with an ellipsis."""
    text = " ".join(text.split())
    if width(text) <= cols:
        return text
    out, used = [], 0
    for ch in text:
        w = width(ch)
        if used + w > cols - 1:
            break
        out.append(ch)
        used += w
    return "".join(out) + "…"


def pad(text: str, cols: int) -> str:
    """`text` padded with spaces to `cols` columns."""
    return text + " " * max(0, cols - width(text))


def table(rows: list[list[str]], header: list[str]) -> list[str]:
    """Left-aligned columns, two spaces apart, with a rule under the header."""
    cols = [max(width(r[i]) for r in [header, *rows]) for i in range(len(header))]
    fmt = [
        ("  ".join(pad(c, w) for c, w in zip(r, cols, strict=True))).rstrip()
        for r in [header, *rows]
    ]
    return [fmt[0], "  ".join("-" * w for w in cols), *fmt[1:]]


def to_table(report: Report) -> str:
    """A summary readable in a terminal: clusters with their members, then pairs."""
    docs = {d.id: d for d in report.documents}
    lines = [
        f"{len(report.documents)} documents, {len(report.clusters)} near-duplicate clusters, "
        f"{len(report.pairs)} verified pairs "
        f"(Jaccard >= {report.params['verify']['threshold']})",  # type: ignore[index]
        "",
    ]
    best: dict[tuple[str, str], tuple[float, float]] = {
        (p.a, p.b): (p.jaccard, p.containment) for p in report.pairs
    }
    for c in report.clusters:
        lines.append(f"cluster {c.id} ({len(c.documents)} documents)")
        rows = []
        for d_id in c.documents:
            d = docs[d_id]
            key = tuple(sorted((d_id, c.representative)))
            jac = best.get(key, (None, None))[0] if d_id != c.representative else None  # type: ignore[arg-type]
            rows.append(
                [
                    "*" if d_id == c.representative else " ",
                    d_id,
                    d.outlet or "",
                    d.date or "",
                    "" if jac is None else f"{jac:.3f}",
                    clip(d.title or d.text, 40),
                ]
            )
        lines.extend(
            "  " + r
            for r in table(rows, ["", "document", "outlet", "date", "J(rep)", "title / start"])
        )
        lines.append("")
    if report.pairs:
        rows = [[p.a, p.b, f"{p.jaccard:.3f}", f"{p.containment:.3f}"] for p in report.pairs]
        lines.extend(table(rows, ["a", "b", "jaccard", "containment"]))
    else:
        lines.append("no near-duplicate pairs")
    if report.passages is not None:
        lines.extend(_passage_lines(report))
    return "\n".join(lines) + "\n"


def wrap(text: str, cols: int) -> list[str]:
    """Words of `text` in lines of at most `cols` columns (a longer word is cut)."""
    out: list[str] = []
    line, used = "", 0  # the line so far and its columns (a space takes one)
    for word in text.split():
        cols_word = _word_width(word)
        if line and used + 1 + cols_word <= cols:
            line, used = f"{line} {word}", used + 1 + cols_word
            continue
        if not line and cols_word <= cols:
            line, used = word, cols_word
            continue
        if line:
            out.append(line)
        line = clip(word, cols)
        used = width(line)
    if line:
        out.append(line)
    return out or [""]


def side_by_side(left: str, right: str, cols: int = 56) -> list[str]:
    """Two texts wrapped into columns next to each other, separated by " | "."""
    a, b = wrap(left, cols), wrap(right, cols)
    a += [""] * (len(b) - len(a))
    b += [""] * (len(a) - len(b))
    return [f"{pad(x, cols)} | {y}".rstrip() for x, y in zip(a, b, strict=True)]


def _passage_lines(report: Report) -> list[str]:
    found = report.passages
    assert found is not None
    lines = ["", f"{len(found.passages)} shared passages"]
    current = None
    for p in found.passages:
        if (p.a, p.b) != current:
            current = (p.a, p.b)
            lines += ["", f"{p.a}  <->  {p.b}"]
        lines.append(
            f"  [{p.a_start}:{p.a_end}] | [{p.b_start}:{p.b_end}]  "
            f"score {p.score:.2f}, weight {p.weight:.1f}"
            + ("  UNCREDITED: neither credits an agency" if p.uncredited else "")
        )
        lines.extend("    " + x for x in side_by_side(p.a_text, p.b_text))
    multi = [c for c in found.clusters if len(c.documents) >= 3]
    if multi:
        lines += ["", "passages in three or more documents"]
        for c in multi:
            lines.append(
                f"  {c.id}: " + ", ".join(f"{o.doc} [{o.start}:{o.end}]" for o in c.occurrences)
            )
    uncredited = [p for p in found.passages if p.uncredited]
    lines += ["", f"uncredited reuse: {len(uncredited)} of {len(found.passages)} passages"]
    for p in uncredited:
        lines.append(f"  {p.a} [{p.a_start}:{p.a_end}]  <->  {p.b} [{p.b_start}:{p.b_end}]")
    if found.shared_chars:
        lines += [""]
        rows = [
            [
                d.id,
                str(found.shared_chars.get(d.id, 0)),
                str(len(d.text)),
                f"{found.shared_chars.get(d.id, 0) / max(1, len(d.text)):.1%}",
            ]
            for d in report.documents
            if found.shared_chars.get(d.id)
        ]
        lines.extend(table(rows, ["document", "shared chars", "chars", "shared"]))
    if found.outlet_overlap:
        lines += [""]
        rows = [[a, b, f"{v:.1%}"] for a, b, v in found.outlet_overlap]
        lines.extend(table(rows, ["outlet A", "outlet B", "share of A found in B"]))
    return lines


def to_html(report: Report) -> str:
    """A self-contained HTML page (see `dedup.htmlreport`)."""
    from dedup.htmlreport import to_html as render

    return render(report)


RENDERERS = {"json": to_json, "jsonl": to_jsonl, "csv": to_csv, "table": to_table, "html": to_html}


def mark(
    text: str, start: int, end: int, spans: Sequence[tuple[int, int]], left: str, right: str
) -> str:
    """`text[start:end]` with every span inside it wrapped in `left` … `right`.

    Example:
        >>> mark("a b c d", 0, 7, [(2, 3), (6, 7)], "[-", "-]")
        'a [-b-] c [-d-]'
    """
    out, pos = [], start
    for s, e in sorted(spans):
        s, e = max(s, start), min(e, end)
        if e <= s:
            continue
        out += [text[pos:s], left, text[s:e], right]
        pos = e
    out.append(text[pos:end])
    return "".join(out)


def comparison_to_dict(cmp: Comparison) -> dict[str, Any]:
    """`dedup compare --format json`."""

    def doc(d: Doc) -> dict[str, Any]:
        return {
            "id": d.id,
            "source": d.source,
            "outlet": d.outlet,
            "date": d.date,
            "title": d.title,
            "chars": len(d.text),
        }

    return {
        "version": FORMAT_VERSION,
        "a": doc(cmp.a),
        "b": doc(cmp.b),
        "jaccard": cmp.jaccard,
        "containment": cmp.containment,
        "passages": [
            {
                "a_start": x.a_start,
                "a_end": x.a_end,
                "b_start": x.b_start,
                "b_end": x.b_end,
                "score": x.score,
                "weight": x.weight,
                "a_text": x.a_text,
                "b_text": x.b_text,
                "a_diff": [list(s) for s in x.a_diff],
                "b_diff": [list(s) for s in x.b_diff],
            }
            for x in cmp.passages
        ],
    }


def comparison_to_json(cmp: Comparison) -> str:
    """The comparison as one JSON document."""
    return json.dumps(comparison_to_dict(cmp), ensure_ascii=False, indent=2) + "\n"


def comparison_to_table(cmp: Comparison) -> str:
    """Aligned passages for a terminal; words only A has are [-marked-], words only B
    has {+marked+}."""
    lines = [
        f"A: {cmp.a.id} ({len(cmp.a.text)} chars)",
        f"B: {cmp.b.id} ({len(cmp.b.text)} chars)",
        f"whole text: Jaccard {cmp.jaccard:.3f}, containment {cmp.containment:.3f}; "
        f"{len(cmp.passages)} shared passages",
    ]
    for k, p in enumerate(cmp.passages, start=1):
        lines += [
            "",
            f"passage {k}: A [{p.a_start}:{p.a_end}]  B [{p.b_start}:{p.b_end}]  "
            f"score {p.score:.2f}, weight {p.weight:.1f}",
        ]
        a = mark(cmp.a.text, p.a_start, p.a_end, p.a_diff, "[-", "-]")
        b = mark(cmp.b.text, p.b_start, p.b_end, p.b_diff, "{+", "+}")
        lines += ["  A: " + line for line in wrap(a, 100)]
        lines += ["  B: " + line for line in wrap(b, 100)]
    return "\n".join(lines) + "\n"


def attribution_to_json(found: Mapping[str, Sequence[Attribution]]) -> str:
    """`dedup attribution --format json`: {"documents": [{"id", "attribution": [...]}]}."""
    data = {
        "documents": [{"id": k, "attribution": attribution_records(v)} for k, v in found.items()]
    }
    return json.dumps(data, ensure_ascii=False, indent=2) + "\n"


def attribution_to_csv(found: Mapping[str, Sequence[Attribution]]) -> str:
    """One row per attribution span: id, kind, start, end, agencies, outlets, text."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["id", "kind", "start", "end", "agencies", "outlets", "text"])
    for doc_id, spans in found.items():
        for a in spans:
            w.writerow(
                [doc_id, a.kind, a.start, a.end, " ".join(a.agencies), " ".join(a.outlets), a.text]
            )
    return buf.getvalue()


def attribution_to_table(found: Mapping[str, Sequence[Attribution]]) -> str:
    """Each document's attribution, one span a line, with what it credits."""
    from dedup.attribution import credits

    lines: list[str] = []
    for doc_id, spans in found.items():
        credited = credits(spans)
        lines.append(f"{doc_id}  (credits: {', '.join(credited) if credited else 'nobody'})")
        rows = [
            [a.kind, f"{a.start}:{a.end}", ", ".join((*a.agencies, *a.outlets)), clip(a.text, 50)]
            for a in spans
        ]
        if rows:
            lines.extend("  " + r for r in table(rows, ["kind", "span", "ids", "text"]))
        else:
            lines.append("  no attribution found")
        lines.append("")
    return "\n".join(lines)


def _index_records(items: Sequence[Any]) -> list[dict[str, Any]]:
    return [
        {
            "id": it.id,
            "status": it.status,
            "stored": it.stored,
            "matches": [
                {"id": m.id, "jaccard": m.jaccard, "containment": m.containment} for m in it.matches
            ],
            "passages": [
                {
                    "id": p.id,
                    "start": p.start,
                    "end": p.end,
                    "other_start": p.other_start,
                    "other_end": p.other_end,
                    "weight": p.weight,
                    "uncredited": p.uncredited,
                    "text": p.text,
                    "other_text": p.other_text,
                }
                for p in it.passages
            ],
        }
        for it in items
    ]


def index_to_json(folder: str, items: Sequence[Any]) -> str:
    """`dedup index add|query --format json`: {"index", "items": [...]}."""
    data = {"version": FORMAT_VERSION, "index": folder, "items": _index_records(items)}
    return json.dumps(data, ensure_ascii=False, indent=2) + "\n"


def index_to_jsonl(folder: str, items: Sequence[Any]) -> str:
    """One item per line."""
    return "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in _index_records(items))


def _shares(passages: Sequence[Any]) -> str:
    """The documents (stored, or earlier in the batch) an item shares passages with,
    with the item's characters in them."""
    chars: dict[str, int] = {}
    for p in passages:
        chars[p.id] = chars.get(p.id, 0) + p.end - p.start
    ids = sorted(chars, key=lambda i: (-chars[i], i))
    return ", ".join(f"{i} ({chars[i]} chars)" for i in ids[:3]) + (" …" if len(ids) > 3 else "")


def index_to_table(folder: str, items: Sequence[Any]) -> str:
    """A line per item: new, a duplicate of which stored ids, or sharing passages with
    which; then each passage, the item's text of it shortened."""
    count = {s: sum(it.status == s for it in items) for s in ("new", "duplicate", "shares")}
    stored = sum(it.stored for it in items)
    rows = [
        [
            it.id,
            it.status,
            "yes" if it.stored else "no",
            ", ".join(f"{m.id} ({m.jaccard:.2f})" for m in it.matches[:3])
            + (" …" if len(it.matches) > 3 else ""),
            _shares(it.passages),
        ]
        for it in items
    ]
    head = (
        f"{folder}: {len(items)} items, {count['new']} new, {count['duplicate']} duplicates, "
        f"{count['shares']} sharing passages, {stored} stored"
    )
    lines = [head, "", *table(rows, ["item", "status", "stored", "duplicate of", "shares with"])]
    passages = [
        [
            it.id,
            f"{p.start}-{p.end}",
            p.id,
            f"{p.other_start}-{p.other_end}",
            "no" if p.uncredited else "yes",
            clip(p.text, 60),
        ]
        for it in items
        for p in it.passages
    ]
    if passages:
        lines += ["", *table(passages, ["item", "chars", "other", "chars", "credited", "passage"])]
    return "\n".join(lines) + "\n"
