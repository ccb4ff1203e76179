"""Rendering a `Report` as JSON, JSON Lines, CSV or a terminal table."""

from __future__ import annotations

import csv
import io
import json
import unicodedata
from typing import Any

from dedup.types import Report

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
                "chars": len(d.text),
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
    for key in sorted(report.extra):
        out[key] = report.extra[key]
    return out


def to_json(report: Report) -> str:
    """The whole report as one JSON document (UTF-8, not ASCII-escaped)."""
    return json.dumps(to_dict(report), ensure_ascii=False, indent=2) + "\n"


def to_jsonl(report: Report) -> str:
    """One JSON object per line, each with a "type": params, document, pair, cluster, …."""
    data = to_dict(report)
    lines = [{"type": "params", "version": data["version"], "params": data["params"]}]
    kinds = {"documents": "document", "pairs": "pair", "clusters": "cluster"}
    for key, value in data.items():
        if key in ("version", "params") or not isinstance(value, list):
            continue
        kind = kinds.get(key, key.rstrip("s"))
        lines.extend({"type": kind, **item} for item in value)
    return "".join(json.dumps(x, ensure_ascii=False) + "\n" for x in lines)


def to_csv(report: Report) -> str:
    """One row per verified pair: a, b, jaccard, containment, cluster."""
    cluster_of = {d: c.id for c in report.clusters for d in c.documents}
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["a", "b", "jaccard", "containment", "cluster"])
    for p in report.pairs:
        w.writerow([p.a, p.b, f"{p.jaccard:.4f}", f"{p.containment:.4f}", cluster_of.get(p.a, "")])
    return buf.getvalue()


def width(text: str) -> int:
    """Terminal columns `text` takes: combining marks 0, wide East Asian 2, others 1."""
    total = 0
    for ch in text:
        if unicodedata.combining(ch) or unicodedata.category(ch) in ("Mn", "Me", "Cf"):
            continue
        total += 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1
    return total


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
    return "\n".join(lines) + "\n"


RENDERERS = {"json": to_json, "jsonl": to_jsonl, "csv": to_csv, "table": to_table}
