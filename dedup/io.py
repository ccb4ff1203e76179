"""Reading documents and writing reports: the only module that touches files.

Sources: a folder (recursively, `*.txt` and `*.md`, one document per file, id = path
relative to the folder without suffix), a single `.txt`/`.md` file, a JSONL file
(`.jsonl`, `.ndjson`, optionally `.gz`), a JSON array (`.json`), a CSV file (`.csv`,
`.tsv`), `-` for JSONL on standard input, and through `dedup.readers` RSS/Atom feeds
(`.rss`, `.atom`, `.xml`) and WARC/WET files (`.warc[.gz]`, `.wet[.gz]`).
"""

from __future__ import annotations

import contextlib
import csv
import gzip
import io
import json
import os
import sys
import tempfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, Literal, cast

from dedup.errors import InputError
from dedup.readers import FEED_SUFFIXES, WARC_SUFFIXES, read_feed, read_warc
from dedup.types import Doc

TEXT_SUFFIXES = (".txt", ".md")
JSONL_SUFFIXES = (".jsonl", ".ndjson", ".jsonl.gz", ".ndjson.gz")
CSV_SUFFIXES = (".csv", ".tsv")


@dataclass(frozen=True, slots=True)
class Fields:
    """Names of the record fields documents are read from (JSONL, JSON and CSV)."""

    id: str = "id"
    text: str = "text"
    outlet: str = "outlet"
    date: str = "date"
    title: str = "title"
    url: str = "url"
    id_given: bool = False


@dataclass(slots=True)
class ReadLog:
    """What reading skipped, with `errors="skip"`: one message per skipped record."""

    skipped: list[str] = field(default_factory=list)


def read_docs(
    paths: Iterable[str],
    *,
    fields: Fields = Fields(),
    errors: Literal["fail", "skip"] = "fail",
    log: ReadLog | None = None,
    stdin: Path | None = None,
) -> Iterator[Doc]:
    """Read documents from every path in turn, checking ids are unique across all.

    `stdin`, when given, is a file holding what was read from standard input: "-" is
    read from it (and still named <stdin> in messages), so that it can be read twice.

    Raises:
        InputError: naming the file and line (or byte offset) of the first bad
            record, when `errors` is "fail". With "skip" the record is left out and
            its message appended to `log`.
    """
    check = Checker(errors, log)
    for path in paths:
        for item in _read_one(path, fields, stdin):
            doc = check(item)
            if doc is not None:
                yield doc


class Checker:
    """What `read_docs` does with each record read, in input order: a bad record or a
    repeated id fails (`errors="fail"`) or is logged and left out ("skip")."""

    def __init__(self, errors: Literal["fail", "skip"] = "fail", log: ReadLog | None = None):
        self.errors = errors
        self.log = log if log is not None else ReadLog()
        self.seen: dict[str, str] = {}

    def __call__(self, item: _Item) -> Doc | None:
        """The document, or None when it is left out."""
        doc, where = item
        if isinstance(doc, InputError):
            _fail_or_skip(doc, self.errors, self.log)
            return None
        if doc.id in self.seen:
            err = InputError(where, f"duplicate id {doc.id!r} (first seen at {self.seen[doc.id]})")
            _fail_or_skip(err, self.errors, self.log)
            return None
        self.seen[doc.id] = where
        return doc


@dataclass(frozen=True, slots=True)
class RawLines:
    """Lines of a JSONL source not parsed yet: `lines[0]` is line `first` of `name`."""

    name: str
    first: int
    lines: list[bytes]


@dataclass(frozen=True, slots=True)
class FileRange:
    """Whole lines of a JSONL file not read yet: bytes `start` to `end` of the file at
    `path` (named `name` in messages), beginning with its line `first`. The process that
    parses them reads them, so that the bytes cross no pipe."""

    name: str
    path: str
    start: int
    end: int
    first: int

    def lines(self) -> list[bytes]:
        """The lines, without their newlines (which parsing ignores)."""
        try:
            with open(self.path, "rb") as fh:
                fh.seek(self.start)
                data = fh.read(self.end - self.start)
        except OSError as exc:
            raise _read_error(self.name, exc) from exc
        if len(data) != self.end - self.start:
            raise InputError(self.name, "the file changed while it was read")
        lines = data.split(b"\n")
        if not lines[-1]:
            lines.pop()  # after the last newline: nothing, unless the file ends without one
        return lines


