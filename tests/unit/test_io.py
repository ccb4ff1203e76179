from __future__ import annotations

import gzip
import io
import json
import sys
from pathlib import Path

import pytest

from dedup.errors import InputError
from dedup.io import Fields, ReadLog, read_docs


def write(path: Path, data: bytes | str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(data, str):
        data = data.encode("utf-8")
    path.write_bytes(data)
    return path


def test_folder_recursive_ids_without_suffix(tmp_path: Path) -> None:
    write(tmp_path / "b.txt", "second")
    write(tmp_path / "sub" / "a.md", "first")
    write(tmp_path / "ignored.bin", "x")
    docs = list(read_docs([str(tmp_path)]))
    assert [d.id for d in docs] == ["b", "sub/a"]
    assert docs[1].text == "first"


def test_jsonl_fields_and_defaults(tmp_path: Path) -> None:
    p = write(
        tmp_path / "c.jsonl",
        "\n".join(
            [
                json.dumps({"id": "x1", "text": "نص", "outlet": "A", "date": "2016-07-27"}),
                "",
                json.dumps({"text": "no id here"}),
                json.dumps({"id": 7, "body": "other field", "text": "t"}),
            ]
        ),
    )
    docs = list(read_docs([str(p)]))
    assert [d.id for d in docs] == ["x1", "c.jsonl:3", "7"]
    assert docs[0].outlet == "A"
    assert docs[0].date == "2016-07-27"
    assert docs[1].source == f"{p}:3"


def test_custom_fields(tmp_path: Path) -> None:
    p = write(tmp_path / "c.jsonl", json.dumps({"url": "u", "content": "body", "source": "was"}))
    fields = Fields(id="url", text="content", outlet="source", id_given=True)
    (doc,) = read_docs([str(p)], fields=fields)
    assert (doc.id, doc.text, doc.outlet) == ("u", "body", "was")


def test_gzip_jsonl(tmp_path: Path) -> None:
    p = tmp_path / "c.jsonl.gz"
    p.write_bytes(gzip.compress(json.dumps({"id": "g", "text": "zipped"}).encode()))
    assert [d.id for d in read_docs([str(p)])] == ["g"]


def test_csv_with_long_fields_and_line_numbers(tmp_path: Path) -> None:
    long = "كلمة " * 50000
    p = write(tmp_path / "c.csv", f'id,text,title\n1,"{long}",t\n2,"multi\nline",\n3,,x\n')
    with pytest.raises(InputError, match=r"c\.csv:5: empty document"):
        list(read_docs([str(p)]))
    log = ReadLog()
    docs = list(read_docs([str(p)], errors="skip", log=log))
    assert [d.id for d in docs] == ["1", "2"]
    assert docs[1].title is None
    assert len(log.skipped) == 1


def test_json_array(tmp_path: Path) -> None:
    p = write(
        tmp_path / "day.json",
        json.dumps([{"url": "a", "content": "x"}, {"url": "b", "content": "y"}]),
    )
    docs = list(read_docs([str(p)], fields=Fields(id="url", text="content", id_given=True)))
    assert [d.id for d in docs] == ["a", "b"]


def test_stdin(monkeypatch: pytest.MonkeyPatch) -> None:
    data = (json.dumps({"id": "s", "text": "from stdin"}) + "\n").encode()
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data)))
    assert [d.text for d in read_docs(["-"])] == ["from stdin"]


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("bad.jsonl", b'{"id": 1, "text": "ok"}\n{"id": 2, "text": \n', r"bad\.jsonl:2: not JSON"),
        (
            "bad.jsonl",
            b'{"id": 1, "title": "no text"}\n',
            r"bad\.jsonl:1: missing text field 'text'",
        ),
        (
            "bad.jsonl",
            b'{"id": 1, "text": "ok"}\n{"id": 1, "text": "again"}\n',
            r"bad\.jsonl:2: duplicate id '1'",
        ),
        ("bad.jsonl", b"[1, 2]\n", r"bad\.jsonl:1: expected an object"),
        ("bad.jsonl", b'{"id": 1, "text": "  "}\n', r"bad\.jsonl:1: empty document"),
        (
            "bad.jsonl",
            b'{"id": 1, "text": "ok"}\n{"id": 2, "text": "\xff"}\n',
            r"bad\.jsonl:2: invalid UTF-8",
        ),
        ("bad.txt", b"line one\nline \xc3\x28 two\n", r"bad\.txt:2: invalid UTF-8 at byte 14"),
        ("bad.txt", b"PK\x03\x04\x00\x00binary", r"bad\.txt \(byte 4\): binary file"),
        ("bad.txt", b"   \n\n", r"bad\.txt: empty document"),
        ("bad.csv", b"id,body\n1,x\n", r"bad\.csv:1: no 'text' column"),
        ("bad.json", b'{"not": "a list"}', r"bad\.json: a \.json file must hold an array"),
        ("bad.xml", b"<a/>", r"bad\.xml: unknown file type"),
    ],
)
def test_bad_input_names_file_and_line(
    tmp_path: Path, name: str, content: bytes, message: str
) -> None:
    p = write(tmp_path / name, content)
    with pytest.raises(InputError, match=message):
        list(read_docs([str(p)]))


