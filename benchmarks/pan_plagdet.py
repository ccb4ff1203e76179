"""Passage detection on ExAraPlagDet (PAN@FIRE 2015), scored with PAN's measures.

    python benchmarks/pan_plagdet.py                 # all 601 suspicious documents
    python benchmarks/pan_plagdet.py --limit 100     # the first 100, against all sources

Each suspicious document is compared with every source document (dedup's LSH chooses
which pairs to align); detections are dedup's shared passages. Measures follow
Potthast et al. (2010): character-level macro precision and recall, granularity, and
plagdet = F1 / log2(1 + granularity), overall and per obfuscation type. A suspicious
document holds cases of one obfuscation type, so per type the measures are computed on
the documents of that type (documents without cases count for precision overall).
"""

from __future__ import annotations

import argparse
import math
import xml.etree.ElementTree as ET
from collections import defaultdict
from dataclasses import dataclass, replace
from pathlib import Path

from common import extracted_pan, print_table, save, timer

from dedup.config import DedupConfig
from dedup.pipeline import find_passages, prepare_batch
from dedup.types import Doc


@dataclass(frozen=True)
class Case:
    """A plagiarism case or a detection: a span of a suspicious and of a source document."""

    susp: str
    s0: int
    s1: int
    src: str
    r0: int
    r1: int
    kind: str = ""

    @property
    def size(self) -> int:
        return (self.s1 - self.s0) + (self.r1 - self.r0)


def load(dataset: Path, limit: int | None) -> tuple[list[Doc], list[Doc], list[Case]]:
    susp_files = sorted((dataset / "suspicious-documents").glob("*.txt"))[:limit]
    src_files = sorted((dataset / "source-documents").glob("*.txt"))

    def read(p: Path) -> Doc:
        return Doc(p.name, p.read_bytes().decode("utf-8"), source=str(p))

    cases = []
    for p in susp_files:
        xml = dataset / "plagiarism-annotation" / (p.stem + ".xml")
        for f in ET.parse(xml).getroot().iter("feature"):
            if f.get("name") != "plagiarism":
                continue
            t0, r0 = int(f.get("this_offset", 0)), int(f.get("source_offset", 0))
            cases.append(
                Case(
                    p.name,
                    t0,
                    t0 + int(f.get("this_length", 0)),
                    f.get("source_reference", ""),
                    r0,
                    r0 + int(f.get("source_length", 0)),
                    f.get("obfuscation", ""),
                )
            )
    return [read(p) for p in susp_files], [read(p) for p in src_files], cases


def overlap(a0: int, a1: int, b0: int, b1: int) -> int:
    return max(0, min(a1, b1) - max(a0, b0))


def union_len(spans: list[tuple[int, int]]) -> int:
    total, end = 0, -1
    for s, e in sorted(spans):
        if e > end:
            total += e - max(s, end)
            end = e
    return total


def detects(c: Case, r: Case) -> bool:
    return (
        c.susp == r.susp
        and c.src == r.src
        and (overlap(c.s0, c.s1, r.s0, r.s1) > 0 or overlap(c.r0, c.r1, r.r0, r.r1) > 0)
    )


def measures(cases: list[Case], dets: list[Case]) -> dict[str, float]:
    """PAN's macro precision, recall, granularity and plagdet."""
    by_pair: dict[tuple[str, str], list[Case]] = defaultdict(list)
    for c in cases:
        by_pair[(c.susp, c.src)].append(c)
    det_pair: dict[tuple[str, str], list[Case]] = defaultdict(list)
    for r in dets:
        det_pair[(r.susp, r.src)].append(r)

    def covered(x: Case, others: list[Case]) -> float:
        hits = [o for o in others if detects(o, x)]
        s = union_len(
            [(max(x.s0, o.s0), min(x.s1, o.s1)) for o in hits if overlap(x.s0, x.s1, o.s0, o.s1)]
        )
        r = union_len(
            [(max(x.r0, o.r0), min(x.r1, o.r1)) for o in hits if overlap(x.r0, x.r1, o.r0, o.r1)]
        )
        return (s + r) / x.size if x.size else 0.0

    prec = sum(covered(r, by_pair[(r.susp, r.src)]) for r in dets) / len(dets) if dets else 0.0
    rec = sum(covered(c, det_pair[(c.susp, c.src)]) for c in cases) / len(cases) if cases else 0.0
    detected = [sum(detects(c, r) for r in det_pair[(c.susp, c.src)]) for c in cases]
    detected = [n for n in detected if n]
    gran = sum(detected) / len(detected) if detected else 1.0
    f1 = 2 * prec * rec / (prec + rec) if prec + rec else 0.0
    return {
        "precision": prec,
        "recall": rec,
        "granularity": gran,
        "plagdet": f1 / math.log2(1 + gran),
        "cases": len(cases),
        "detections": len(dets),
    }


def detect(susp: list[Doc], src: list[Doc], cfg: DedupConfig) -> list[Case]:
    docs = [*susp, *src]
    prepared = prepare_batch(docs, cfg)
    sides = [0] * len(susp) + [1] * len(src)
    names = {d.id for d in susp}
    found = find_passages(prepared, cfg, sides=sides)
    out = []
    for p in found.passages:
        if p.a in names:
            out.append(Case(p.a, p.a_start, p.a_end, p.b, p.b_start, p.b_end))
        else:
            out.append(Case(p.b, p.b_start, p.b_end, p.a, p.a_start, p.a_end))
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--limit", type=int, default=None, help="first N suspicious documents")
    ap.add_argument("--min-passage-words", type=float, default=None)
    ap.add_argument("--passage-threshold", type=float, default=None)
    ap.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="FIELD=VALUE",
        help="override a PassageConfig field, e.g. --set bag_window=20",
    )
    args = ap.parse_args()
    kw = {}
    if args.min_passage_words is not None:
        kw["min_passage_words"] = args.min_passage_words
    if args.passage_threshold is not None:
        kw["passage_threshold"] = args.passage_threshold
    cfg = DedupConfig.build(**kw)
    for item in args.set:
        key, value = item.split("=", 1)
        kind = type(getattr(cfg.passage, key))
        cfg = replace(cfg, passage=replace(cfg.passage, **{key: kind(value)}))
    susp, src, cases = load(extracted_pan(), args.limit)
    with timer() as took:
        dets = detect(susp, src, cfg)
    kinds = sorted({c.kind for c in cases})
    doc_kind = {c.susp: c.kind for c in cases}
    rows, results = [], {}
    for kind in [*kinds, "all"]:
        cs = [c for c in cases if kind in ("all", c.kind)]
        ds = [r for r in dets if kind == "all" or doc_kind.get(r.susp) == kind]
        m = measures(cs, ds)
        results[kind] = m
        rows.append(
            [
                kind,
                str(m["cases"]),
                str(m["detections"]),
                f"{m['plagdet']:.3f}",
                f"{m['precision']:.3f}",
                f"{m['recall']:.3f}",
                f"{m['granularity']:.3f}",
            ]
        )
    print(
        f"ExAraPlagDet: {len(susp)} suspicious x {len(src)} source documents, "
        f"{len(cases)} cases, {took():.1f} s"
    )
    print_table(
        rows,
        ["obfuscation", "cases", "detections", "plagdet", "precision", "recall", "granularity"],
    )
    path = save(
        "pan_plagdet",
        {"limit": args.limit, "seconds": took(), "results": results, "params": cfg.as_dict()},
    )
    print(f"saved {path.relative_to(Path.cwd()) if path.is_relative_to(Path.cwd()) else path}")


if __name__ == "__main__":
    main()
