"""Growing passages several sentences ahead finds what growing one at a time finds."""

from __future__ import annotations

import pytest

import dedup.align as align_stage
import dedup.passages as passage_stage
from dedup.config import DedupConfig
from dedup.io import read_docs
from dedup.pipeline import run
from dedup.types import Doc
from tests.conftest import FIXTURES


def _found(docs: list[Doc]) -> list[tuple[object, ...]]:
    """The passages `run` finds among the documents, in one process."""
    report = run(docs, DedupConfig(), workers=1)
    assert report.passages is not None
    return [
        (p.a, p.a_start, p.a_end, p.b, p.b_start, p.b_end, p.weight, p.a_diff, p.b_diff)
        for p in report.passages.passages
    ]


def _passages() -> list[tuple[object, ...]]:
    return _found(list(read_docs([str(FIXTURES / "seeds"), str(FIXTURES / "copies")])))


def test_growing_ahead_and_merged_batches_change_no_passage(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    rounds: list[int] = []
    real = passage_stage._next_parts

    def spy(*args: object) -> object:
        rounds.append(int(args[-1]))  # type: ignore[call-overload]
        return real(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(passage_stage, "_next_parts", spy)
    ahead = _passages()
    assert max(rounds) > 1  # some rounds did grow ahead
    assert len(ahead) > 5
    rounds.clear()
    monkeypatch.setattr(passage_stage, "SPECULATE_TASKS", 0)  # one sentence per round
    monkeypatch.setattr(align_stage, "_BATCH_COST", 0)  # no batches merged
    monkeypatch.setattr(align_stage, "_ROW_COST", 0)
    assert _passages() == ahead
    assert max(rounds) == 1


def test_alignments_kept_for_the_extension_change_no_passage(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    reused = []
    real = passage_stage._aligned

    def spy(tokens, rows, least, memo=None):  # type: ignore[no-untyped-def]
        if memo is not None:
            reused.extend(r for r in map(tuple, rows.tolist()) if r in memo)
        return real(tokens, rows, least, memo)

    monkeypatch.setattr(passage_stage, "_aligned", spy)
    kept = _passages()
    assert reused  # the extension did take alignments from the memo

    def no_memo(tokens, rows, least, memo=None):  # type: ignore[no-untyped-def]
        return real(tokens, rows, least, None)

    monkeypatch.setattr(passage_stage, "_aligned", no_memo)
    assert _passages() == kept


def test_new_words_computed_in_processes_have_the_same_features(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    words = [
        "قال",
        "المتحدث",
        "باسم",
        "البيت",
        "الأبيض",
        "جوش",
        "إرنست",
        "إن",
        "الوزيرين",
        "ناقشا",
        "وقف",
        "إطلاق",
        "النار",
    ]
    words += ["the", "talks", "in", "Geneva", "ended", "quoted", "quoting", "كيري", "لافروف"]
    monkeypatch.setattr(passage_stage, "PARALLEL_MIN_WORDS", 1)  # every batch in processes
    got = passage_stage.features_of([*words, *words[:5]], workers=2)
    assert got == [passage_stage.word_features(w) for w in [*words, *words[:5]]]
    assert passage_stage.features_of(["كيري"]) == [passage_stage.word_features("كيري")]
    # (What is remembered between batches, and its bound: the feature table's test in
    # test_regions.py.)


def test_sentences_of_many_tokens_at_once() -> None:
    import numpy as np

    from dedup.pipeline import _passage_docs, prepare_batch

    docs = list(read_docs([str(FIXTURES / "seeds"), str(FIXTURES / "copies")]))
    pds = _passage_docs(prepare_batch(docs, DedupConfig()), DedupConfig())
    tokens = passage_stage._Tokens(pds)
    asked = [(d, t) for d, pd in enumerate(pds) for t in range(len(pd.seq))]
    doc = np.array([d for d, _ in asked])
    tok = np.array([t for _, t in asked])
    got = tokens.sentences_of(doc, tok).tolist()
    assert got == [pds[d].sentence_of(t) for d, t in asked]
    assert len(set(zip(doc.tolist(), got, strict=True))) > 20  # many sentences, not one


def _mixed() -> list[tuple[object, ...]]:
    """Passages among articles made of halves of the seed articles: pairs sharing a
    stretch of many sentences (a seed per sentence pair, most inside the first chain)."""
    texts = [d.text for d in read_docs([str(FIXTURES / "seeds")])]
    halves = [(t[: len(t) // 2], t[len(t) // 2 :]) for t in texts]
    docs = [
        Doc(f"m{i}{j}", halves[i][0] + "\n\n" + halves[j][1])
        for i in range(len(texts))
        for j in range(len(texts))
        if i != j
    ]
    return _found(docs)


def test_several_seeds_grown_at_once_give_the_same_chains(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Each pair growing its next seeds together (and dropping a chain whose seed the
    chains before it reached) grows exactly the chains of one seed at a time."""
    got: list[dict[object, object]] = []
    started: list[int] = []
    real_chains, real_extend = passage_stage._chains, passage_stage._extend

    def chains(*args: object) -> object:
        found = real_chains(*args)  # type: ignore[arg-type]
        got.append(
            {
                pair: [
                    [
                        (p.oa, p.ob, p.al.a_start, p.al.a_end, p.al.b_start, p.al.b_end)
                        for p in c.parts
                    ]
                    for c in cs
                ]
                for pair, cs in found.items()
            }
        )
        return found

    def extend(tokens, growing, cfg, memo):  # type: ignore[no-untyped-def]
        started.append(len(growing))
        return real_extend(tokens, growing, cfg, memo)

    monkeypatch.setattr(passage_stage, "_chains", chains)
    monkeypatch.setattr(passage_stage, "_extend", extend)
    together = _mixed()
    kept = sum(len(cs) for cs in got[-1].values())  # type: ignore[attr-defined]
    assert sum(started) > kept  # some chains grown at once were dropped
    monkeypatch.setattr(passage_stage, "SEED_TASKS", 1)  # one seed per pair at a time
    started.clear()
    assert _mixed() == together
    assert got[-1] == got[-2]
    assert sum(started) == kept


def _part(a0: int, a1: int, weight: float) -> passage_stage._Part:
    """A part aligning tokens [a0, a1) of both documents."""
    import numpy as np

    from dedup.align import Alignment

    idx = np.arange(a0, a1, dtype=np.int64)
    return passage_stage._Part(0, 0, Alignment(a0, a1, a0, a1, a1 - a0, idx, idx, a1 - a0), weight)


@pytest.mark.parametrize("ahead", [1, 1024])
def test_a_chain_is_dropped_only_when_its_seed_lies_inside_an_earlier_one(
    ahead: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The heaviest seed grows first; a seed inside it starts no chain (or, grown at
    once beside it, is dropped); a seed outside it keeps its chain even when that chain
    grew back into the first one (its first part then lies inside the first chain)."""
    first, inner, outer = _part(10, 20, 9.0), _part(14, 16, 3.0), _part(30, 40, 5.0)
    back = _part(12, 18, 1.0)  # where the outer seed's chain grows back to

    def extend(tokens, growing, cfg, memo):  # type: ignore[no-untyped-def]
        for _, chain in growing:
            if chain.parts[0] is outer:
                chain.parts.insert(0, back)

    monkeypatch.setattr(passage_stage, "_extend", extend)
    monkeypatch.setattr(passage_stage, "SEED_TASKS", ahead)
    found = passage_stage._chains(
        None,  # type: ignore[arg-type]  # the fake growth step reads no tokens
        {(0, 1): [first, outer, inner]},
        DedupConfig().passage,
        {},
    )
    assert [c.parts for c in found[(0, 1)]] == [[first], [back, outer]]


def test_unknown_words_are_estimated_and_absorbed_words_are_known(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The estimate of words the feature table lacks is exact when every text is
    sampled and scales a sample up otherwise; words absorbed from a look-up ahead
    (also when some are known already) are in the table with their own features."""
    import numpy as np

    from dedup.config import ShingleConfig
    from dedup.normalise import normalise_batch
    from dedup.shingle import tokenise_batch

    monkeypatch.setattr(passage_stage, "_TABLE", passage_stage._empty_table())
    texts = [d.text for d in read_docs([str(FIXTURES / "seeds"), str(FIXTURES / "copies")])]
    norms = normalise_batch(texts)
    cfg = ShingleConfig()
    hashes = {h for t in tokenise_batch(norms, cfg) for h in t.hashes.tolist()}
    assert len(norms) <= passage_stage.AHEAD_SAMPLE
    assert passage_stage._unknown_words(norms, cfg) == len(hashes)
    monkeypatch.setattr(passage_stage, "AHEAD_SAMPLE", 4)
    step = len(norms) // 4
    sampled = {h for t in tokenise_batch(norms[::step], cfg) for h in t.hashes.tolist()}
    want = len(sampled) * len(norms) // len(norms[::step])
    assert passage_stage._unknown_words(norms, cfg) == want
    some, every = passage_stage._words_of(norms[:3], cfg), passage_stage._words_of(norms, cfg)
    passage_stage._absorb(some)  # some words first
    first = len(passage_stage._TABLE.keys)
    assert 0 < first < len(hashes)
    passage_stage._absorb(every)  # then all, some of them known by now ...
    table = passage_stage._TABLE
    assert len(table.keys) == len(hashes) and (np.diff(table.keys) > 0).all()
    assert passage_stage._unknown_words(norms, cfg) == 0
    again = passage_stage._words_of(norms[:3], cfg)  # ... and known words are skipped
    assert not len(again.keys)
    # Every word's features are its own, as `word_features` gives them.
    tokens = tokenise_batch(norms, cfg)
    for norm, toks in zip(norms[:4], tokens[:4], strict=True):
        spans = zip(toks.starts.tolist(), toks.ends.tolist(), strict=True)
        for h, (s, e) in zip(toks.hashes.tolist(), spans, strict=True):
            row = int(np.searchsorted(table.keys, np.uint64(h)))
            a, n = int(table.stem_start[row]), int(table.stem_len[row])
            st, stem_h, skel_h, content = passage_stage.word_features(norm.text[s:e])
            assert table.codes[a : a + n].tobytes().decode("utf-32-le") == st
            assert table.feats[row].tolist() == [stem_h, skel_h, int(content)]