#: A piece of input: JSONL lines to parse (in a worker), or records already read.
Piece = RawLines | FileRange | list[tuple[Doc | InputError, str]]

#: Bytes `line_ranges` reads at once to find where pieces of lines end.
RANGE_BLOCK = 1 << 24


def line_ranges(path: str, name: str, size: int) -> Iterator[FileRange]:
    """The file at `path` as ranges of `size` lines (the last may hold fewer), found by
    counting newlines a block at a time: nothing but the count is kept."""
    import numpy as np

    start, first, count, pos = 0, 1, 0, 0  # count: newlines since start
    with open(path, "rb") as fh:
        while block := fh.read(RANGE_BLOCK):
            newlines = np.flatnonzero(np.frombuffer(block, dtype=np.uint8) == 10)
            for at in newlines[size - count - 1 :: size].tolist():
                end = pos + at + 1
                yield FileRange(name, path, start, end, first)
                start, first = end, first + size
            count = (count + len(newlines)) % size
            pos += len(block)
    if pos > start:
        yield FileRange(name, path, start, pos, first)


def read_pieces(
    paths: Iterable[str], *, fields: Fields = Fields(), stdin: Path | None = None, size: int = 2000
) -> Iterator[Piece]:
    """The input in pieces of about `size` records, in order, for `parse_piece` to finish
    elsewhere: JSONL files and spooled standard input as ranges of lines for the parsing
    process to read (parsing is the costly part, and the bytes then cross no pipe),
    compressed JSONL and unspooled standard input as raw lines, every other input as
    records read here. Records are not checked (see `Checker`)."""
    for path in paths:
        source = _jsonl_source(path, stdin)
        if source is None:
            batch: list[_Item] = []
            for item in _read_one(path, fields, stdin):
                batch.append(item)
                if len(batch) == size:
                    yield batch
                    batch = []
            if batch:
                yield batch
            continue
        opener, name = source
        plain = stdin if path == "-" else Path(path)
        if plain is not None and not plain.name.lower().endswith(".gz"):
            try:
                yield from line_ranges(str(plain), name, size)
            except OSError as exc:
                raise _read_error(name, exc) from exc
            continue
        try:
            with opener() as fh:
                first, lines = 1, []
                for raw in fh:
                    lines.append(raw)
                    if len(lines) == size:
                        yield RawLines(name, first, lines)
                        first, lines = first + size, []
                if lines:
                    yield RawLines(name, first, lines)
        except (OSError, EOFError) as exc:
            raise _read_error(name, exc) from exc


def _jsonl_source(path: str, stdin: Path | None) -> tuple[Callable[[], IO[bytes]], str] | None:
    """How to open `path` as JSONL lines, or None when it is not a JSONL file."""
    if path == "-":
        if stdin is None:
            return lambda: contextlib.nullcontext(sys.stdin.buffer), "<stdin>"  # type: ignore[return-value]
        return lambda: stdin.open("rb"), "<stdin>"
    p = Path(path)
    name = p.name.lower()
    if not name.endswith(JSONL_SUFFIXES) or not p.is_file():
        return None
    if name.endswith(".gz"):
        return lambda: cast(IO[bytes], gzip.open(p, "rb")), path
    return lambda: p.open("rb"), path


def parse_piece(piece: Piece, fields: Fields) -> list[tuple[Doc | InputError, str]]:
    """The records of a piece, as `read_docs` reads them (unchecked)."""
    if isinstance(piece, list):
        return piece
    lines = piece.lines() if isinstance(piece, FileRange) else piece.lines
    out = []
    for k, raw in enumerate(lines):
        item = _parse_line(raw, piece.name, piece.first + k, fields)
        if item is not None:
            out.append(item)
    return out


def _fail_or_skip(err: InputError, errors: str, log: ReadLog) -> None:
    if errors == "fail":
        raise err
    log.skipped.append(str(err))


_Item = tuple[Doc | InputError, str]


