"""A paragraph spliced into an unrelated text, lightly edited, is found with offsets
covering it (issue: wire-copy passages, must-have 8)."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from dedup.config import DedupConfig
from dedup.pipeline import run
from dedup.types import Doc
from tests.conftest import FIXTURES

SEED = (FIXTURES / "seeds" / "004_e53b32e58dc53caf.txt").read_text(encoding="utf-8")
PARAGRAPHS = [p for p in SEED.split("\n\n") if len(p.split()) >= 25]
HOST_WORDS = (FIXTURES / "other" / "unrelated_football.txt").read_text(encoding="utf-8").split()


def edit(words: list[str], ops: list[tuple[int, int]]) -> list[str]:
    """Apply up to a handful of deletions (0) and substitutions (1) at positions."""
    out = list(words)
    for pos, kind in ops:
        i = pos % len(out)
        if kind == 0 and len(out) > 20:
            del out[i]
        else:
            out[i] = "كلمة"
    return out


@settings(max_examples=25, deadline=None)
@given(
    paragraph=st.sampled_from(PARAGRAPHS),
    ops=st.lists(st.tuples(st.integers(0, 10_000), st.integers(0, 1)), max_size=3),
    before=st.integers(40, 120),
    after=st.integers(0, 120),
    shuffle=st.randoms(use_true_random=False),
)
def test_spliced_paragraph_is_found(
    paragraph: str, ops: list[tuple[int, int]], before: int, after: int, shuffle
) -> None:
    host = list(HOST_WORDS)
    shuffle.shuffle(host)
    edited = " ".join(edit(paragraph.split(), ops))
    head = " ".join(host[:before]) + ".\n\n"
    text = head + edited + "\n\n" + " ".join(host[before : before + after]) + "."
    start, end = len(head), len(head) + len(edited)
    docs = [Doc("host", text), Doc("source", SEED)]
    report = run(docs, DedupConfig())
    assert report.passages is not None
    hits = [p for p in report.passages.passages if p.a == "host"]
    assert hits, "spliced paragraph not found"
    covered = max(min(p.a_end, end) - max(p.a_start, start) for p in hits)
    assert covered >= 0.8 * (end - start)
    src_start = SEED.index(paragraph)
    best = max(hits, key=lambda p: min(p.a_end, end) - max(p.a_start, start))
    assert best.b_start < src_start + len(paragraph) and src_start < best.b_end
