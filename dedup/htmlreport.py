"""A self-contained HTML report: overview, outlet matrix, uncredited reuse, and the
shared passages of every document pair side by side.

One file, no network: styles and script are inline and a Content-Security-Policy
forbids every fetch. Document text is untrusted: the overview is escaped on the
server, and texts travel as JSON in a `<script type="application/json">` block (with
`<`, `>`, `&` and line separators escaped) that the page's script turns into DOM nodes
with `textContent` only. Bidi control characters are shown as visible marks, never
obeyed. Pair views are built when opened, and lists are paged, so that a report of
10,000 documents stays usable.
"""

from __future__ import annotations

import html
import json
from collections.abc import Sequence
from importlib import resources
from typing import Any

from dedup.attribution import Attribution
from dedup.types import Comparison, Doc, Report, SharedPassage

#: Outlets shown in the matrix at most (those sharing the most text).
MATRIX_OUTLETS = 30

_COLOURS = [
    "#fde68a",
    "#bbf7d0",
    "#bfdbfe",
    "#fbcfe8",
    "#ddd6fe",
    "#fed7aa",
    "#a5f3fc",
    "#d9f99d",
    "#fecaca",
    "#e9d5ff",
]


def _asset(name: str) -> str:
    """A packaged file of the page: `dedup/data/report.css` or `report.js`."""
    return resources.files("dedup").joinpath(f"data/{name}").read_text("utf-8")


