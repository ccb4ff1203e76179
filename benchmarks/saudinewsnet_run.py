"""dedup on the real SaudiNewsNet corpus as it is: time, memory, clusters, passages, and a
sample of reported pairs to check by hand.

    python benchmarks/saudinewsnet_run.py            # every article, passages on
    python benchmarks/saudinewsnet_run.py --sample 30 --seed 0

Writes the articles as JSONL (benchmarks/out/saudinewsnet.jsonl: url as id, source as
outlet, date, title), runs `dedup scan` on it as a user would (one process, the CLI),
reads the JSON report, prints the figures and `--sample` reported pairs drawn at random
(deterministically) with the start of both texts and of their first shared passage.
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import subprocess
import sys
import time

from common import OUT, saudinewsnet, save


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sample", type=int, default=30)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--no-passages", action="store_true")
    args = ap.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    corpus = OUT / "saudinewsnet.jsonl"
    seen = set()
    texts = {}
    with corpus.open("w", encoding="utf-8") as fh:
        for item in saudinewsnet():
            url = item["url"]
            if url in seen:
                continue
            seen.add(url)
            rec = {
                "id": url,
                "text": item["content"],
                "outlet": item["source"],
                "date": item.get("date_extracted", "")[:10],
                "title": item.get("title", ""),
            }
            texts[url] = rec
            fh.write(json.dumps(rec, ensure_ascii=False) + "\n")
    report_path = OUT / "saudinewsnet-report.json"
    cmd = [sys.executable, "-m", "dedup", "scan", str(corpus), "-f", "json", "-q"]
    cmd += ["-o", str(report_path)] + (["--no-passages"] if args.no_passages else [])
    start = time.perf_counter()
    subprocess.run(cmd, check=True)
    seconds = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    report = json.loads(report_path.read_text(encoding="utf-8"))
    pairs = report["pairs"]
    clusters = report["clusters"]
    passages = report.get("passages", [])
    cross = sum(texts[p["a"]]["outlet"] != texts[p["b"]]["outlet"] for p in pairs)
    figures = {
        "documents": len(report["documents"]),
        "seconds": round(seconds, 1),
        "peak_mib": round(peak),
        "pairs": len(pairs),
        "pairs_across_outlets": cross,
        "clusters": len(clusters),
        "documents_in_clusters": sum(len(c["documents"]) for c in clusters),
        "passages": len(passages),
        "passages_uncredited": sum(bool(p.get("uncredited")) for p in passages),
    }
    for k, v in figures.items():
        print(f"{k}: {v}")
    by_pair: dict[tuple[str, str], dict] = {}
    for p in passages:
        by_pair.setdefault((p["a"], p["b"]), p)
    rng = random.Random(args.seed)
    sample = rng.sample(pairs, k=min(args.sample, len(pairs)))
    for n, p in enumerate(sample, 1):
        a, b = texts[p["a"]], texts[p["b"]]
        print(f"\n#{n} J={p['jaccard']:.3f} C={p['containment']:.3f}")
        for side in (a, b):
            head = " ".join(side["text"].split())[:160]
            print(f"  {side['outlet']} {side['date']} {side['id']}\n    {head}")
    save("saudinewsnet_run", {"figures": figures, "sample": sample})


if __name__ == "__main__":
    main()