def test_missing_path(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no such file or folder"):
        list(read_docs([str(tmp_path / "nope.jsonl")]))


def test_skip_keeps_every_good_record(tmp_path: Path) -> None:
    lines = [json.dumps({"id": i, "text": f"doc {i}"}) for i in range(5)]
    lines.insert(2, "{broken")
    lines.append(json.dumps({"id": 0, "text": "duplicate id"}))
    p = write(tmp_path / "mixed.jsonl", "\n".join(lines))
    log = ReadLog()
    docs = list(read_docs([str(p)], errors="skip", log=log))
    assert [d.id for d in docs] == ["0", "1", "2", "3", "4"]
    assert len(log.skipped) == 2
    assert "mixed.jsonl:3" in log.skipped[0]


def test_duplicate_ids_across_files(tmp_path: Path) -> None:
    a = write(tmp_path / "a.jsonl", json.dumps({"id": "same", "text": "x"}))
    b = write(tmp_path / "b.jsonl", json.dumps({"id": "same", "text": "y"}))
    with pytest.raises(
        InputError, match=r"b\.jsonl:1: duplicate id 'same' \(first seen at .*a\.jsonl:1\)"
    ):
        list(read_docs([str(a), str(b)]))


def test_explicit_id_field_must_be_present(tmp_path: Path) -> None:
    p = write(tmp_path / "c.jsonl", json.dumps({"text": "x"}))
    with pytest.raises(InputError, match="missing id field 'url'"):
        list(read_docs([str(p)], fields=Fields(id="url", id_given=True)))


def test_write_to_a_device_does_not_replace_it(tmp_path: Path) -> None:
    import os
    import stat

    from dedup.io import write_text

    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    import threading

    got: list[str] = []
    reader = threading.Thread(target=lambda: got.append(fifo.read_text()))
    reader.start()
    write_text("report", str(fifo))
    reader.join(timeout=5)
    assert got == ["report"]
    assert stat.S_ISFIFO(fifo.stat().st_mode)


def test_write_through_a_symlink_keeps_the_link(tmp_path: Path) -> None:
    from dedup.io import write_text

    real = tmp_path / "real.json"
    real.write_text("old")
    link = tmp_path / "link.json"
    link.symlink_to(real)
    write_text("new", str(link))
    assert link.is_symlink()
    assert real.read_text() == "new"


@pytest.mark.parametrize("block", [7, 64, 1 << 24])
@pytest.mark.parametrize("size", [1, 2, 3, 100])
@pytest.mark.parametrize(
    "content",
    [
        b"",
        b"\n",
        b'{"id": "a", "text": "x"}\n',
        b'{"id": "a", "text": "x"}',  # no final newline
        b'{"id": "a", "text": "x"}\r\n\r\n{"id": "b", "text": "\\u0645 y"}\r\n',
        b'{"id": "a", "text": "x"}\n\n  \n{"id": "b", "text": "y"}\nnot json\n{"id": "c"}\n'
        + b'{"id": "d", "text": "\xff"}\n{"id": "e", "text": "'
        + ("نص طويل " * 9).encode()
        + b'"}',
    ],
)
def test_ranges_of_lines_parse_as_the_file_reads(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, content: bytes, size: int, block: int
) -> None:
    from dedup import io as dio

    path = tmp_path / "in.jsonl"
    path.write_bytes(content)
    monkeypatch.setattr(dio, "RANGE_BLOCK", block)
    pieces = list(dio.read_pieces([str(path)], size=size))
    assert all(isinstance(p, dio.FileRange) for p in pieces)
    assert all(len(p.lines()) == size for p in pieces[:-1])  # only the last holds fewer

    def seen(items: list[tuple[object, str]]) -> list[tuple[str, str, str]]:
        return [
            (type(d).__name__, repr(d) if not isinstance(d, Exception) else str(d), w)
            for d, w in items
        ]

    with path.open("rb") as fh:
        expected = seen(list(dio._read_jsonl(fh, str(path), dio.Fields())))
    got = seen([item for p in pieces for item in dio.parse_piece(p, dio.Fields())])
    assert got == expected


def test_a_range_of_a_file_that_shrank_is_an_input_error(tmp_path: Path) -> None:
    from dedup import io as dio

    path = tmp_path / "in.jsonl"
    path.write_bytes(b'{"id": "a", "text": "x"}\n' * 4)
    pieces = list(dio.read_pieces([str(path)], size=2))
    path.write_bytes(b'{"id": "a", "text": "x"}\n')
    with pytest.raises(InputError, match="changed while it was read"):
        dio.parse_piece(pieces[1], dio.Fields())
