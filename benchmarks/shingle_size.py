"""Which shingle size separates near-duplicates from different articles best?

For each shingle kind and size: the lowest exact Jaccard among the known
near-duplicate pairs of the fixtures (copies of seed 000 with it and with each other,
and the English wire pair) and the highest among pairs that are not near-duplicates
(the five seeds with each other, the unrelated article with everything). The margin
is the gap between them; the default is the size with the widest margin.

    python benchmarks/shingle_size.py
"""

from __future__ import annotations

import itertools
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from dedup.config import ShingleConfig  # noqa: E402
from dedup.io import read_docs  # noqa: E402
from dedup.normalise import normalise  # noqa: E402
from dedup.shingle import shingles  # noqa: E402
from dedup.verify import overlap  # noqa: E402


def group(doc_id: str) -> str:
    """Documents in the same group are near-duplicates."""
    if doc_id.startswith("copies/000") or doc_id.startswith("seeds/000"):
        return "000"
    if doc_id.startswith("english/"):
        return "english"
    return doc_id


def main() -> None:
    docs = list(read_docs([str(ROOT / "fixtures")]))
    norms = [normalise(d.text) for d in docs]
    print(f"{'kind':5} {'n':>2} {'min J dup':>10} {'max J other':>12} {'margin':>8}")
    for kind, sizes in (("word", range(1, 7)), ("char", range(3, 10))):
        for n in sizes:
            cfg = ShingleConfig(kind=kind, size=n)  # type: ignore[arg-type]
            sets = [shingles(x, cfg) for x in norms]
            dup, other = [], []
            for i, j in itertools.combinations(range(len(docs)), 2):
                jac = overlap(sets[i], sets[j])[0]
                (dup if group(docs[i].id) == group(docs[j].id) else other).append(jac)
            lo, hi = min(dup), max(other)
            print(f"{kind:5} {n:>2} {lo:>10.3f} {hi:>12.3f} {lo - hi:>8.3f}")


if __name__ == "__main__":
    main()
