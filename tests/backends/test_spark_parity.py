"""The Spark engine (pyspark in local mode) gives the local engine's pairs and clusters."""

from __future__ import annotations

import json
import os
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from dedup.config import DedupConfig
from dedup.io import read_docs
from dedup.pipeline import run
from dedup.types import Doc
from tests.conftest import FIXTURES, ROOT

try:
    import pyspark  # noqa: F401

    HAVE_SPARK = shutil.which("java") is not None
except ImportError:
    HAVE_SPARK = False

if os.environ.get("DEDUP_REQUIRE_SPARK") and not HAVE_SPARK:
    raise RuntimeError("DEDUP_REQUIRE_SPARK is set but pyspark or java is missing")

pytestmark = [
    pytest.mark.spark,
    pytest.mark.skipif(not HAVE_SPARK, reason="pyspark or java absent (.ci/run installs pyspark)"),
]


@pytest.fixture(scope="module")
def spark() -> Iterator[object]:
    from pyspark.sql import SparkSession

    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    session = (
        SparkSession.builder.master("local[2]")
        .appName("dedup-tests")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.shuffle.partitions", "4")
        .config("spark.driver.bindAddress", "127.0.0.1")
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()


def parity(spark: object, docs: list[Doc]) -> None:
    from dedup.backends.spark import report_from, run_spark

    cfg = DedupConfig.build(passages=False)
    local = run(docs, cfg)
    frame = spark.createDataFrame([(d.id, d.text) for d in docs], "id string, text string")  # type: ignore[attr-defined]
    remote = report_from(run_spark(spark, frame, cfg), docs, cfg)  # type: ignore[arg-type]
    assert remote.pairs == local.pairs
    assert remote.clusters == local.clusters


def test_fixtures(spark: object) -> None:
    parity(spark, list(read_docs([str(FIXTURES)])))


def test_generated_corpus(spark: object, tmp_path: Path) -> None:
    sys.path.insert(0, str(ROOT / "benchmarks"))
    import corpus

    docs = [
        Doc(r["id"], r["text"])
        for r in corpus.generate(int(os.environ.get("DEDUP_SPARK_DOCS", "10000")), seed=5)
    ]
    parity(spark, docs)


def test_connected_components_on_a_path_and_a_star(spark: object) -> None:
    from dedup.backends.spark import connected_components

    edges = spark.sparkContext.parallelize(  # type: ignore[attr-defined]
        [("e", "d"), ("d", "c"), ("c", "b"), ("b", "a"), ("x", "z"), ("y", "z"), ("q", "p")]
    )
    got = dict(connected_components(edges).collect())
    assert got == {
        "a": "a",
        "b": "a",
        "c": "a",
        "d": "a",
        "e": "a",
        "x": "x",
        "y": "x",
        "z": "x",
        "p": "p",
        "q": "p",
    }


def test_cli_engine_spark(tmp_path: Path, spark: object) -> None:
    from typer.testing import CliRunner

    from dedup.cli import app

    src = tmp_path / "docs.jsonl"
    with src.open("w", encoding="utf-8") as fh:
        for d in read_docs([str(FIXTURES)]):
            fh.write(json.dumps({"id": d.id, "text": d.text}, ensure_ascii=False) + "\n")
    out = tmp_path / "spark-out"
    result = CliRunner().invoke(
        app,
        [
            "scan",
            str(src),
            "--engine",
            "spark",
            "--no-passages",
            "-f",
            "json",
            "-q",
            "--spark-output",
            str(out),
        ],
    )
    assert result.exit_code == 0, result.output
    remote = json.loads(result.stdout)
    local = json.loads(
        CliRunner().invoke(app, ["scan", str(src), "--no-passages", "-f", "json", "-q"]).stdout
    )
    assert remote["pairs"] == local["pairs"] and remote["clusters"] == local["clusters"]
    assert (out / "pairs").is_dir() and (out / "clusters").is_dir()
