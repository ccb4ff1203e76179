"""What passage matching costs next to document-level deduplication.

    python benchmarks/passages_speed.py                # 2,000 SaudiNewsNet articles, 3 runs
    python benchmarks/passages_speed.py --docs 5000 --repeat 5

Runs `dedup.pipeline.run` on the same real articles with passages off and on (in
every core's process, as by default, and in this process alone: `--workers 1`),
and prints the median seconds of each and the ratio of the default to passages off
(the goal is at most 3x). The timed runs follow one run of each mode (the first with
passages, timed apart: it looks up every word's stem, which later runs find cached).
A fixed Python loop timed before and after tells how fast the host ran meanwhile.
numpy's arrays go on small pages, as in the command line, and malloc reuses its heap for
large arrays, as in a `dedup scan` that matches passages (`dedup.memory`; every mode
here); `--huge-pages` leaves numpy's default (huge pages advised for arrays of 4 MiB or
more), `--default-malloc` glibc's.
"""

from __future__ import annotations

import argparse
import statistics
from dataclasses import replace

from common import print_table, python_loop, saudinewsnet, save, timer

from dedup.config import DedupConfig
from dedup.memory import reused_heap, small_pages
from dedup.pipeline import run
from dedup.types import Doc


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--docs", type=int, default=2000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument(
        "--huge-pages",
        action="store_true",
        help="leave numpy advising huge pages (the command line turns that off)",
    )
    ap.add_argument(
        "--default-malloc",
        action="store_true",
        help="leave glibc's malloc as it is (a scan with passages has it reuse its heap)",
    )
    args = ap.parse_args()
    small = not args.huge_pages and small_pages()
    heap = not args.default_malloc and reused_heap()
    host_before = python_loop()
    items = saudinewsnet(args.docs)
    docs = [Doc(f"{i}", x["content"], outlet=x["source"]) for i, x in enumerate(items)]
    cfg = DedupConfig()
    run(docs[:50], cfg)  # imports
    with timer() as took:  # the first run with passages: every word's stem looked up
        run(docs, cfg)
    first = took()
    run(docs, replace(cfg, passages=False), workers=1)  # every mode once more, untimed
    times: dict[str, list[float]] = {
        "--no-passages": [],
        "passages": [],
        "passages, --workers 1": [],
    }
    found = {}
    modes = (
        ("--no-passages", replace(cfg, passages=False), None),
        ("passages", cfg, None),
        ("passages, --workers 1", cfg, 1),
    )
    for _ in range(args.repeat):
        for name, c, workers in modes:
            with timer() as took:
                report = run(docs, c, workers=workers)
            times[name].append(took())
            found[name] = len(report.passages.passages) if report.passages else 0
    med = {k: statistics.median(v) for k, v in times.items()}
    best = {k: min(v) for k, v in times.items()}
    ratio = med["passages"] / med["--no-passages"]
    ratio_best = best["passages"] / best["--no-passages"]
    rows = [
        [k, f"{med[k]:.2f}", f"{best[k]:.2f}", f"{len(docs) / med[k]:.0f}", str(found[k])]
        for k in med
    ]
    memory = "numpy's arrays on small pages" if small else "numpy's default pages"
    memory += ", malloc reusing its heap" if heap else ", malloc as it is"
    print(f"{len(docs)} SaudiNewsNet articles, {args.repeat} runs each, interleaved; {memory}")
    print_table(rows, ["mode", "median s", "min s", "docs/s", "passages"])
    print(f"ratio passages / --no-passages: {ratio:.2f}x (medians), {ratio_best:.2f}x (minima)")
    one = med["passages, --workers 1"] / med["--no-passages"]
    print(f"in one process: {one:.2f}x (medians)")
    print(f"first run with passages (words' stems not yet cached): {first:.2f} s")
    host_after = python_loop()
    print(
        f"host check: a 3-million-step Python loop took {host_before:.3f} s before and "
        f"{host_after:.3f} s after (the ratio moves with the host's load)"
    )
    save(
        "passages_speed",
        {
            "docs": len(docs),
            "seconds": times,
            "median": med,
            "ratio": ratio,
            "ratio_min": ratio_best,
            "ratio_one_process": one,
            "first_run": first,
            "python_loop": [host_before, host_after],
            "small_pages": small,
            "reused_heap": heap,
        },
    )


if __name__ == "__main__":
    main()
