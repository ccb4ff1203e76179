"""Passages an incoming item shares with stored documents (SQLite here; Redis in
test_redis_index), checked against `dedup scan` on the same texts."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from typer.testing import CliRunner

from dedup.cli import app
from dedup.config import DedupConfig
from dedup.io import read_docs
from dedup.pipeline import index_items, run
from dedup.store import IndexParams, open_store
from dedup.store.sqlite import DB_NAME, create_store
from dedup.types import Doc
from tests.conftest import FIXTURES

runner = CliRunner()
EARNEST = "جوش"  # the White House spokesman's quote, wire copy in seeds 000 and 001


def make(tmp_path: Path, **kw: object) -> Path:
    folder = tmp_path / "idx"
    create_store(str(folder), IndexParams.from_config(DedupConfig.build(**kw))).close()  # type: ignore[arg-type]
    return folder


def seeds() -> list[Doc]:
    return list(read_docs([str(FIXTURES / "seeds")]))


def test_items_report_the_passages_they_share_with_stored_documents(tmp_path: Path) -> None:
    store = open_store(str(make(tmp_path)))
    docs = seeds()
    index_items(store, docs[:1], store_items=True)
    (item,) = index_items(store, docs[1:2], store_items=False)
    assert item.status == "shares" and not item.matches and not item.stored
    texts = {d.id: d.text for d in docs}
    (p,) = [p for p in item.passages if EARNEST in p.text]
    assert p.id == docs[0].id
    assert texts[item.id][p.start : p.end] == p.text  # offsets into the original texts
    assert texts[p.id][p.other_start : p.other_end] == p.other_text
    assert EARNEST in p.other_text and p.end - p.start > 300
    assert not p.uncredited  # both seeds carry their agency credit
    store.close()


def test_the_index_finds_the_passages_scan_finds(tmp_path: Path) -> None:
    """Added one at a time, each seed reports exactly the document pairs (with passages)
    that `scan` reports among all five, against the seeds stored before it."""
    docs = seeds()
    report = run(docs, DedupConfig())
    assert report.passages is not None
    scanned = {(p.a, p.b) for p in report.passages.passages}
    store = open_store(str(make(tmp_path)))
    indexed = set()
    for d in docs:
        (item,) = index_items(store, [d], store_items=True)
        indexed |= {tuple(sorted((item.id, p.id))) for p in item.passages}
    store.close()
    assert indexed == scanned and len(scanned) >= 3


def test_passages_with_an_earlier_item_of_the_same_batch(tmp_path: Path) -> None:
    store = open_store(str(make(tmp_path)))
    items = index_items(store, seeds(), store_items=True)
    assert [sorted({p.id for p in it.passages}) for it in items] == [
        [],
        ["000_d90abd1041053346"],
        [],
        ["002_fe08c59a11eb98b9"],
        ["003_cf6faa348c352f3a"],
    ]
    store.close()


def test_removed_documents_leave_no_fingerprints(tmp_path: Path) -> None:
    store = open_store(str(make(tmp_path)))
    docs = seeds()
    index_items(store, docs[:1], store_items=True)
    alone = store.stats()["fingerprints"]
    assert isinstance(alone, int) and alone > 30
    index_items(store, docs[2:], store_items=True)
    assert store.remove([d.id for d in docs[2:]]) == 3
    assert store.stats()["fingerprints"] == alone
    assert store._count(store.conn.cursor()) == store.stats()["documents"] == 1
    assert store.remove([docs[0].id]) == 1
    assert store.stats()["fingerprints"] == 0
    (item,) = index_items(store, docs[1:2], store_items=False)
    assert item.status == "new" and not item.passages
    store.close()


def test_an_index_without_passages_stores_no_text(tmp_path: Path) -> None:
    folder = tmp_path / "small"
    r = runner.invoke(app, ["index", "create", str(folder), "--no-passages"])
    assert r.exit_code == 0, r.output
    r = runner.invoke(app, ["index", "add", str(folder), str(FIXTURES / "seeds"), "-f", "json"])
    assert [i["status"] for i in json.loads(r.stdout)["items"]] == ["new"] * 5
    stats = json.loads(runner.invoke(app, ["index", "stats", str(folder)]).stdout)
    assert stats["fingerprints"] == 0 and stats["params"]["passages"] is False
    with sqlite3.connect(folder / DB_NAME) as conn:
        assert conn.execute("SELECT COUNT(*) FROM docs WHERE text IS NOT NULL").fetchone() == (0,)


def test_a_format_1_index_still_opens_and_grows(tmp_path: Path) -> None:
    """An index written before texts and fingerprints were kept (format 1)."""
    params = IndexParams.from_config(DedupConfig.build(passages=False))
    folder = tmp_path / "v1"
    create_store(str(folder), params).close()
    v1 = {k: v for k, v in params.as_dict().items() if k not in ("passages", "fingerprint_window")}
    with sqlite3.connect(folder / DB_NAME) as conn:  # the version-1 tables
        conn.execute("ALTER TABLE docs DROP COLUMN text")
        conn.execute("ALTER TABLE docs DROP COLUMN fingerprints")
        conn.execute("DROP TABLE fingerprints")
        conn.execute("UPDATE meta SET value = '1' WHERE key = 'format_version'")
        conn.execute(
            "UPDATE meta SET value = ? WHERE key = 'params'",
            (json.dumps({**v1, "format_version": 1}),),
        )
    store = open_store(str(folder))
    assert store.params.format_version == 1 and not store.params.passages
    items = index_items(store, seeds(), store_items=True)
    assert [i.status for i in items] == ["new"] * 5
    copies = list(read_docs([str(FIXTURES / "copies")]))
    assert {i.status for i in index_items(store, copies, store_items=False)} == {"duplicate"}
    assert store.remove([items[0].id]) == 1
    assert store.stats()["documents"] == 4 and store.integrity() == "ok"
    store.close()


def test_unknown_format_is_a_clear_error(tmp_path: Path) -> None:
    folder = make(tmp_path)
    with sqlite3.connect(folder / DB_NAME) as conn:
        conn.execute("UPDATE meta SET value = '9' WHERE key = 'format_version'")
    r = runner.invoke(app, ["index", "stats", str(folder)])
    assert r.exit_code == 1 and "index format '9', this dedup reads formats 1, 2" in r.stderr


def test_reports_show_passages(tmp_path: Path) -> None:
    folder = make(tmp_path)
    seed = sorted((FIXTURES / "seeds").iterdir())
    assert runner.invoke(app, ["index", "add", str(folder), str(seed[0])]).exit_code == 0
    r = runner.invoke(app, ["index", "query", str(folder), str(seed[1])])
    assert r.exit_code == 0, r.output
    assert "1 sharing passages" in r.stdout and seed[0].stem in r.stdout
    rows = [x.split() for x in r.stdout.splitlines() if x.startswith(seed[1].stem)]
    assert [x[:2] for x in rows] == [[seed[1].stem, "shares"]] + [
        [seed[1].stem, x[1]] for x in rows[1:]
    ]
    assert len(rows) >= 2 and all(x[2] == seed[0].stem and x[4] == "yes" for x in rows[1:])
    r = runner.invoke(app, ["index", "query", str(folder), str(seed[1]), "-f", "json"])
    (item,) = json.loads(r.stdout)["items"]
    text = seed[1].read_text(encoding="utf-8")
    assert item["status"] == "shares"
    for p in item["passages"]:
        assert text[p["start"] : p["end"]] == p["text"]
        assert p["id"] == seed[0].stem and p["uncredited"] is False


@pytest.mark.parametrize("window", [1, 4])
def test_fingerprints_are_deterministic(window: int) -> None:
    from dedup.config import ShingleConfig
    from dedup.fingerprint import fingerprints
    from dedup.normalise import normalise
    from dedup.shingle import tokenise

    text = seeds()[0].text
    a = fingerprints(tokenise(normalise(text), ShingleConfig()).hashes, 0, window)
    b = fingerprints(tokenise(normalise(text), ShingleConfig()).hashes, 0, window)
    assert a.tolist() == b.tolist() and list(a) == sorted(set(a.tolist()))
    assert (window == 1) == (len(a) > 150)
