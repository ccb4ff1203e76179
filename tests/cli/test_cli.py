from __future__ import annotations

import json
from importlib import resources
from pathlib import Path

import jsonschema
import pytest
from typer.main import get_command
from typer.testing import CliRunner

from dedup.cli import app
from tests.conftest import FIXTURES

runner = CliRunner()

COPIES = [
    "copies/000_exact",
    "copies/000_diacritised",
    "copies/000_repunctuated",
    "copies/000_paragraph_added",
    "copies/000_lightly_edited",
]
SEEDS = sorted(p.stem for p in (FIXTURES / "seeds").glob("*.txt"))


def scan_json(*args: str) -> dict:
    result = runner.invoke(app, ["scan", str(FIXTURES), "--format", "json", "--quiet", *args])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_fixture_copies_cluster_with_their_original_and_nothing_else() -> None:
    report = scan_json()
    clusters = {c["cluster"]: set(c["documents"]) for c in report["clusters"]}
    original = "seeds/000_d90abd1041053346"
    (arabic,) = [m for m in clusters.values() if original in m]
    assert arabic == {original, *COPIES}
    members = set().union(*clusters.values())
    assert "other/unrelated_football" not in members
    for seed in SEEDS[1:]:
        assert f"seeds/{seed}" not in members, "different seed articles must not cluster"
    assert {"english/wire_original", "english/wire_rewrite"} in clusters.values()


def test_json_report_matches_its_schema() -> None:
    schema = json.loads(resources.files("dedup").joinpath("schema/report.schema.json").read_text())
    report = scan_json()
    jsonschema.validate(report, schema)
    assert report["params"]["bands"] * report["params"]["rows"] <= 128
    for pair in report["pairs"]:
        assert pair["a"] < pair["b"]


def test_table_is_default_and_names_clusters() -> None:
    result = runner.invoke(app, ["scan", str(FIXTURES), "--quiet"])
    assert result.exit_code == 0
    assert "2 near-duplicate clusters" in result.stdout
    assert "seeds/000_d90abd1041053346" in result.stdout


def test_csv_and_jsonl_formats() -> None:
    result = runner.invoke(app, ["scan", str(FIXTURES), "-f", "csv", "-q"])
    lines = result.stdout.splitlines()
    assert (
        lines[0] == "kind,a,b,jaccard,containment,cluster,a_start,a_end,b_start,b_end,score,weight"
    )
    report = scan_json()
    assert sum(x.startswith("pair,") for x in lines) == len(report["pairs"])
    assert sum(x.startswith("passage,") for x in lines) == len(report["passages"]) > 0
    result = runner.invoke(app, ["scan", str(FIXTURES), "-f", "jsonl", "-q"])
    kinds = [json.loads(x)["type"] for x in result.stdout.splitlines()]
    assert kinds[0] == "params"
    assert {"document", "pair", "cluster", "passage", "passage_cluster"} <= set(kinds)


def test_output_file_and_determinism(tmp_path: Path) -> None:
    out1, out2 = tmp_path / "a.json", tmp_path / "b.json"
    for out in (out1, out2):
        result = runner.invoke(app, ["scan", str(FIXTURES), "-f", "json", "-o", str(out), "-q"])
        assert result.exit_code == 0
        assert result.stdout == ""
    assert out1.read_bytes() == out2.read_bytes()


def test_containment_reports_a_story_inside_a_longer_one(tmp_path: Path) -> None:
    seed = (FIXTURES / "seeds" / "000_d90abd1041053346.txt").read_text(encoding="utf-8")
    half = "\n\n".join(seed.split("\n\n")[:6])
    other = (FIXTURES / "seeds" / "002_fe08c59a11eb98b9.txt").read_text(encoding="utf-8")
    (tmp_path / "wire.txt").write_text(half, encoding="utf-8")
    (tmp_path / "long.txt").write_text(half + "\n\n" + other, encoding="utf-8")
    plain = runner.invoke(app, ["scan", str(tmp_path), "-f", "json", "-q"])
    assert json.loads(plain.stdout)["pairs"] == []
    result = runner.invoke(app, ["scan", str(tmp_path), "-f", "json", "-q", "--containment", "0.8"])
    (pair,) = json.loads(result.stdout)["pairs"]
    assert pair["containment"] >= 0.99
    assert pair["jaccard"] < 0.5


def test_verbose_prints_banding() -> None:
    result = runner.invoke(app, ["scan", str(FIXTURES), "-q", "-v", "--threshold", "0.8"])
    assert result.exit_code == 0
    assert "14 bands x 9 rows" in result.stderr
    assert "false positive probability" in result.stderr


def test_char_shingles_find_the_same_clusters() -> None:
    report = scan_json("--shingle", "char")
    assert report["params"]["shingle"] == {"kind": "char", "size": 5, "seed": 0}
    assert len(report["clusters"]) == 2


