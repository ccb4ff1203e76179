from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from dedup.config import DedupConfig, LSHConfig, ShingleConfig
from dedup.normalise import normalise
from dedup.pipeline import run
from dedup.report import to_json
from dedup.shingle import shingles, tokenise
from dedup.sketch import estimate_jaccard, signature
from dedup.types import Doc
from dedup.verify import overlap
from tests.conftest import ROOT
from tests.strategies import any_text, news_text, words_list


@given(st.one_of(any_text, news_text))
def test_normalise_is_idempotent(text: str) -> None:
    once = normalise(text).text
    assert normalise(once).text == once


@given(st.one_of(any_text, news_text))
def test_offset_map_is_monotone_and_complete(text: str) -> None:
    n = normalise(text)
    assert len(n.offsets) == len(n.text) + 1
    assert int(n.offsets[-1]) == len(text)
    assert np.all(np.diff(n.offsets) >= 0)
    assert np.all(n.offsets[:-1] < max(1, len(text)))


@given(news_text)
def test_offset_map_returns_the_original_span_of_every_token(text: str) -> None:
    n = normalise(text)
    toks = tokenise(n, ShingleConfig())
    for s, e in zip(toks.starts.tolist(), toks.ends.tolist(), strict=True):
        os_, oe = n.original_span(s, e)
        assert normalise(text[os_:oe]).text == n.text[s:e]


@given(words_list, st.integers(0, 40), st.integers(0, 40))
def test_minhash_estimate_within_expected_error(words: list[str], cut_a: int, cut_b: int) -> None:
    cfg = ShingleConfig(size=1)
    a = shingles(normalise(" ".join(words[cut_a % len(words) :])), cfg)
    b = shingles(normalise(" ".join(words[: len(words) - cut_b % len(words)])), cfg)
    exact = overlap(a, b)[0]
    lsh = LSHConfig(num_perm=256)
    est = estimate_jaccard(signature(a, lsh), signature(b, lsh))
    bound = 5 * np.sqrt(exact * (1 - exact) / 256) + 1 / 256
    assert abs(est - exact) <= bound


@given(news_text.filter(lambda t: len(normalise(t).text.split()) >= 4), st.integers(2, 4))
def test_identical_documents_always_cluster(text: str, copies: int) -> None:
    docs = [Doc(f"d{i}", text) for i in range(copies)] + [
        Doc("z", "unrelated words here entirely other")
    ]
    report = run(docs, DedupConfig.build(threshold=0.9, shingle_size=1))
    if len(shingles(normalise(text), ShingleConfig(size=1))):
        members = {d for c in report.clusters for d in c.documents}
        assert {f"d{i}" for i in range(copies)} <= members
        assert len(report.clusters) == 1


@given(st.permutations(list(range(6))))
def test_report_does_not_depend_on_input_order(order: list[int]) -> None:
    base = "the same wire story about talks in moscow between the two ministers today"
    texts = [
        base,
        base + " extra",
        "other text entirely about football and weather",
        base,
        "another unrelated item on markets",
        base.replace("today", "yesterday"),
    ]
    docs = [Doc(f"d{i}", texts[i]) for i in range(6)]
    cfg = DedupConfig.build(threshold=0.5)
    assert to_json(run([docs[i] for i in order], cfg)) == to_json(run(docs, cfg))


def test_output_is_byte_identical_across_processes() -> None:
    code = (
        "import sys; from dedup.io import read_docs; from dedup.pipeline import run;"
        "from dedup.config import DedupConfig; from dedup.report import to_json;"
        "sys.stdout.write(to_json(run(list(read_docs(['fixtures'])), DedupConfig())))"
    )
    outs = [
        subprocess.run(
            [sys.executable, "-c", code],
            capture_output=True,
            check=True,
            cwd=ROOT,
            env={"PYTHONHASHSEED": str(seed), "PATH": ""},
            text=True,
        ).stdout
        for seed in (1, 2)
    ]
    assert outs[0] == outs[1]
    assert json.loads(outs[0])["clusters"]
