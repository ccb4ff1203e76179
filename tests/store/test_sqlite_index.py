from __future__ import annotations

import json
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from dedup.cli import app
from dedup.config import DedupConfig
from dedup.errors import IndexStoreError
from dedup.io import read_docs
from dedup.pipeline import index_items
from dedup.store import IndexParams, open_store
from dedup.store.sqlite import create_store
from dedup.types import Doc
from tests.conftest import FIXTURES, ROOT

runner = CliRunner()


def make(tmp_path: Path, **kw: object) -> Path:
    folder = tmp_path / "idx"
    create_store(str(folder), IndexParams.from_config(DedupConfig.build(**kw))).close()  # type: ignore[arg-type]
    return folder


def test_add_then_query_finds_copies_and_skips_duplicates(tmp_path: Path) -> None:
    folder = make(tmp_path)
    store = open_store(str(folder))
    seeds = list(read_docs([str(FIXTURES / "seeds")]))
    items = index_items(store, seeds, store_items=True)
    assert [i.status for i in items] == ["new", "shares", "new", "shares", "shares"]
    copies = list(read_docs([str(FIXTURES / "copies")]))
    items = index_items(store, copies, store_items=True, skip_duplicates=True)
    assert all(i.status == "duplicate" and not i.stored for i in items)
    assert all(i.matches[0].id == "000_d90abd1041053346" for i in items)
    assert store.stats()["documents"] == 5
    other = list(read_docs([str(FIXTURES / "other")]))
    assert [i.status for i in index_items(store, other, store_items=False)] == ["new"]
    assert store.stats()["documents"] == 5
    assert store.remove(["000_d90abd1041053346", "nope"]) == 1
    again = index_items(store, copies[:1], store_items=False)
    assert again[0].status == "shares"  # no longer a duplicate; still shares the wire quote
    assert {p.id for p in again[0].passages} == {"001_36a2fafde9fbd47a"}
    store.close()


def test_duplicates_inside_one_batch_and_without_skip(tmp_path: Path) -> None:
    store = open_store(str(make(tmp_path)))
    text = (FIXTURES / "seeds" / "001_36a2fafde9fbd47a.txt").read_text(encoding="utf-8")
    items = index_items(store, [Doc("x", text), Doc("y", text)], store_items=True)
    assert [(i.status, i.stored) for i in items] == [("new", True), ("duplicate", True)]
    assert items[1].matches[0].id == "x"
    assert store.stats()["documents"] == 2
    store.close()


def test_an_existing_id_fails_the_whole_batch(tmp_path: Path) -> None:
    store = open_store(str(make(tmp_path)))
    index_items(store, [Doc("a", "one two three four five")], store_items=True)
    with pytest.raises(IndexStoreError, match="already in the index: a"):
        index_items(
            store, [Doc("b", "six seven eight nine ten"), Doc("a", "x y z w v")], store_items=True
        )
    assert store.stats()["documents"] == 1
    store.close()


def test_other_parameters_are_a_clear_error(tmp_path: Path) -> None:
    folder = make(tmp_path, threshold=0.7)
    with pytest.raises(IndexStoreError, match=r"threshold is 0\.7 in the index, 0\.5 asked"):
        open_store(str(folder), IndexParams.from_config(DedupConfig()))
    result = runner.invoke(app, ["index", "create", str(folder)])
    assert result.exit_code == 1
    assert "an index already exists" in result.stderr
    result = runner.invoke(app, ["index", "add", str(tmp_path / "none"), str(FIXTURES / "seeds")])
    assert result.exit_code == 1
    assert "no index here" in result.stderr


def test_not_an_index_is_a_clear_error(tmp_path: Path) -> None:
    folder = tmp_path / "junk"
    folder.mkdir()
    (folder / "index.sqlite").write_bytes(b"this is not sqlite" * 100)
    result = runner.invoke(app, ["index", "stats", str(folder)])
    assert result.exit_code == 1
    assert "not a dedup index or damaged" in result.stderr or "cannot open" in result.stderr


def test_cli_round_trip(tmp_path: Path) -> None:
    folder = tmp_path / "archive"
    assert runner.invoke(app, ["index", "create", str(folder)]).exit_code == 0
    r = runner.invoke(app, ["index", "add", str(folder), str(FIXTURES / "seeds"), "-f", "json"])
    assert r.exit_code == 0, r.output
    statuses = [i["status"] for i in json.loads(r.stdout)["items"]]
    assert statuses == ["new", "shares", "new", "shares", "shares"]
    r = runner.invoke(app, ["index", "query", str(folder), str(FIXTURES / "copies"), "-f", "jsonl"])
    lines = [json.loads(x) for x in r.stdout.splitlines()]
    assert len(lines) == 5 and all(x["status"] == "duplicate" and not x["stored"] for x in lines)
    stats = json.loads(runner.invoke(app, ["index", "stats", str(folder)]).stdout)
    assert stats["documents"] == 5 and stats["params"]["bands"] == 32
    r = runner.invoke(app, ["index", "remove", str(folder), "000_d90abd1041053346"])
    assert r.exit_code == 0 and "removed 1 of 1" in r.stderr


def corpus(path: Path, n: int, seed: int, prefix: str) -> Path:
    rng = random.Random(seed)
    words = [f"w{i}" for i in range(3000)]
    with path.open("w", encoding="utf-8") as fh:
        for i in range(n):
            fh.write(
                json.dumps({"id": f"{prefix}{i}", "text": " ".join(rng.choices(words, k=120))})
                + "\n"
            )
    return path


def dedup_cmd(*args: str) -> list[str]:
    return [sys.executable, "-m", "dedup", *args]


@pytest.mark.slow
def test_kill_during_add_leaves_the_index_whole(tmp_path: Path) -> None:
    folder = make(tmp_path)
    first = corpus(tmp_path / "first.jsonl", 200, 1, "f")
    subprocess.run(
        dedup_cmd("index", "add", str(folder), str(first), "-q", "-f", "jsonl"),
        check=True,
        capture_output=True,
        cwd=ROOT,
    )
    big = corpus(tmp_path / "big.jsonl", 4000, 2, "b")
    outcomes = set()
    for delay in (0.3, 0.8, 1.3, 1.8, 2.5, 3.5):
        proc = subprocess.Popen(
            dedup_cmd("index", "add", str(folder), str(big), "-q"),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            cwd=ROOT,
        )
        time.sleep(delay)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        store = open_store(str(folder))
        try:
            assert store.integrity() == "ok"
            count = store.stats()["documents"]
            assert count in (200, 4200), count
            assert store._count(store.conn.cursor()) == count  # the kept count, same transaction
            outcomes.add(count)
            if count == 4200:
                store.remove([f"b{i}" for i in range(4000)])
        finally:
            store.close()
    assert 200 in outcomes


@pytest.mark.slow
def test_two_writers_serialise(tmp_path: Path) -> None:
    folder = make(tmp_path)
    a = corpus(tmp_path / "a.jsonl", 1500, 3, "a")
    b = corpus(tmp_path / "b.jsonl", 1500, 4, "b")
    procs = [
        subprocess.Popen(
            dedup_cmd("index", "add", str(folder), str(p), "-q"),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            cwd=ROOT,
            text=True,
        )
        for p in (a, b)
    ]
    for p in procs:
        _, err = p.communicate(timeout=300)
        assert p.returncode == 0, err
    store = open_store(str(folder))
    assert store.stats()["documents"] == 3000
    assert store.integrity() == "ok"
    store.close()