def _read_one(path: str, fields: Fields, stdin: Path | None = None) -> Iterator[_Item]:
    if path == "-":
        if stdin is None:
            yield from _read_jsonl(sys.stdin.buffer, "<stdin>", fields)
        else:
            with stdin.open("rb") as fh:
                yield from _read_jsonl(fh, "<stdin>", fields)
        return
    p = Path(path)
    if p.is_dir():
        yield from _read_folder(p)
        return
    if not p.exists():
        raise InputError(path, "no such file or folder")
    name = p.name.lower()
    try:
        if name.endswith(JSONL_SUFFIXES):
            with gzip.open(p, "rb") if name.endswith(".gz") else p.open("rb") as fh:
                yield from _read_jsonl(cast(IO[bytes], fh), path, fields)
        elif name.endswith(".json"):
            yield from _read_json_array(p, fields)
        elif name.endswith(CSV_SUFFIXES):
            yield from _read_csv(p, fields, "\t" if name.endswith(".tsv") else ",")
        elif name.endswith(TEXT_SUFFIXES):
            yield _read_text_file(p, p.stem, path)
        elif name.endswith(FEED_SUFFIXES) or _looks_like_feed(p, name):
            yield from read_feed(p, path)
        elif name.endswith(WARC_SUFFIXES):
            yield from read_warc(p, path)
        else:
            raise InputError(
                path,
                "unknown file type: use .txt, .md, .jsonl, .json, .csv, .tsv, .rss, .atom, .xml "
                "(a feed), .warc or .wet",
            )
    except (OSError, EOFError) as exc:
        raise _read_error(path, exc) from exc


def _read_error(path: str, exc: OSError | EOFError) -> InputError:
    reason = getattr(exc, "strerror", None) or exc or "truncated file"
    return InputError(path, f"cannot read: {reason}")


def _looks_like_feed(p: Path, name: str) -> bool:
    """An .xml file whose root element is an RSS or Atom feed."""
    if not name.endswith(".xml"):
        return False
    with p.open("rb") as fh:
        head = fh.read(2048).lower()
    return b"<rss" in head or b"<feed" in head or b"<rdf:rdf" in head


def _read_folder(root: Path) -> Iterator[_Item]:
    files = sorted(
        (f for f in root.rglob("*") if f.is_file() and f.suffix.lower() in TEXT_SUFFIXES),
        key=lambda f: f.relative_to(root).as_posix(),
    )
    if not files:
        raise InputError(str(root), "folder holds no .txt or .md files")
    for f in files:
        rel = f.relative_to(root).with_suffix("").as_posix()
        try:
            yield _read_text_file(f, rel, str(f))
        except OSError as exc:
            raise InputError(str(f), f"cannot read: {exc.strerror or exc}") from exc


def _decode(raw: bytes, where: str, *, line_base: int | None = None) -> str | InputError:
    """UTF-8 text, or an error naming the line (or byte) of the first bad byte."""
    if b"\x00" in raw:
        at = raw.index(b"\x00")
        return InputError(where, "binary file (NUL byte), not text", offset=at)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1 if line_base is None else line_base
        return InputError(where, f"invalid UTF-8 at byte {exc.start}", line=line)
    return text.removeprefix("\ufeff")


def _read_text_file(p: Path, doc_id: str, where: str) -> _Item:
    text = _decode(p.read_bytes(), where)
    if isinstance(text, InputError):
        return text, where
    if not text.strip():
        return InputError(where, "empty document"), where
    return Doc(id=doc_id, text=text, source=where), where


def _read_jsonl(fh: IO[bytes], name: str, fields: Fields) -> Iterator[_Item]:
    for lineno, raw in enumerate(fh, start=1):
        item = _parse_line(raw, name, lineno, fields)
        if item is not None:
            yield item


def _parse_line(raw: bytes, name: str, lineno: int, fields: Fields) -> _Item | None:
    """One JSONL line as a record (None for a blank line)."""
    if not raw or raw.isspace():
        return None
    where = f"{name}:{lineno}"
    line = _decode(raw, name, line_base=lineno)
    if isinstance(line, InputError):
        return line, where
    try:
        record = json.loads(line)
    except json.JSONDecodeError as exc:
        return InputError(name, f"not JSON: {exc.msg} at column {exc.colno}", line=lineno), where
    return _to_doc(record, name, lineno, fields, where), where


