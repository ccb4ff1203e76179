"""A deterministic news-like corpus with known near-duplicates, from real Arabic text.

    python benchmarks/corpus.py --docs 10000 -o benchmarks/out/corpus-10k.jsonl

Base documents are SaudiNewsNet articles (`../shared/data/saudinewsnet/`); past the
31k real articles, more are made of random sentences of the real ones. A tenth of
the documents get a near-duplicate copy (base articles that are near-duplicates of each
other at Jaccard 0.3 are left out first, so that the labels are the only near-duplicates),
made by one or more desk edits: 2-10% of the
words replaced or deleted, diacritics added or removed, sentences reordered, a
paragraph added. Each line is {"id", "text", "outlet", "group"} (and "shares": the ids
of documents it took a passage from): documents with the same "group" are known
near-duplicates of each other. Without the shared data, the bundled
fixtures serve as base text (for the smoke test).
"""

from __future__ import annotations

import argparse
import json
import random
import re
from collections.abc import Iterator
from pathlib import Path

from common import OUT, ROOT, SHARED_DATA, saudinewsnet

HARAKAT = "\u064e\u064f\u0650\u0651\u0652"


def base_texts(limit: int) -> list[tuple[str, str]]:
    """(outlet, text) of real articles; the fixtures when the shared data is absent."""
    if (SHARED_DATA / "saudinewsnet").exists():
        seen, out = set(), []
        for item in saudinewsnet(limit):
            text = item["content"].strip()
            if len(text.split()) >= 60 and text not in seen:
                seen.add(text)
                out.append((item["source"], text))
        return out
    files = sorted((ROOT / "fixtures" / "seeds").glob("*.txt"))
    files += sorted((ROOT / "fixtures" / "other").glob("*.txt"))
    return [(p.stem, p.read_text(encoding="utf-8")) for p in files]


def dissimilar(texts: list[tuple[str, str]], threshold: float = 0.3) -> list[tuple[str, str]]:
    """Leave out every article whose exact word-3-gram Jaccard with an earlier one reaches
    `threshold` (real reuse in the base would be unlabelled near-duplicates)."""
    from dedup.config import DedupConfig
    from dedup.pipeline import find_pairs, prepare_batch
    from dedup.types import Doc

    cfg = DedupConfig.build(threshold=threshold, passages=False)
    prepared = prepare_batch([Doc(str(i), t) for i, (_, t) in enumerate(texts)], cfg)
    drop = {max(i, j) for i, j, _, _ in find_pairs(prepared, cfg)}
    return [x for i, x in enumerate(texts) if i not in drop]


def edit(text: str, rng: random.Random, vocab: list[str]) -> str:
    """One to three desk edits of `text`."""
    kinds = rng.sample(["words", "diacritics", "reorder", "paragraph"], k=rng.randint(1, 3))
    for kind in kinds:
        if kind == "words":
            words = text.split(" ")
            share = rng.uniform(0.02, 0.10)
            for i in rng.sample(range(len(words)), k=max(1, int(len(words) * share))):
                words[i] = rng.choice(vocab) if rng.random() < 0.7 else ""
            text = " ".join(w for w in words if w)
        elif kind == "diacritics":
            if any(h in text for h in HARAKAT):
                text = "".join(c for c in text if c not in HARAKAT)
            else:
                text = "".join(
                    c
                    + (
                        rng.choice(HARAKAT)
                        if "\u0621" <= c <= "\u064a" and rng.random() < 0.3
                        else ""
                    )
                    for c in text
                )
        elif kind == "reorder":
            sents = [s for s in text.replace("\n", " ").split(". ") if s]
            if len(sents) > 2:
                i = rng.randrange(len(sents) - 1)
                sents[i], sents[i + 1] = sents[i + 1], sents[i]
            text = ". ".join(sents)
        else:
            words = rng.sample(vocab, k=min(len(vocab), 40))
            text = text + "\n\n" + " ".join(words) + "."
    return text


def sentences(text: str) -> list[str]:
    """The sentences of `text` with 6 to 50 words (an article written as one long
    sentence would otherwise be copied whole)."""
    out = []
    for para in text.replace("\r", "").split("\n"):
        for sent in re.split(r"(?<=[.!?؟])\s+", para):
            if 6 <= len(sent.split()) <= 50:
                out.append(sent.strip())
    return out


def mixed(rng: random.Random, pool: list[str], words: int) -> str:
    """A text of about `words` words: random sentences of the pool in paragraphs."""
    paras, para, count = [], [], 0
    while count < words:
        sent = rng.choice(pool)
        para.append(sent)
        count += len(sent.split())
        if len(para) >= rng.randint(2, 4):
            paras.append(" ".join(para))
            para = []
    if para:
        paras.append(" ".join(para))
    return "\n\n".join(paras)


def generate(
    n: int, seed: int = 0, dup_share: float = 0.1, passage_share: float = 0.05
) -> Iterator[dict[str, object]]:
    """`n` documents, about `dup_share` of which are near-duplicate copies.

    Originals are real articles first, then texts of about 300 words made of random
    sentences of the real articles (two such texts share a sentence rarely, five
    practically never). About `passage_share` of the originals take in a passage (two
    or three consecutive sentences) of an earlier original; their "shares" field names
    it: known shared passages between otherwise different documents.
    """
    rng = random.Random(seed)
    base = dissimilar(base_texts(max(50, int(n * (1 - dup_share) * 1.2) + 10)))
    vocab = sorted({w for _, t in base[:2000] for w in t.split() if len(w) > 2})
    pool = sorted({x for _, t in base for x in sentences(t)})
    originals: list[tuple[str, str, str, str]] = []
    made = 0
    k = 0
    while made < n:
        if originals and rng.random() < dup_share:
            gid, outlet, text, _ = rng.choice(originals)
            yield {"id": f"d{made}", "text": edit(text, rng, vocab), "outlet": outlet, "group": gid}
        else:
            if k < len(base):
                outlet, text = base[k]
            else:
                outlet = f"mixed{k % 14}"
                text = mixed(rng, pool, rng.randint(250, 350))
            k += 1
            rec: dict[str, object] = {"id": f"d{made}", "outlet": outlet, "group": f"g{made}"}
            if originals and rng.random() < passage_share:
                _, _, source_text, source_id = rng.choice(originals)
                sents = sentences(source_text)
                if len(sents) >= 3:
                    at = rng.randrange(len(sents) - 2)
                    passage = " ".join(sents[at : at + rng.randint(2, 3)])
                    paras = text.split("\n\n")
                    paras.insert(rng.randint(0, len(paras)), passage)
                    text = "\n\n".join(paras)
                    rec["shares"] = [source_id]
            rec["text"] = text
            originals.append((str(rec["group"]), outlet, text, f"d{made}"))
            yield rec
        made += 1


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--docs", type=int, default=10_000)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("-o", "--output", type=Path, default=None)
    args = ap.parse_args()
    out = args.output or OUT / f"corpus-{args.docs}.jsonl"
    out.parent.mkdir(parents=True, exist_ok=True)
    with out.open("w", encoding="utf-8") as fh:
        for rec in generate(args.docs, args.seed):
            fh.write(json.dumps(rec, ensure_ascii=False) + "\n")
    print(out)


if __name__ == "__main__":
    main()
