"""The `dedup` command line: parse, run the pipeline, render. Errors map to exit codes here.

Exit codes: 0 ran (a report was written, duplicates or not); 1 bad input, index or
options (`DedupError`, one line on stderr); 2 usage error.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from enum import Enum
from pathlib import Path
from typing import Annotated, TypeVar

import typer

from dedup import __version__
from dedup.config import DedupConfig
from dedup.errors import DedupError, InputError
from dedup.io import Fields, Piece, ReadLog, read_docs, read_pieces, write_text
from dedup.memory import reused_heap, small_pages
from dedup.types import Doc, Report

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
    help="Find near-duplicate news articles and the wire passages they share.",
)

T = TypeVar("T")


class Format(str, Enum):
    """Report formats."""

    table = "table"
    json = "json"
    jsonl = "jsonl"
    csv = "csv"
    html = "html"


class Errors(str, Enum):
    """What to do with a bad record."""

    fail = "fail"
    skip = "skip"


class AttributionFormat(str, Enum):
    """Formats of `dedup attribution`."""

    table = "table"
    json = "json"
    csv = "csv"


class CompareFormat(str, Enum):
    """Formats of `dedup compare`."""

    table = "table"
    json = "json"
    html = "html"


class Engine(str, Enum):
    """Where `scan` runs."""

    local = "local"
    spark = "spark"


class ShingleKind(str, Enum):
    """Shingle kinds."""

    word = "word"
    char = "char"


def fail(message: str) -> typer.Exit:
    """Print one error line on stderr and return the exit to raise (code 1)."""
    typer.echo(f"dedup: error: {message}", err=True)
    return typer.Exit(1)


@contextmanager
def errors_to_exit() -> Iterator[None]:
    """Turn a `DedupError` into a one-line message and exit code 1."""
    try:
        yield
    except DedupError as exc:
        raise fail(str(exc)) from None
    except KeyboardInterrupt:
        raise fail("interrupted") from None


@contextmanager
def progress_bar(total_label: str, *, quiet: bool) -> Iterator[Callable[[int], None] | None]:
    """A progress counter on stderr, only when stderr is a terminal and not --quiet."""
    if quiet or not sys.stderr.isatty():
        yield None
        return
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    # Refreshed on each advance rather than by rich's refresh thread: passage matching
    # forks worker processes only while no other thread runs (`dedup.forked`).
    with Progress(
        TextColumn(total_label),
        BarColumn(),
        MofNCompleteColumn(),
        transient=True,
        console=None,
        auto_refresh=False,
    ) as bar:
        task = bar.add_task(total_label, total=None)

        def advance(n: int) -> None:
            bar.advance(task, n)
            bar.refresh()

        yield advance


def _version(value: bool) -> None:
    if value:
        typer.echo(f"dedup {__version__}")
        raise typer.Exit()


@app.callback()
def main(
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_version, is_eager=True, help="Print the version and exit."
        ),
    ] = False,
) -> None:
    """Find near-duplicate news articles and the wire passages they share."""
    small_pages()  # numpy's large temporary arrays on small pages (dedup.memory)


MinPassageWords = Annotated[
    float,
    typer.Option(
        help="Matched words, weighted by rarity, a passage's core must reach.", min=0.5, max=1000
    ),
]
PassageThreshold = Annotated[
    float,
    typer.Option(help="Share of matched tokens in a passage's core.", min=0.01, max=1.0),
]
PathsArg = Annotated[
    list[str],
    typer.Argument(
        help="Folders (*.txt, *.md), .jsonl[.gz], .json, .csv/.tsv files, or - for JSONL on stdin.",
        show_default=False,
    ),
]


@app.command()
def scan(
    paths: PathsArg,
    format: Annotated[Format, typer.Option("--format", "-f", help="Report format.")] = Format.table,
    output: Annotated[
        str | None, typer.Option("--output", "-o", help="Write the report here (default stdout).")
    ] = None,
    threshold: Annotated[
        float, typer.Option(help="Minimum exact Jaccard of a reported pair.", min=0.01, max=1.0)
    ] = 0.5,
    containment: Annotated[
        float,
        typer.Option(
            help="Also report pairs whose smaller document lies at least this much inside the "
            "larger (0 = off).",
            min=0.0,
            max=1.0,
        ),
    ] = 0.0,
    num_perm: Annotated[int, typer.Option(help="MinHash permutations.", min=2, max=4096)] = 128,
    shingle: Annotated[
        ShingleKind, typer.Option(help="Word or character n-grams.")
    ] = ShingleKind.word,
    shingle_size: Annotated[
        int | None,
        typer.Option(help="n of the n-grams (default 3 words, 5 characters).", min=1, max=32),
    ] = None,
    seed: Annotated[int, typer.Option(help="Seed of the MinHash permutations.", min=0)] = 1,
    passages: Annotated[
        bool, typer.Option("--passages/--no-passages", help="Find shared passages.")
    ] = True,
    min_passage_words: MinPassageWords = 6.0,
    passage_threshold: PassageThreshold = 0.45,
    errors: Annotated[
        Errors, typer.Option(help="On a bad record: fail, or skip it and say so.")
    ] = Errors.fail,
    id_field: Annotated[
        str | None, typer.Option(help="Record field of the id [default: id].")
    ] = None,
    text_field: Annotated[str, typer.Option(help="Record field of the text.")] = "text",
    outlet_field: Annotated[str, typer.Option(help="Record field of the outlet.")] = "outlet",
    date_field: Annotated[str, typer.Option(help="Record field of the date (ISO 8601).")] = "date",
    title_field: Annotated[str, typer.Option(help="Record field of the title.")] = "title",
    url_field: Annotated[str, typer.Option(help="Record field of the URL.")] = "url",
    quiet: Annotated[
        bool, typer.Option("--quiet", "-q", help="No progress or notes on stderr.")
    ] = False,
    verbose: Annotated[
        bool, typer.Option("--verbose", "-v", help="Print the LSH banding and its error rates.")
    ] = False,
    engine: Annotated[
        Engine, typer.Option(help="local, or spark (documents only; JSONL or Parquet input).")
    ] = Engine.local,
    spark_output: Annotated[
        str | None,
        typer.Option(help="With --engine spark: write pairs/ and clusters/ here as Parquet."),
    ] = None,
    workers: Annotated[
        int | None,
        typer.Option(
            help="Processes preparing documents (with --no-passages), or stemming "
            "words and aligning passages [default: every core; with --no-passages, one "
            "for inputs of 4,000 records or fewer].",
            min=1,
        ),
    ] = None,
    spill_dir: Annotated[
        Path | None,
        typer.Option(
            help="With --no-passages: keep the spilled shingle sets and band keys here "
            "(a new or empty folder; format in README) [default: a temporary folder].",
            file_okay=False,
        ),
    ] = None,
) -> None:
    """Find near-duplicate documents and write a report.

    Example: dedup scan fixtures/ ; dedup scan crawl.jsonl --format json -o report.json
    """
    from dedup.lsh import banding
    from dedup.pipeline import run
    from dedup.report import RENDERERS

    fields = Fields(
        id=id_field or "id",
        text=text_field,
        outlet=outlet_field,
        date=date_field,
        title=title_field,
        url=url_field,
        id_given=id_field is not None,
    )
    with errors_to_exit():
        cfg = DedupConfig.build(
            threshold=threshold,
            containment=containment,
            num_perm=num_perm,
            shingle_kind=shingle.value,
            shingle_size=shingle_size,
            seed=seed,
            passages=passages,
            min_passage_words=min_passage_words,
            passage_threshold=passage_threshold,
        )
        if verbose:
            b = banding(cfg.lsh)
            typer.echo(
                f"LSH: {b.bands} bands x {b.rows} rows for Jaccard {cfg.lsh.threshold:.3f} "
                f"(num_perm {cfg.lsh.num_perm}); false positive probability "
                f"{b.false_positive:.4f}, false negative probability "
                f"{b.false_negative:.4f}; a pair at the threshold becomes a candidate "
                f"with probability {b.probability(cfg.lsh.threshold):.3f}",
                err=True,
            )
        if engine is Engine.spark:
            from dataclasses import replace

            if passages and not quiet:
                typer.echo(
                    "dedup: the spark engine finds near-duplicates only; passages off", err=True
                )
            report = _scan_spark(paths, fields, replace(cfg, passages=False), spark_output)
            write_text(RENDERERS[format.value](report), output)
            return
        log = ReadLog()
        if not passages and format is not Format.html:
            report = _scan_stream(
                paths, fields, cfg, errors, log, workers, spill_dir, quiet, verbose
            )
        else:
            # In memory, with passages: large arrays in memory malloc reuses (dedup.memory;
            # the streaming scan is faster without).
            reused_heap()
            with progress_bar("reading", quiet=quiet) as tick:
                docs = list(read_docs(paths, fields=fields, errors=errors.value, log=log))
                if not docs:
                    raise fail("no documents to scan")
                report = run(docs, cfg, progress=tick, workers=workers)
        _report_skipped(log, quiet)
        write_text(RENDERERS[format.value](report), output)


def _scan_stream(
    paths: list[str],
    fields: Fields,
    cfg: DedupConfig,
    errors: Errors,
    log: ReadLog,
    workers: int | None,
    spill_dir: Path | None,
    quiet: bool,
    verbose: bool = False,
) -> Report:
    """The document-level scan in two streaming passes (`dedup.stream`)."""
    import shutil
    import tempfile

    from dedup import stream

    if spill_dir is not None and spill_dir.exists() and any(spill_dir.iterdir()):
        raise InputError(str(spill_dir), "--spill-dir must be a new or empty folder")
    spool = None
    if "-" in paths:  # standard input is read twice: keep a copy
        spool = Path(tempfile.mkdtemp(prefix="dedup-stdin-")) / "stdin.jsonl"
        with spool.open("wb") as fh:
            shutil.copyfileobj(sys.stdin.buffer, fh)

    def read() -> Iterator[Piece]:
        return read_pieces(paths, fields=fields, stdin=spool)

    try:
        with progress_bar("documents", quiet=quiet) as tick:
            report = stream.scan(
                read,
                cfg,
                fields=fields,
                errors=errors.value,
                log=log,
                workers=workers,
                spill_dir=spill_dir,
                progress=tick,
                stats=_echo_stats if verbose else None,
            )
    finally:
        if spool is not None:
            shutil.rmtree(spool.parent, ignore_errors=True)
    if not report.documents:
        raise fail("no documents to scan")
    return report


def _echo_stats(stats: dict[str, float]) -> None:
    typer.echo(
        f"index: {int(stats['documents']):,} documents, band keys {int(stats['index_bytes']):,} "
        f"bytes ({stats['index_bytes_per_document']:.0f} bytes per document, grouped from the "
        f"spill a share of the bands at a time); "
        f"spilled {stats['spill_bytes'] / 2**20:,.1f} MiB; {int(stats['pairs']):,} verified pairs",
        err=True,
    )


def _scan_spark(
    paths: list[str], fields: Fields, cfg: DedupConfig, spark_output: str | None
) -> Report:
    """Run the Spark engine on JSONL or Parquet paths; returns the collected report."""
    try:
        from pyspark.sql import SparkSession
        from pyspark.sql import functions as F
    except ImportError:
        raise fail("--engine spark needs pyspark: pip install 'dedup[spark]'") from None
    from dedup.backends.spark import report_from, run_spark

    spark = (
        SparkSession.builder.appName("dedup")
        .config("spark.ui.showConsoleProgress", "false")
        .getOrCreate()
    )
    try:
        parquet = [p for p in paths if p.endswith(".parquet") or Path(p).is_dir()]
        frame = spark.read.parquet(*parquet) if parquet else spark.read.json(paths)
        for name in (fields.id, fields.text):
            if name not in frame.columns:
                raise InputError(
                    ",".join(paths), f"no {name!r} column (use --id-field/--text-field)"
                )
        cols = [F.col(fields.id).cast("string").alias("id"), F.col(fields.text).alias("text")]
        for key, name in (
            ("outlet", fields.outlet),
            ("date", fields.date),
            ("title", fields.title),
            ("url", fields.url),
        ):
            if name in frame.columns:
                cols.append(F.col(name).cast("string").alias(key))
        frame = frame.select(*cols).where(F.col("text").isNotNull())
        result = run_spark(spark, frame, cfg)
        if spark_output:
            result.pairs.write.mode("overwrite").parquet(f"{spark_output}/pairs")
            result.clusters.write.mode("overwrite").parquet(f"{spark_output}/clusters")
        docs = [
            Doc(
                str(r["id"]),
                r["text"],
                source="spark",
                outlet=r.asDict().get("outlet"),
                date=r.asDict().get("date"),
                title=r.asDict().get("title"),
                url=r.asDict().get("url"),
            )
            for r in frame.collect()
        ]
        return report_from(result, docs, cfg)  # type: ignore[no-any-return]
    finally:
        spark.stop()


@app.command()
def compare(
    a: Annotated[
        str, typer.Argument(help="First document: a .txt/.md file, or a one-record source.")
    ],
    b: Annotated[str, typer.Argument(help="Second document.")],
    format: Annotated[
        CompareFormat, typer.Option("--format", "-f", help="Output format.")
    ] = CompareFormat.table,
    output: Annotated[
        str | None, typer.Option("--output", "-o", help="Write here (default stdout).")
    ] = None,
    min_passage_words: MinPassageWords = 6.0,
    passage_threshold: PassageThreshold = 0.45,
    text_field: Annotated[str, typer.Option(help="Record field of the text.")] = "text",
    background: Annotated[
        list[str] | None,
        typer.Option(help="Other documents (any source) to measure how common words are."),
    ] = None,
) -> None:
    """Show the passages two documents share, aligned, with the differing words marked.

    Example: dedup compare a.txt b.txt --background fixtures/seeds/

    Words count by how few documents use them; with only two documents that cannot
    be told, so --background adds documents of the same story whose word use
    weighs stock phrases ("Secretary of State John Kerry") down.
    """
    from dedup.pipeline import compare as run_compare
    from dedup.report import comparison_to_json, comparison_to_table

    with errors_to_exit():
        cfg = DedupConfig.build(
            min_passage_words=min_passage_words, passage_threshold=passage_threshold
        )
        docs = [_one_document(path, Fields(text=text_field)) for path in (a, b)]
        extra = [
            d
            for d in read_docs(background or [], fields=Fields(text=text_field))
            if d.text not in (docs[0].text, docs[1].text)
        ]
        result = run_compare(docs[0], docs[1], cfg, background=extra)
        from dedup.htmlreport import comparison_to_html

        render = {
            "json": comparison_to_json,
            "table": comparison_to_table,
            "html": comparison_to_html,
        }[format.value]
        write_text(render(result), output)


def _one_document(path: str, fields: Fields) -> Doc:
    docs = list(read_docs([path], fields=fields))
    if len(docs) != 1:
        raise InputError(path, f"compare takes one document per path; this holds {len(docs)}")
    return docs[0]


@app.command(name="attribution")
def attribution_command(
    paths: PathsArg,
    format: Annotated[
        AttributionFormat, typer.Option("--format", "-f", help="Output format.")
    ] = AttributionFormat.table,
    output: Annotated[
        str | None, typer.Option("--output", "-o", help="Write here (default stdout).")
    ] = None,
    errors: Annotated[
        Errors, typer.Option(help="On a bad record: fail, or skip it and say so.")
    ] = Errors.fail,
    id_field: Annotated[
        str | None, typer.Option(help="Record field of the id [default: id].")
    ] = None,
    text_field: Annotated[str, typer.Option(help="Record field of the text.")] = "text",
    outlet_field: Annotated[str, typer.Option(help="Record field of the outlet.")] = "outlet",
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No notes on stderr.")] = False,
) -> None:
    """List each document's attribution: source lines, datelines, credits, bylines, chrome.

    Example: dedup attribution fixtures/seeds/ --format json

    Lines an outlet repeats across at least 3 (and 30%) of its documents are reported
    as its boilerplate when the outlet is known (--outlet-field).
    """
    from dedup import attribution as attr
    from dedup.report import attribution_to_csv, attribution_to_json, attribution_to_table

    fields = Fields(
        id=id_field or "id", text=text_field, outlet=outlet_field, id_given=id_field is not None
    )
    with errors_to_exit():
        log = ReadLog()
        docs = list(read_docs(paths, fields=fields, errors=errors.value, log=log))
        _report_skipped(log, quiet)
        chrome = attr.recurring_lines([(d.text, d.outlet) for d in docs])
        found = {}
        for d in sorted(docs, key=lambda d: d.id):
            spans = attr.find(d.text)
            found[d.id] = attr.with_recurring(d.text, spans, chrome.get(d.outlet or "", set()))
        render = {
            "json": attribution_to_json,
            "csv": attribution_to_csv,
            "table": attribution_to_table,
        }[format.value]
        write_text(render(found), output)


def _report_skipped(log: ReadLog, quiet: bool) -> None:
    if log.skipped and not quiet:
        for msg in log.skipped[:20]:
            typer.echo(f"dedup: skipped {msg}", err=True)
        typer.echo(f"dedup: skipped {len(log.skipped)} bad records in all", err=True)


index_app = typer.Typer(
    no_args_is_help=True,
    context_settings={"help_option_names": ["-h", "--help"]},
    help="A persistent index: check new items against an archive and store them.\n\n"
    "Example: dedup index create archive/ ; dedup index add archive/ today.jsonl",
)
app.add_typer(index_app, name="index")


class IndexFormat(str, Enum):
    """Formats of `dedup index add|query`."""

    table = "table"
    json = "json"
    jsonl = "jsonl"


@index_app.command("create")
def index_create(
    folder: Annotated[
        str, typer.Argument(help="Folder of the new index, or redis://host:port/db.")
    ],
    threshold: Annotated[
        float, typer.Option(help="Jaccard of a duplicate.", min=0.01, max=1.0)
    ] = 0.5,
    num_perm: Annotated[int, typer.Option(help="MinHash permutations.", min=2, max=4096)] = 128,
    shingle: Annotated[
        ShingleKind, typer.Option(help="Word or character n-grams.")
    ] = ShingleKind.word,
    shingle_size: Annotated[
        int | None, typer.Option(help="n of the n-grams.", min=1, max=32)
    ] = None,
    seed: Annotated[int, typer.Option(help="Seed of the MinHash permutations.", min=0)] = 1,
    passages: Annotated[
        bool,
        typer.Option(
            help="Keep texts and passage fingerprints, to report passages items share with "
            "stored documents (--no-passages: a smaller index, duplicates only)."
        ),
    ] = True,
) -> None:
    """Create an empty index; its parameters are fixed from then on.

    Example: dedup index create archive/ --threshold 0.7
    """
    from dedup.store import IndexParams, create_index

    with errors_to_exit():
        cfg = DedupConfig.build(
            threshold=threshold,
            num_perm=num_perm,
            shingle_kind=shingle.value,
            shingle_size=shingle_size,
            seed=seed,
            passages=passages,
        )
        store = create_index(folder, IndexParams.from_config(cfg))
        typer.echo(f"created {folder}: {json.dumps(store.params.as_dict())}", err=True)
        store.close()


def _index_run(
    folder: str,
    paths: list[str],
    fields: Fields,
    errors: Errors,
    fmt: IndexFormat,
    output: str | None,
    quiet: bool,
    *,
    store_items: bool,
    skip_duplicates: bool,
) -> None:
    from dedup.pipeline import index_items
    from dedup.report import index_to_json, index_to_jsonl, index_to_table
    from dedup.store import open_index

    with errors_to_exit():
        store = open_index(folder)
        try:
            log = ReadLog()
            docs = list(read_docs(paths, fields=fields, errors=errors.value, log=log))
            _report_skipped(log, quiet)
            items = index_items(
                store, docs, store_items=store_items, skip_duplicates=skip_duplicates
            )
        finally:
            store.close()
        render = {"json": index_to_json, "jsonl": index_to_jsonl, "table": index_to_table}
        write_text(render[fmt.value](folder, items), output)


IndexFormatOpt = Annotated[IndexFormat, typer.Option("--format", "-f", help="Output format.")]
OutputOpt = Annotated[
    str | None, typer.Option("--output", "-o", help="Write here (default stdout).")
]
ErrorsOpt = Annotated[Errors, typer.Option(help="On a bad record: fail, or skip it and say so.")]
IdFieldOpt = Annotated[str | None, typer.Option(help="Record field of the id [default: id].")]


@index_app.command("add")
def index_add(
    folder: Annotated[str, typer.Argument(help="Folder of the index, or redis://host:port/db.")],
    paths: PathsArg,
    skip_duplicates: Annotated[bool, typer.Option(help="Store only items that are new.")] = False,
    format: IndexFormatOpt = IndexFormat.table,
    output: OutputOpt = None,
    errors: ErrorsOpt = Errors.fail,
    id_field: IdFieldOpt = None,
    text_field: Annotated[str, typer.Option(help="Record field of the text.")] = "text",
    outlet_field: Annotated[str, typer.Option(help="Record field of the outlet.")] = "outlet",
    date_field: Annotated[str, typer.Option(help="Record field of the date.")] = "date",
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No notes on stderr.")] = False,
) -> None:
    """Check new items against the index and store them, in one transaction.

    Example: dedup index add archive/ today.jsonl --skip-duplicates
    """
    fields = Fields(
        id=id_field or "id",
        text=text_field,
        outlet=outlet_field,
        date=date_field,
        id_given=id_field is not None,
    )
    _index_run(
        folder,
        paths,
        fields,
        errors,
        format,
        output,
        quiet,
        store_items=True,
        skip_duplicates=skip_duplicates,
    )


@index_app.command("query")
def index_query(
    folder: Annotated[str, typer.Argument(help="Folder of the index, or redis://host:port/db.")],
    paths: PathsArg,
    format: IndexFormatOpt = IndexFormat.table,
    output: OutputOpt = None,
    errors: ErrorsOpt = Errors.fail,
    id_field: IdFieldOpt = None,
    text_field: Annotated[str, typer.Option(help="Record field of the text.")] = "text",
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No notes on stderr.")] = False,
) -> None:
    """Check items against the index without storing anything.

    Example: dedup index query archive/ draft.txt
    """
    fields = Fields(id=id_field or "id", text=text_field, id_given=id_field is not None)
    _index_run(
        folder,
        paths,
        fields,
        errors,
        format,
        output,
        quiet,
        store_items=False,
        skip_duplicates=False,
    )


@index_app.command("stats")
def index_stats(
    folder: Annotated[str, typer.Argument(help="Folder of the index, or redis://host:port/db.")],
) -> None:
    """Print the index's counts, size and parameters as JSON.

    Example: dedup index stats archive/
    """
    from dedup.store import open_index

    with errors_to_exit():
        store = open_index(folder)
        try:
            typer.echo(json.dumps(store.stats(), indent=2))
        finally:
            store.close()


@index_app.command("remove")
def index_remove(
    folder: Annotated[str, typer.Argument(help="Folder of the index, or redis://host:port/db.")],
    ids: Annotated[list[str], typer.Argument(help="Ids of the documents to remove.")],
) -> None:
    """Remove documents from the index by id.

    Example: dedup index remove archive/ feed.jsonl:17 story-42
    """
    from dedup.store import open_index

    with errors_to_exit():
        store = open_index(folder)
        try:
            removed = store.remove(ids)
        finally:
            store.close()
        typer.echo(f"removed {removed} of {len(set(ids))}", err=True)