def _json_for_script(data: Any) -> str:
    """JSON that cannot end its <script> element or be read as HTML."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    return (
        text.replace("&", "\\u0026")
        .replace("<", "\\u003c")
        .replace(">", "\\u003e")
        .replace("\u2028", "\\u2028")
        .replace("\u2029", "\\u2029")
    )


def _doc_data(
    doc: Doc, attribution: Sequence[Attribution], shared: int, cluster: str | None
) -> dict[str, Any]:
    return {
        "text": doc.text,
        "outlet": doc.outlet,
        "date": doc.date,
        "chars": len(doc.text),
        "shared": shared / len(doc.text) if doc.text else 0.0,
        "cluster": cluster,
        "attribution": [[a.start, a.end, a.kind] for a in attribution],
    }


def _pairs(passages: Sequence[SharedPassage]) -> list[dict[str, Any]]:
    grouped: dict[tuple[str, str], list[SharedPassage]] = {}
    for p in passages:
        grouped.setdefault((p.a, p.b), []).append(p)
    out = []
    for (a, b), ps in grouped.items():
        out.append(
            {
                "a": a,
                "b": b,
                "uncredited": any(p.uncredited for p in ps),
                "chars": sum(p.a_end - p.a_start for p in ps),
                "passages": [
                    {
                        "a": [p.a_start, p.a_end],
                        "b": [p.b_start, p.b_end],
                        "colour": i,
                        "a_diff": [list(x) for x in p.a_diff],
                        "b_diff": [list(x) for x in p.b_diff],
                        "score": p.score,
                        "uncredited": p.uncredited,
                    }
                    for i, p in enumerate(ps)
                ],
            }
        )
    return sorted(out, key=lambda x: (-x["chars"], x["a"], x["b"]))


def _matrix(report: Report) -> str:
    found = report.passages
    if found is None or not found.outlet_overlap:
        return "<p class='muted'>No text shared between outlets.</p>"
    weight: dict[str, float] = {}
    for a, b, value in found.outlet_overlap:
        weight[a] = weight.get(a, 0.0) + value
        weight[b] = weight.get(b, 0.0) + value
    outlets = sorted(weight, key=lambda o: (-weight[o], o))[:MATRIX_OUTLETS]
    share = {(a, b): v for a, b, v in found.outlet_overlap}
    e = html.escape
    rows = [
        "<table class='matrix' id='matrix'><tr><th>A \\ B</th>"
        + "".join(f"<th dir='auto'>{e(o)}</th>" for o in outlets)
        + "</tr>"
    ]
    for a in outlets:
        cells = []
        for b in outlets:
            v = share.get((a, b))
            if a == b or v is None:
                cells.append("<td class='muted'>·</td>")
            else:
                light = 96 - int(min(1.0, v * 2) * 50)
                cells.append(
                    f"<td style='background:hsl(32,90%,{light}%)' "
                    f"title='{e(a)} → {e(b)}'>{v:.1%}</td>"
                )
        rows.append(f"<tr><th dir='auto'>{e(a)}</th>{''.join(cells)}</tr>")
    note = ""
    if len(weight) > MATRIX_OUTLETS:
        note = f"<p class='muted'>The {MATRIX_OUTLETS} outlets sharing most of {len(weight)}.</p>"
    return "".join(rows) + "</table>" + note


def _uncredited(report: Report) -> str:
    found = report.passages
    items = [p for p in (found.passages if found else ()) if p.uncredited]
    if not items:
        return "<p class='muted'>Every shared passage has a credited agency on one side.</p>"
    e = html.escape
    rows = "".join(
        f"<tr><td dir='auto'>{e(p.a)}</td><td>{p.a_start}–{p.a_end}</td>"
        f"<td dir='auto'>{e(p.b)}</td><td>{p.b_start}–{p.b_end}</td>"
        f"<td dir='auto'>{e(p.a_text[:160])}</td></tr>"
        for p in items[:500]
    )
    more = f"<p class='muted'>and {len(items) - 500} more</p>" if len(items) > 500 else ""
    return (
        f"<table id='uncredited-list'><tr><th>A</th><th>span</th><th>B</th><th>span</th>"
        f"<th>text</th></tr>{rows}</table>{more}"
    )


def _page(title: str, stats: list[tuple[str, int]], sections: str, data: dict[str, Any]) -> str:
    e = html.escape
    stat_html = "".join(f"<span><b>{n}</b> {e(label)}</span>" for label, n in stats)
    return (
        "<!doctype html>\n<html><head><meta charset='utf-8'>"
        "<meta http-equiv='Content-Security-Policy' content=\"default-src 'none'; "
        "style-src 'unsafe-inline'; script-src 'unsafe-inline'\">"
        "<meta name='viewport' content='width=device-width, initial-scale=1'>"
        f"<title>{e(title)}</title><style>{_asset('report.css')}</style></head><body>"
        f"<h1>{e(title)}</h1><div class='stats'>{stat_html}</div><pre id='js-errors'></pre>"
        f"{sections}"
        f"<script type='application/json' id='data'>{_json_for_script(data)}</script>"
        f"<script>{_asset('report.js')}</script></body></html>\n"
    )


def to_html(report: Report) -> str:
    """The scan report as one self-contained HTML page."""
    found = report.passages
    shared = found.shared_chars if found else {}
    cluster_of = {d: c.id for c in report.clusters for d in c.documents}
    docs = {
        d.id: _doc_data(
            d, report.attribution.get(d.id, ()), shared.get(d.id, 0), cluster_of.get(d.id)
        )
        for d in report.documents
    }
    pairs = _pairs(found.passages if found else ())
    data = {
        "docs": docs,
        "pairs": pairs,
        "colours": _COLOURS,
        "clusters": [
            {"cluster": c.id, "documents": list(c.documents), "representative": c.representative}
            for c in report.clusters
        ],
    }
    outlets = {d.outlet or d.id for d in report.documents}
    uncredited = sum(p.uncredited for p in found.passages) if found else 0
    stats = [
        ("documents", len(report.documents)),
        ("outlets", len(outlets)),
        ("near-duplicate clusters", len(report.clusters)),
        ("shared passages", len(found.passages) if found else 0),
        ("uncredited", uncredited),
    ]
    sections = (
        "<h2>Outlet × outlet: share of A's text found in B</h2>"
        + _matrix(report)
        + "<h2>Uncredited reuse</h2>"
        + _uncredited(report)
        + "<h2>Document pairs sharing passages</h2><div id='pairs'></div>"
        + "<h2>Near-duplicate clusters</h2><div id='clusters'></div>"
        + "<h2>Documents</h2><div id='documents'></div>"
    )
    return _page("dedup report", stats, sections, data)


def comparison_to_html(cmp: Comparison) -> str:
    """`dedup compare --format html`: the two texts side by side."""
    passages = list(cmp.passages)
    a_id, b_id = cmp.a.id, cmp.b.id
    if a_id == b_id:
        b_id = b_id + " (B)"
    docs = {a_id: _doc_data(cmp.a, (), 0, None), b_id: _doc_data(cmp.b, (), 0, None)}
    pair = _pairs(passages)
    for p in pair:
        p["a"], p["b"] = a_id, b_id
    data = {
        "docs": docs,
        "pairs": pair or [{"a": a_id, "b": b_id, "passages": [], "chars": 0, "uncredited": False}],
        "colours": _COLOURS,
        "clusters": [],
    }
    stats = [("shared passages", len(passages))]
    sections = (
        f"<p class='muted'>Whole text: Jaccard {cmp.jaccard:.3f}, containment "
        f"{cmp.containment:.3f}</p><div id='pairs'></div>"
    )
    return _page(f"dedup compare: {a_id} / {b_id}", stats, sections, data)
