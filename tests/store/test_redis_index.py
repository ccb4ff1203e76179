"""The Redis backend against a real redis-server on a free loopback port."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from dedup.config import DedupConfig
from dedup.errors import IndexStoreError
from dedup.io import read_docs
from dedup.pipeline import IndexItem, index_items
from dedup.store import IndexParams, create_index, open_index
from tests.conftest import FIXTURES

SERVER = shutil.which("redis-server")
try:
    import redis  # noqa: F401

    HAVE_CLIENT = True
except ImportError:
    HAVE_CLIENT = False

if os.environ.get("DEDUP_REQUIRE_REDIS") and not (SERVER and HAVE_CLIENT):
    raise RuntimeError(
        "DEDUP_REQUIRE_REDIS is set but redis-server or the redis package is missing"
    )

pytestmark = pytest.mark.skipif(
    not (SERVER and HAVE_CLIENT),
    reason="redis-server or the redis package is absent (.ci/run installs both)",
)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def redis_url(tmp_path: Path) -> Iterator[str]:
    port = free_port()
    proc = subprocess.Popen(
        [
            SERVER,
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(tmp_path),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        import redis as r

        client = r.Redis(host="127.0.0.1", port=port)
        for _ in range(100):
            try:
                client.ping()
                break
            except r.ConnectionError:
                time.sleep(0.05)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        proc.terminate()
        proc.wait(timeout=10)


Outcome = tuple[str, str, bool, tuple[str, ...], tuple[tuple[str, int, int, int, int], ...]]


def outcome(it: IndexItem) -> Outcome:
    passages = tuple((p.id, p.start, p.end, p.other_start, p.other_end) for p in it.passages)
    return (it.id, it.status, it.stored, tuple(m.id for m in it.matches), passages)


def run_scenario(location: str) -> list[Outcome]:
    create_index(location, IndexParams.from_config(DedupConfig())).close()
    store = open_index(location)
    out = []
    for folder, skip in (("seeds", False), ("copies", True), ("english", False)):
        docs = list(read_docs([str(FIXTURES / folder)]))
        for it in index_items(store, docs, store_items=True, skip_duplicates=skip):
            out.append(outcome(it))
    assert store.remove(["000_d90abd1041053346"]) == 1
    docs = list(read_docs([str(FIXTURES / "copies")]))
    for it in index_items(store, docs, store_items=False):
        out.append(outcome(it))
    store.close()
    return out


def test_redis_and_sqlite_agree(redis_url: str, tmp_path: Path) -> None:
    found = run_scenario(redis_url)
    assert found == run_scenario(str(tmp_path / "sqlite"))
    assert {o[1] for o in found} == {"new", "duplicate", "shares"}
    assert sum(len(o[4]) for o in found) >= 5


def test_redis_removal_leaves_no_fingerprints(redis_url: str) -> None:
    import redis as r

    create_index(redis_url, IndexParams.from_config(DedupConfig())).close()
    store = open_index(redis_url)
    docs = list(read_docs([str(FIXTURES / "seeds")]))
    index_items(store, docs, store_items=True)
    client = r.Redis.from_url(redis_url)
    assert len(list(client.scan_iter("dedup:fp:*"))) > 100
    assert store.first(2) == [docs[0].id, docs[1].id]
    assert store.remove([d.id for d in docs]) == 5
    assert list(client.scan_iter("dedup:fp:*")) == [] and store.first(5) == []
    assert sorted(k.decode() for k in client.keys("dedup:*")) == [
        "dedup:batch",
        "dedup:meta",
        "dedup:seq",
    ]
    store.close()


def test_redis_parameters_and_existing_index(redis_url: str) -> None:
    create_index(redis_url, IndexParams.from_config(DedupConfig.build(threshold=0.7))).close()
    with pytest.raises(IndexStoreError, match="already exists"):
        create_index(redis_url, IndexParams.from_config(DedupConfig()))
    with pytest.raises(IndexStoreError, match="other parameters"):
        open_index(redis_url, IndexParams.from_config(DedupConfig()))
    other = create_index(redis_url + "?prefix=other", IndexParams.from_config(DedupConfig()))
    assert other.stats()["documents"] == 0  # a second index in the same database
    other.close()


def test_redis_unreachable_is_a_clear_error() -> None:
    with pytest.raises(IndexStoreError, match="cannot reach Redis"):
        open_index(f"redis://127.0.0.1:{free_port()}/0")


def test_redis_batch_is_all_or_nothing(redis_url: str) -> None:
    create_index(redis_url, IndexParams.from_config(DedupConfig())).close()
    store = open_index(redis_url)
    from dedup.types import Doc

    index_items(store, [Doc("a", "one two three four five")], store_items=True)
    with pytest.raises(IndexStoreError, match="already in the index: a"):
        index_items(
            store, [Doc("b", "six seven eight nine"), Doc("a", "x y z w")], store_items=True
        )
    assert store.stats()["documents"] == 1
    assert store.integrity() == "ok"
    store.close()
