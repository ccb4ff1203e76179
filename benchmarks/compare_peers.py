"""dedup next to its peers on one corpus: speed, memory and pairwise precision/recall/F1.

    python benchmarks/compare_peers.py --docs 10000            # generate, run every tool
    python benchmarks/compare_peers.py --corpus FILE.jsonl     # a corpus of benchmarks/corpus.py

Every tool runs in its own process (so peak memory is its own) on the same documents:

* dedup: `dedup.stream.scan`, what `dedup scan --no-passages` runs (normalise,
  attribution, shingles, MinHash, LSH, exact verification, clusters) on every core, and
  again on one ("dedup 1 worker");
* datasketch used well: word 3-gram shingles, `MinHash.bulk` with an xxh3 hash function,
  `LeanMinHash`, `MinHashLSH` filled in an `insertion_session`, candidates verified by exact
  Jaccard;
* the floor: hashing every word 3-gram with xxh3 and nothing else.

Truth: documents of one "group" are near-duplicates; a reported pair is correct when
both are in one group. Ratios are against dedup.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

from common import OUT, print_table, save

THRESHOLD = 0.5
NUM_PERM = 128


def load(path: Path) -> list[dict[str, str]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


def shingles(text: str) -> set[bytes]:
    words = text.lower().split()
    return {" ".join(words[i : i + 3]).encode() for i in range(len(words) - 2)}


def tool_dedup(records: list[dict[str, str]], workers: int | None = None) -> list[tuple[str, str]]:
    """What `dedup scan --no-passages` runs: the streaming scan, every core by default."""
    from dedup import stream
    from dedup.config import DedupConfig
    from dedup.types import Doc

    docs = [Doc(r["id"], r["text"], outlet=r.get("outlet")) for r in records]
    cfg = DedupConfig.build(threshold=THRESHOLD, num_perm=NUM_PERM, passages=False)
    report = stream.scan(lambda: iter(docs), cfg, workers=workers)
    return [(p.a, p.b) for p in report.pairs]


def tool_dedup_1(records: list[dict[str, str]]) -> list[tuple[str, str]]:
    """The same on one core."""
    return tool_dedup(records, workers=1)


def tool_datasketch(records: list[dict[str, str]]) -> list[tuple[str, str]]:
    import xxhash
    from datasketch import LeanMinHash, MinHash, MinHashLSH

    sets = [shingles(r["text"]) for r in records]
    hashes = MinHash.bulk(
        [list(s) for s in sets], num_perm=NUM_PERM, hashfunc=lambda b: xxhash.xxh32_intdigest(b)
    )
    lean = [LeanMinHash(m) for m in hashes]
    lsh = MinHashLSH(threshold=THRESHOLD, num_perm=NUM_PERM)
    with lsh.insertion_session() as session:
        for r, m in zip(records, lean, strict=True):
            session.insert(r["id"], m)
    index = {r["id"]: i for i, r in enumerate(records)}
    found = set()
    for i, (r, m) in enumerate(zip(records, lean, strict=True)):
        for other in lsh.query(m):
            j = index[other]
            if j <= i:
                continue
            a, b = sets[i], sets[j]
            if a and b and len(a & b) / len(a | b) >= THRESHOLD:
                found.add((min(r["id"], other), max(r["id"], other)))
    return sorted(found)


def tool_floor(records: list[dict[str, str]]) -> list[tuple[str, str]]:
    import xxhash

    h = xxhash.xxh3_64_intdigest
    total = 0
    for r in records:
        words = r["text"].lower().split()
        for i in range(len(words) - 2):
            total ^= h(" ".join(words[i : i + 3]).encode())
    return []


TOOLS = {
    "dedup": tool_dedup,
    "dedup 1 worker": tool_dedup_1,
    "datasketch": tool_datasketch,
    "xxh3 floor": tool_floor,
}


def child(tool: str, corpus: Path) -> None:
    records = load(corpus)
    start = time.perf_counter()
    pairs = TOOLS[tool](records)
    seconds = time.perf_counter() - start
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"seconds": seconds, "pairs": pairs, "peak_mib": rss}))


def score(
    records: list[dict[str, str]], pairs: list[tuple[str, str]]
) -> tuple[float, float, float]:
    group = {r["id"]: r["group"] for r in records}
    sizes: dict[str, int] = {}
    for g in group.values():
        sizes[g] = sizes.get(g, 0) + 1
    truth = sum(n * (n - 1) // 2 for n in sizes.values())
    correct = sum(group[a] == group[b] for a, b in pairs)
    precision = correct / len(pairs) if pairs else 1.0
    recall = correct / truth if truth else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


def run_all(corpus: Path, tools: list[str]) -> dict[str, dict[str, float]]:
    records = load(corpus)
    results: dict[str, dict[str, float]] = {}
    for tool in tools:
        out = subprocess.run(
            [sys.executable, __file__, "--child", tool, "--corpus", str(corpus)],
            capture_output=True,
            text=True,
            check=True,
        )
        data = json.loads(out.stdout)
        p, r, f = score(records, [tuple(x) for x in data["pairs"]])
        results[tool] = {
            "seconds": data["seconds"],
            "docs_per_s": len(records) / data["seconds"],
            "peak_mib": data["peak_mib"],
            "precision": p,
            "recall": r,
            "f1": f,
            "pairs": len(data["pairs"]),
        }
    return results


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--docs", type=int, default=10_000)
    ap.add_argument("--corpus", type=Path, default=None)
    ap.add_argument("--tools", default=",".join(TOOLS))
    ap.add_argument("--child", default=None, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        child(args.child, args.corpus)
        return
    corpus = args.corpus
    if corpus is None:
        from corpus import generate

        corpus = OUT / f"corpus-{args.docs}.jsonl"
        OUT.mkdir(parents=True, exist_ok=True)
        with corpus.open("w", encoding="utf-8") as fh:
            for rec in generate(args.docs):
                fh.write(json.dumps(rec, ensure_ascii=False) + "\n")
    results = run_all(corpus, args.tools.split(","))
    base = results.get("dedup", {}).get("seconds")
    rows = []
    for tool, m in results.items():
        ratio = f"{m['seconds'] / base:.2f}x" if base else ""
        rows.append(
            [
                tool,
                f"{m['seconds']:.2f}",
                f"{m['docs_per_s']:.0f}",
                ratio,
                f"{m['peak_mib']:.0f}",
                f"{m['precision']:.3f}" if tool != "xxh3 floor" else "",
                f"{m['recall']:.3f}" if tool != "xxh3 floor" else "",
                f"{m['f1']:.3f}" if tool != "xxh3 floor" else "",
            ]
        )
    print(f"{corpus.name}: {sum(1 for _ in corpus.open(encoding='utf-8'))} documents")
    print_table(
        rows,
        ["tool", "seconds", "docs/s", "time vs dedup", "peak MiB", "precision", "recall", "F1"],
    )
    save("compare_peers", {"corpus": str(corpus), "results": results})


if __name__ == "__main__":
    main()
