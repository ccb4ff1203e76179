"""Passages against a persistent index: what the index finds next to `dedup scan`, and
what it costs.

    python benchmarks/index_passages.py                      # 5,000 labelled documents
    python benchmarks/index_passages.py --docs 20000 --batch 1000 --queries 200

Builds the labelled corpus of `corpus.py` (real Arabic sentences; some documents take in
a passage of an earlier one: the "shares" field), adds all but the last `--queries`
documents to a new SQLite index in batches, then queries each of the last ones alone.
Prints: how many of the known shared passages the index reported (the item naming the
document it took the passage from), how the document pairs with passages compare with
those `dedup scan` finds on the same documents (`dedup.pipeline.run`, passages on),
adding speed and one-item query latency.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import tempfile

from common import peak_rss_mib, print_table, save, timer
from corpus import generate

from dedup.config import DedupConfig
from dedup.pipeline import IndexItem, index_items, run
from dedup.store import IndexParams, create_index, open_index
from dedup.types import Doc


def measure(args: argparse.Namespace) -> tuple[dict[str, object], list[list[str]]]:
    """The figures (for saving) and the table rows (for printing)."""
    records = list(generate(args.docs))
    docs = [Doc(str(r["id"]), str(r["text"]), outlet=str(r["outlet"])) for r in records]
    group = {str(r["id"]): str(r["group"]) for r in records}
    known = {(str(r["id"]), s) for r in records for s in r.get("shares", [])}  # type: ignore[attr-defined]
    fill, probe = docs[: -args.queries], docs[-args.queries :]

    root = tempfile.mkdtemp(prefix="dedup-index-passages-")
    create_index(root + "/idx", IndexParams.from_config(DedupConfig())).close()
    store = open_index(root + "/idx")
    items: list[IndexItem] = []
    latencies = []
    try:
        with timer() as add:
            for lo in range(0, len(fill), args.batch):
                items += index_items(store, fill[lo : lo + args.batch], store_items=True)
        for d in probe:
            with timer() as one:
                items += index_items(store, [d], store_items=False)
            latencies.append(one() * 1000)
        stats = store.stats()
    finally:
        store.close()
        shutil.rmtree(root, ignore_errors=True)
    reported = {(it.id, p.id) for it in items for p in it.passages}
    found_known = len(known & reported)
    # passages `scan` can find that the index can too: not between two held-out queries
    queried = {d.id for d in probe}
    index_pairs = {tuple(sorted(x)) for x in reported}
    rows = [
        ["known shared passages reported", f"{found_known} of {len(known)}"],
        ["documents sharing passages (index)", f"{len(index_pairs):,}"],
        ["add", f"{len(fill):,} docs in {add():.1f} s ({len(fill) / add():.0f} docs/s)"],
        [
            "query 1 item",
            f"{statistics.median(latencies):.1f} ms median, "
            f"{sorted(latencies)[int(0.9 * len(latencies))]:.1f} ms p90 "
            f"against {len(fill):,}",
        ],
        ["index size", f"{stats['bytes'] / len(fill):.0f} bytes/doc"],
    ]
    result: dict[str, object] = {
        "args": vars(args),
        "known": len(known),
        "known_found": found_known,
        "index_pairs": len(index_pairs),
        "add_s": add(),
        "query_ms": latencies,
        "stats": stats,
    }
    if args.scan:
        with timer() as took:
            report = run(docs, DedupConfig())
        assert report.passages is not None
        scan_pairs = {
            (p.a, p.b)
            for p in report.passages.passages
            if not (p.a in queried and p.b in queried) and group[p.a] != group[p.b]
        }
        both = len(scan_pairs & index_pairs)
        rows += [
            ["documents sharing passages (scan)", f"{len(scan_pairs):,} ({took():.1f} s)"],
            [
                "scan's pairs the index found",
                f"{both:,} of {len(scan_pairs):,} ({both / max(1, len(scan_pairs)):.3f})",
            ],
            ["index pairs scan did not report", f"{len(index_pairs - scan_pairs):,}"],
            [
                "known shared passages in scan",
                f"{len({tuple(sorted(k)) for k in known} & scan_pairs)} of {len(known)}",
            ],
        ]
        result |= {"scan_pairs": len(scan_pairs), "both": both, "scan_s": took()}
    return result, rows


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--docs", type=int, default=5000)
    ap.add_argument("--batch", type=int, default=500)
    ap.add_argument("--queries", type=int, default=100)
    ap.add_argument("--no-scan", dest="scan", action="store_false", help="skip the scan")
    args = ap.parse_args()
    result, rows = measure(args)
    print(f"{args.docs:,} labelled documents, batches of {args.batch}, {args.queries} queries")
    print_table(rows, ["", ""])
    print(f"peak RSS {peak_rss_mib():.0f} MiB")
    save("index_passages", result)


if __name__ == "__main__":
    main()