def test_stdin_jsonl() -> None:
    text = (FIXTURES / "seeds" / "001_36a2fafde9fbd47a.txt").read_text(encoding="utf-8")
    data = "".join(json.dumps({"id": i, "text": text}) + "\n" for i in ("x", "y"))
    result = runner.invoke(app, ["scan", "-", "-f", "json", "-q"], input=data)
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["clusters"][0]["documents"] == ["x", "y"]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b'{"id": 1, "text": "a"}\nnot json\n', "bad.jsonl:2: not JSON"),
        (b'{"id": 1}\n', "bad.jsonl:1: missing text field 'text'"),
        (b'{"id": 1, "text": "\xff\xfe"}\n', "bad.jsonl:1: invalid UTF-8"),
    ],
)
def test_bad_input_exits_1_with_one_line(tmp_path: Path, content: bytes, message: str) -> None:
    p = tmp_path / "bad.jsonl"
    p.write_bytes(content)
    result = runner.invoke(app, ["scan", str(p)])
    assert result.exit_code == 1
    assert result.stdout == ""
    assert message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert "Traceback" not in result.stderr


def test_errors_skip_reports_what_it_skipped(tmp_path: Path) -> None:
    p = tmp_path / "mixed.jsonl"
    p.write_text('{"id": 1, "text": "a b c d"}\n{oops\n{"id": 2, "text": "a b c d"}\n')
    result = runner.invoke(app, ["scan", str(p), "--errors", "skip", "-f", "json"])
    assert result.exit_code == 0
    assert "mixed.jsonl:2" in result.stderr
    assert len(json.loads(result.stdout)["documents"]) == 2


@pytest.mark.parametrize(
    "args",
    [["scan"], ["scan", "x", "--format", "xml"], ["scan", "x", "--threshold", "2"], ["nope"]],
)
def test_usage_errors_exit_2(args: list[str]) -> None:
    assert runner.invoke(app, args).exit_code == 2


def test_missing_path_exits_1(tmp_path: Path) -> None:
    result = runner.invoke(app, ["scan", str(tmp_path / "missing")])
    assert result.exit_code == 1
    assert "no such file or folder" in result.stderr


def test_unwritable_output_exits_1(tmp_path: Path) -> None:
    result = runner.invoke(
        app, ["scan", str(FIXTURES), "-o", str(tmp_path / "no" / "dir" / "r.json")]
    )
    assert result.exit_code == 1
    assert "cannot write" in result.stderr


def test_every_command_has_help_with_an_example() -> None:
    def walk(group, prefix):  # type: ignore[no-untyped-def]
        for name in group.list_commands(None):
            command = group.get_command(None, name)
            yield [*prefix, name]
            if hasattr(command, "list_commands"):
                yield from walk(command, [*prefix, name])

    names = list(walk(get_command(app), []))
    assert ["index", "add"] in names
    for name in names:
        result = runner.invoke(app, [*name, "-h"])
        assert result.exit_code == 0
        assert "Example" in result.stdout, name


S003 = FIXTURES / "seeds" / "003_cf6faa348c352f3a.txt"
S004 = FIXTURES / "seeds" / "004_e53b32e58dc53caf.txt"


def test_compare_marks_differing_words() -> None:
    result = runner.invoke(
        app, ["compare", str(S003), str(S004), "--background", str(FIXTURES / "seeds")]
    )
    assert result.exit_code == 0, result.output
    assert "3 shared passages" in result.stdout
    assert "[-القادمة-]" in result.stdout
    assert "{+المقبلة+}" in result.stdout


def test_compare_json_offsets_slice_the_originals() -> None:
    result = runner.invoke(app, ["compare", str(S003), str(S004), "-f", "json"])
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    a, b = S003.read_text(encoding="utf-8"), S004.read_text(encoding="utf-8")
    assert data["passages"]
    for p in data["passages"]:
        assert a[p["a_start"] : p["a_end"]] == p["a_text"]
        assert b[p["b_start"] : p["b_end"]] == p["b_text"]
        for s, e in p["a_diff"]:
            assert p["a_start"] <= s < e <= p["a_end"]


def test_compare_needs_one_document_per_path(tmp_path: Path) -> None:
    p = tmp_path / "two.jsonl"
    p.write_text('{"id": 1, "text": "a"}\n{"id": 2, "text": "b"}\n')
    result = runner.invoke(app, ["compare", str(p), str(S003)])
    assert result.exit_code == 1
    assert "one document per path; this holds 2" in result.stderr


def test_no_passages_flag_leaves_them_out() -> None:
    report = scan_json("--no-passages")
    assert "passages" not in report
    assert report["params"]["passages"] is False


def test_passage_options_change_what_is_found() -> None:
    strict = scan_json("--min-passage-words", "12")
    default = scan_json()
    assert 0 < len(strict["passages"]) < len(default["passages"])
