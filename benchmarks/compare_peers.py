"""dedup next to its peers on one corpus: speed, memory and pairwise precision/recall/F1.

    python benchmarks/compare_peers.py --docs 10000            # generate, run every tool
    python benchmarks/compare_peers.py --corpus FILE.jsonl     # a corpus of benchmarks/corpus.py
    python benchmarks/compare_peers.py --corpus F --peers-python /tmp/peers/bin/python

Every tool runs in its own process (peak memory: the largest of it and the processes it
starts) on the same documents:

* dedup: `dedup scan CORPUS --no-passages -f csv` (reading, normalisation, attribution,
  shingles, MinHash, LSH, exact verification, clusters, the report) on every core, and
  again on one ("dedup 1 worker");
* datasketch used well: word 3-gram shingles, `MinHash.bulk` with an xxh3 hash function,
  `LeanMinHash`, `MinHashLSH` filled in an `insertion_session`, candidates verified by exact
  Jaccard (one process; the corpus is read before the clock starts);
* text-dedup (`text_dedup.minhash`) and datatrove (`MinhashDedupSignature`, `Buckets`,
  `Cluster`), with --peers-python naming a Python that has them (see
  `peers_external.py`); their pairs are all pairs of each cluster, unverified;
* the floor: hashing every word 3-gram with xxh3 and nothing else.

Truth: documents of one "group" are near-duplicates; a reported pair is correct when
both are in one group. Ratios are against dedup.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import os
import resource
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from common import OUT, print_table, save

THRESHOLD = 0.5
NUM_PERM = 128


def load(path: Path) -> list[dict[str, str]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


def shingles(text: str) -> set[bytes]:
    words = text.lower().split()
    return {" ".join(words[i : i + 3]).encode() for i in range(len(words) - 2)}


def tool_dedup(
    records: list[dict[str, str]], corpus: Path, workers: int | None = None
) -> list[tuple[str, str]]:
    """`dedup scan CORPUS --no-passages -f csv` as a user runs it (reading the file and
    writing the report included), on every core unless `workers` says otherwise."""
    cmd = [sys.executable, "-m", "dedup", "scan", str(corpus), "--no-passages", "-f", "csv", "-q"]
    cmd += ["--threshold", str(THRESHOLD), "--num-perm", str(NUM_PERM)]
    if workers:
        cmd += ["--workers", str(workers)]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    rows = csv.reader(io.StringIO(out))
    next(rows)
    return [(r[1], r[2]) for r in rows if r[0] == "pair"]


def tool_dedup_1(records: list[dict[str, str]], corpus: Path) -> list[tuple[str, str]]:
    """The same on one core."""
    return tool_dedup(records, corpus, workers=1)


def external(name: str) -> Callable[[list[dict[str, str]], Path], list[tuple[str, str]]]:
    """A peer run by `peers_external.py` under the Python of --peers-python."""

    def tool(records: list[dict[str, str]], corpus: Path) -> list[tuple[str, str]]:
        python = os.environ.get("DEDUP_PEERS_PYTHON")
        script = Path(__file__).with_name("peers_external.py")
        out = subprocess.run(
            [str(python), str(script), name, str(corpus)],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
        return [tuple(p) for p in json.loads(out)["pairs"]]

    return tool


def tool_datasketch(records: list[dict[str, str]], corpus: Path) -> list[tuple[str, str]]:
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


def tool_floor(records: list[dict[str, str]], corpus: Path) -> list[tuple[str, str]]:
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
    "text-dedup": external("text-dedup"),
    "datatrove": external("datatrove"),
    "xxh3 floor": tool_floor,
}
#: Tools that need --peers-python.
EXTERNAL = ("text-dedup", "datatrove")


#: Tools that run in this process on records read before the clock starts.
IN_PROCESS = ("datasketch", "xxh3 floor")


def child(tool: str, corpus: Path) -> None:
    records = load(corpus) if tool in IN_PROCESS else []
    start = time.perf_counter()
    pairs = TOOLS[tool](records, corpus)
    seconds = time.perf_counter() - start
    # Peak of this process, or of the largest process it ran (dedup and its workers,
    # the peers).
    who = resource.RUSAGE_SELF if tool in IN_PROCESS else resource.RUSAGE_CHILDREN
    rss = resource.getrusage(who).ru_maxrss / 1024
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
    ap.add_argument(
        "--peers-python", default=None, help="a Python with text-dedup and datatrove installed"
    )
    args = ap.parse_args()
    if args.peers_python:
        os.environ["DEDUP_PEERS_PYTHON"] = args.peers_python
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
    tools = [t for t in args.tools.split(",") if t not in EXTERNAL or args.peers_python]
    skipped = [t for t in args.tools.split(",") if t not in tools]
    if skipped:
        print(f"left out (no --peers-python): {', '.join(skipped)}")
    results = run_all(corpus, tools)
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