def _read_json_array(p: Path, fields: Fields) -> Iterator[_Item]:
    text = _decode(p.read_bytes(), str(p))
    if isinstance(text, InputError):
        raise text
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(str(p), f"not JSON: {exc.msg}", line=exc.lineno) from exc
    if not isinstance(data, list):
        raise InputError(
            str(p), "a .json file must hold an array of objects (use .jsonl for lines)"
        )
    for i, record in enumerate(data, start=1):
        yield _to_doc(record, f"{p}[{i}]", None, fields), f"{p}[{i}]"


def _read_csv(p: Path, fields: Fields, delimiter: str) -> Iterator[_Item]:
    text = _decode(p.read_bytes(), str(p))
    if isinstance(text, InputError):
        raise text
    csv.field_size_limit(sys.maxsize)
    reader = csv.DictReader(io.StringIO(text, newline=""), delimiter=delimiter)
    if reader.fieldnames is None or fields.text not in reader.fieldnames:
        raise InputError(str(p), f"no {fields.text!r} column (use --text-field)", line=1)
    try:
        for row in reader:
            yield _to_doc(row, str(p), reader.line_num, fields), f"{p}:{reader.line_num}"
    except csv.Error as exc:
        raise InputError(str(p), f"bad CSV: {exc}", line=reader.line_num) from exc


def _to_doc(
    record: Any, name: str, lineno: int | None, fields: Fields, where: str | None = None
) -> Doc | InputError:
    def err(msg: str) -> InputError:
        return InputError(name, msg, line=lineno)

    if not isinstance(record, dict):
        return err(f"expected an object, found {type(record).__name__}")
    text = record.get(fields.text)
    if text is None:
        return err(f"missing text field {fields.text!r} (use --text-field)")
    if not isinstance(text, str):
        return err(f"text field {fields.text!r} is not a string")
    if not text or text.isspace():
        return err("empty document")
    raw_id = record.get(fields.id)
    if raw_id is None or raw_id == "":
        if fields.id_given:
            return err(f"missing id field {fields.id!r}")
        raw_id = f"{Path(name).name}:{lineno}" if lineno is not None else name.rsplit("/", 1)[-1]
    if not isinstance(raw_id, (str, int)) or isinstance(raw_id, bool):
        return err(f"id field {fields.id!r} must be a string or an integer")

    def opt(key: str) -> str | None:
        value = record.get(key)
        return None if value in (None, "") else str(value)

    return Doc(
        id=str(raw_id),
        text=text,
        source=where or (name if lineno is None else f"{name}:{lineno}"),
        outlet=opt(fields.outlet),
        date=opt(fields.date),
        title=opt(fields.title),
        url=opt(fields.url),
    )


def write_text(data: str, path: str | None) -> None:
    """Write to `path` atomically (temp file + rename; a symlink's target is replaced,
    not the link), to stdout when None or '-', and straight through to a device or
    pipe such as /dev/null."""
    if path is None or path == "-":
        sys.stdout.write(data)
        sys.stdout.flush()
        return
    target = Path(path)
    if target.exists() and not target.is_file():
        # A device or a pipe (/dev/stdout, a FIFO): write through, never replace it.
        try:
            with target.open("w", encoding="utf-8", newline="") as fh:
                fh.write(data)
        except OSError as exc:
            raise InputError(path, f"cannot write: {exc.strerror or exc}") from exc
        return
    if target.is_symlink():
        target = target.resolve()
    tmp: Path | None = None
    try:
        fd, name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.")
        tmp = Path(name)
        umask = os.umask(0)
        os.umask(umask)
        os.fchmod(fd, 0o666 & ~umask)  # mkstemp makes 0600; a report is an ordinary file
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
            fh.write(data)
        tmp.replace(target)
    except OSError as exc:
        if tmp is not None:
            tmp.unlink(missing_ok=True)
        raise InputError(path, f"cannot write: {exc.strerror or exc}") from exc
