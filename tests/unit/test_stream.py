"""The streaming document-level scan: the same report as `run`, bounded memory, spill files."""

from __future__ import annotations

import json
import random
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from dedup import stream
from dedup.arrays import distinct
from dedup.attribution import ChromeCounter
from dedup.cli import app
from dedup.config import DedupConfig
from dedup.errors import InputError
from dedup.io import Piece, ReadLog
from dedup.lsh import band_keys, banding
from dedup.pipeline import prepare
from dedup.report import to_csv, to_json, to_table
from dedup.sketch import signature
from dedup.types import Doc
from tests.conftest import FIXTURES

CHROME = "تابعونا على تويتر وفيسبوك للمزيد من الأخبار العاجلة"


def corpus(n: int = 120, seed: int = 7) -> list[Doc]:
    """Fixture texts cut and mixed into `n` documents of three outlets, each outlet
    ending its pages with the same chrome line, a fifth of them edited copies."""
    rng = random.Random(seed)
    words = " ".join(p.read_text(encoding="utf-8") for p in sorted(FIXTURES.rglob("*.txt"))).split()
    docs: list[Doc] = []
    for i in range(n):
        outlet = f"outlet{i % 3}"
        if docs and rng.random() < 0.2:
            base = rng.choice(docs)
            text = base.text.split()
            for k in rng.sample(range(len(text)), k=len(text) // 20):
                text[k] = rng.choice(words)
            body = " ".join(text)
        else:
            start = rng.randrange(len(words) - 120)
            body = " ".join(words[start : start + rng.randint(60, 120)]) + "\n" + CHROME
        docs.append(Doc(f"d{i:03d}", body, outlet=outlet, date=f"2016-01-{1 + i % 28:02d}"))
    rng.shuffle(docs)
    return docs


@pytest.mark.parametrize("workers", [1, 2])
def test_stream_gives_the_report_of_run(workers: int) -> None:
    from dedup.pipeline import run

    docs = corpus()
    cfg = DedupConfig.build(passages=False)
    expected = run(docs, cfg)
    got = stream.scan(lambda: stream.pieces_of(docs, 17), cfg, workers=workers)
    assert expected.pairs, "the corpus must hold near-duplicates"
    assert to_json(got) == to_json(expected)
    assert to_csv(got) == to_csv(expected)
    assert to_table(got) == to_table(expected)
    # The chrome line was found and kept out of matching.
    assert any(a.kind == "boilerplate" for d in docs for a in got.attribution[d.id])


def test_spill_files_follow_the_documented_format(tmp_path: Path) -> None:
    docs = corpus(40)
    cfg = DedupConfig.build(passages=False)
    spill = tmp_path / "spill"
    stream.scan(lambda: stream.pieces_of(docs, 9), cfg, workers=1, spill_dir=spill)
    meta = json.loads((spill / "meta.json").read_text())
    band = banding(cfg.lsh)
    assert meta["format"] == "dedup-spill" and meta["version"] == 1
    assert (meta["documents"], meta["bands"], meta["rows"]) == (40, band.bands, band.rows)
    ids = [json.loads(line) for line in (spill / "ids.jsonl").read_text().splitlines()]
    assert ids == [d.id for d in docs]
    offsets = np.fromfile(spill / "offsets.i64", dtype="<i8")
    shingles = np.fromfile(spill / "shingles.u64", dtype="<u8")
    bands = np.fromfile(spill / "bands.u64", dtype="<u8").reshape(40, band.bands)
    assert offsets[0] == 0 and offsets[-1] == len(shingles)
    files = ["bands.u64", "ids.jsonl", "meta.json", "offsets.i64", "shingles.u64"]
    assert sorted(f.name for f in spill.iterdir()) == files  # no workers' parts left
    # Each document's chrome is only known from all of them: prepare it the same way.
    from dedup.attribution import recurring_lines

    chrome = recurring_lines([(d.text, d.outlet) for d in docs])
    for k in (0, 17, 39):
        p = prepare(docs[k], cfg, chrome.get(docs[k].outlet or ""))
        assert np.array_equal(distinct(shingles[offsets[k] : offsets[k + 1]]), p.shingles)
        keys = band_keys(signature(p.shingles, cfg.lsh)[None, :], band)[0]
        assert np.array_equal(bands[k], keys)


def test_cli_refuses_a_spill_dir_that_holds_files(tmp_path: Path) -> None:
    (tmp_path / "old.txt").write_text("x")
    result = CliRunner().invoke(
        app, ["scan", str(FIXTURES), "--no-passages", "--spill-dir", str(tmp_path), "-q"]
    )
    assert result.exit_code == 1
    assert "new or empty folder" in result.output
    assert (tmp_path / "old.txt").read_text() == "x"


def test_cli_streams_stdin_twice_and_reports_skipped_records_once(tmp_path: Path) -> None:
    lines = [json.dumps({"id": d.id, "text": d.text, "outlet": d.outlet}) for d in corpus(30)]
    lines.insert(5, "{not json")
    args = ["scan", "-", "--no-passages", "-f", "json", "--errors", "skip", "--workers", "2"]
    proc = subprocess.run(
        [sys.executable, "-m", "dedup", *args],
        input="\n".join(lines) + "\n",
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    report = json.loads(proc.stdout)
    assert len(report["documents"]) == 30
    assert proc.stderr.count("<stdin>:6") == 1, proc.stderr


def test_a_repeated_id_left_out_does_not_count_towards_chrome() -> None:
    from dedup.pipeline import run

    line = "زوروا موقعنا كل يوم"
    body = "خبر رقم {} عن موضوع مختلف تماما ولا يشبه غيره في شيء يذكر"
    docs = [
        Doc(f"d{i}", body.format(i) + ("\n" + line if i < 2 else ""), outlet="site")
        for i in range(6)
    ]
    again = Doc("d5", body.format(99) + "\n" + line, outlet="site")  # a third with the line
    log = ReadLog()
    got = stream.scan(
        lambda: stream.pieces_of([*docs, again], 100),
        DedupConfig.build(passages=False),
        errors="skip",
        log=log,
        workers=1,
    )
    assert len(log.skipped) == 1 and "duplicate id" in log.skipped[0]
    assert to_json(got) == to_json(run(docs, DedupConfig.build(passages=False)))
    assert not any(a.kind == "boilerplate" for d in docs for a in got.attribution[d.id])


@pytest.mark.parametrize(("documents", "band_cells"), [(10, 1 << 22), (1000, 2000), (10, 1)])
@pytest.mark.parametrize("workers", [1, 2, 3])
def test_band_shares_cover_every_band_once(
    documents: int, band_cells: int, workers: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(stream, "BAND_CELLS", band_cells)
    shares = stream._band_shares(documents, 32, workers)
    assert [b for lo, hi in shares for b in range(lo, hi)] == list(range(32))
    assert len(shares) >= min(32, 2 * workers)  # every worker has work
    assert all((hi - lo) * documents <= max(band_cells, documents) for lo, hi in shares)


def test_stream_with_one_band_per_share_gives_the_report_of_run(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from dedup.pipeline import run

    monkeypatch.setattr(stream, "BAND_CELLS", 1)  # a share per band
    docs = corpus(60)
    cfg = DedupConfig.build(passages=False)
    got = stream.scan(lambda: stream.pieces_of(docs, 17), cfg, workers=1)
    assert got.pairs
    assert to_json(got) == to_json(run(docs, cfg))


@pytest.mark.parametrize("kernel_copy", ["yes", "refused", "absent"])
def test_spill_leaves_out_the_shingles_of_records_left_out(
    tmp_path: Path, kernel_copy: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Workers write each piece's shingles to a part file; the main process copies the
    documents it keeps (here all but a repeated id) into shingles.u64, by the kernel or,
    where the file system cannot or the system has no such call (macOS), through a
    buffer."""
    if kernel_copy == "refused":

        def refuse(*args: object) -> int:
            raise OSError(18, "Invalid cross-device link")

        monkeypatch.setattr(stream.os, "copy_file_range", refuse)
    elif kernel_copy == "absent":
        monkeypatch.delattr(stream.os, "copy_file_range", raising=False)
    docs = corpus(40)
    repeated = Doc(docs[3].id, docs[30].text + " زيادة", outlet=docs[30].outlet)
    given = [*docs[:20], repeated, *docs[20:]]
    cfg = DedupConfig.build(passages=False)
    spill = tmp_path / "spill"
    log = ReadLog()
    stream.scan(
        lambda: stream.pieces_of(given, 9), cfg, workers=1, spill_dir=spill, errors="skip", log=log
    )
    assert len(log.skipped) == 1
    ids = [json.loads(line) for line in (spill / "ids.jsonl").read_text().splitlines()]
    assert ids == [d.id for d in docs]
    offsets = np.fromfile(spill / "offsets.i64", dtype="<i8")
    shingles = np.fromfile(spill / "shingles.u64", dtype="<u8")
    from dedup.attribution import recurring_lines

    chrome = recurring_lines([(d.text, d.outlet) for d in docs])
    for k, d in enumerate(docs):
        p = prepare(d, cfg, chrome.get(d.outlet or ""))
        assert np.array_equal(distinct(shingles[offsets[k] : offsets[k + 1]]), p.shingles)
    assert offsets[-1] == len(shingles)


def test_a_spill_that_cannot_be_written_is_an_input_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A full disk under the spill: one message naming it, not a traceback."""

    def full(*args: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(stream, "_copy", full)
    cfg = DedupConfig.build(passages=False)
    with pytest.raises(InputError, match="cannot write the spill: No space left on device"):
        stream.scan(lambda: stream.pieces_of(corpus(20), 9), cfg, workers=1, spill_dir=tmp_path)


def test_a_few_pieces_are_scanned_in_this_process_by_default(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Worker processes start slowly: an input of `FEW_PIECES` pieces or fewer is
    scanned without them, unless workers are asked for; the report is the same."""
    asked: list[int] = []
    real = stream._pool

    def pool(workers: int, cfg: DedupConfig, fields: object) -> object:
        asked.append(workers)
        return real(1, cfg, fields)  # type: ignore[arg-type]

    monkeypatch.setattr(stream, "_pool", pool)
    monkeypatch.setattr(stream.os, "cpu_count", lambda: 3)
    docs = corpus(40)
    cfg = DedupConfig.build(passages=False)
    few = stream.scan(lambda: stream.pieces_of(docs, 20), cfg)  # two pieces
    many = stream.scan(lambda: stream.pieces_of(docs, 13), cfg)  # four
    asked_for = stream.scan(lambda: stream.pieces_of(docs, 20), cfg, workers=2)
    assert stream.FEW_PIECES == 2
    assert asked == [1, 3, 2]
    assert to_json(few) == to_json(many) == to_json(asked_for)


def test_scan_leaves_its_records_out_of_garbage_collection_until_it_ends(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Each piece's records are frozen once taken in (`forked.freeze_more`); nothing
    is left frozen afterwards."""
    import gc

    from dedup import forked

    counts: list[int] = []
    real = forked.freeze_more

    def spy() -> None:
        real()
        counts.append(gc.get_freeze_count())

    monkeypatch.setattr(forked, "freeze_more", spy)
    docs = corpus(40)
    cfg = DedupConfig.build(passages=False)
    before = gc.get_freeze_count()
    report = stream.scan(lambda: stream.pieces_of(docs, 9), cfg, workers=1)
    assert len(counts) == 2 * 5  # each of five pieces, in either pass
    assert all(n > 0 for n in counts)  # (frozen objects freed meanwhile leave the count)
    assert gc.get_freeze_count() == before == 0
    assert report.pairs
    forked.freeze_more()  # outside a scan: nothing
    assert gc.get_freeze_count() == 0


def _jsonl(path: Path, docs: list[Doc]) -> None:
    path.write_text(
        "".join(
            json.dumps(
                {"id": d.id, "text": d.text, "outlet": d.outlet, "date": d.date}, ensure_ascii=False
            )
            + "\n"
            for d in docs
        ),
        encoding="utf-8",
    )


def test_ranges_of_a_file_are_taken_again_without_reading_the_input_twice(
    tmp_path: Path,
) -> None:
    from dedup.io import read_pieces

    docs = corpus(40)
    path = tmp_path / "in.jsonl"
    _jsonl(path, docs)
    calls: list[str] = []

    def read_file() -> Iterator[Piece]:
        calls.append("file")
        return read_pieces([str(path)], size=9)

    def at_hand() -> Iterator[Piece]:
        calls.append("docs")
        return stream.pieces_of(docs, 9)

    cfg = DedupConfig.build(passages=False)
    from_file = stream.scan(read_file, cfg, workers=1)
    from_docs = stream.scan(at_hand, cfg, workers=1)
    assert calls == ["file", "docs", "docs"]  # records at hand are given again
    assert from_file.pairs == from_docs.pairs and from_file.clusters == from_docs.clusters
    assert from_file.attribution == from_docs.attribution


def test_a_file_cut_short_between_the_passes_is_an_input_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from dedup.io import read_pieces

    docs = corpus(40)
    path = tmp_path / "in.jsonl"
    _jsonl(path, docs)
    real = ChromeCounter.lines

    def cut(self: ChromeCounter) -> dict[str, set[str]]:  # between the two passes
        path.write_bytes(path.read_bytes()[:1000])
        return real(self)

    monkeypatch.setattr(ChromeCounter, "lines", cut)
    cfg = DedupConfig.build(passages=False)
    with pytest.raises(InputError, match="changed while it was read"):
        stream.scan(lambda: read_pieces([str(path)], size=9), cfg, workers=1)


def test_a_scan_in_this_process_lets_go_of_its_spill() -> None:
    """The spill's files are removed at the end: no memory map of them may outlive the
    scan in this process (it would keep the disk space of a deleted file)."""
    docs = corpus(40)
    stream.scan(lambda: stream.pieces_of(docs, 9), DedupConfig.build(passages=False), workers=1)
    assert not stream._STATE


@pytest.mark.parametrize("second", ["fewer records", "fewer pieces", "more pieces"])
def test_records_given_differently_the_second_time_are_an_input_error(second: str) -> None:
    """The second pass takes the first pass's checks piece by piece: input that changed
    in between is refused, not matched against the wrong decisions."""
    docs = corpus(40)
    again = {
        "fewer records": docs[:-3],  # the last piece shorter
        "fewer pieces": docs[:27],
        "more pieces": [*docs, *corpus(12, seed=8)],
    }[second]
    calls: list[int] = []

    def read() -> Iterator[Piece]:
        calls.append(1)
        return stream.pieces_of(docs if len(calls) == 1 else again, 9)

    with pytest.raises(InputError, match="changed while it was read"):
        stream.scan(read, DedupConfig.build(passages=False), workers=1)


def test_the_kept_documents_of_a_piece_are_runs_of_its_part_file() -> None:
    """Leaving documents out cuts the part file into one byte range per run of kept
    documents (each copied at once), not one per document."""
    part = stream._Prepared(
        [Doc(f"d{k}", "x") for k in range(5)],
        [1] * 5,
        np.array([2, 3, 4, 5, 6], dtype=np.int64),
        "part",
        [(0, 8 * 20)],
        np.zeros((5, 2), dtype=np.uint64),
        [1] * 5,
        [()] * 5,
    )
    kept = part.only(np.array([True, True, False, True, True]))
    assert [d.id for d in kept.docs] == ["d0", "d1", "d3", "d4"]
    assert kept.ranges == [(0, 8 * 5), (8 * 9, 8 * 20)]
    assert kept.lengths.tolist() == [2, 3, 5, 6]
    assert part.only(np.array([False, True, False, False, True])).ranges == [
        (8 * 2, 8 * 5),
        (8 * 14, 8 * 20),
    ]
    assert part.only(np.array([True, True, True, True, True])) is part
    none = part.only(np.zeros(5, dtype=bool))  # every id of the piece seen before
    assert (none.docs, none.ranges, none.lengths.tolist()) == ([], [], [])
