"""Golden cases: fixtures/golden/<case>/input.jsonl → expected.json (`dedup scan -f json`).

`python -m pytest tests/golden --update-golden` rewrites the expected files; review the
diff before committing it.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from dedup.cli import app
from tests.conftest import FIXTURES

CASES = sorted(p for p in (FIXTURES / "golden").iterdir() if (p / "input.jsonl").exists())


def canonical(report: dict) -> dict:
    """Drop what may change without the results changing: the version string."""
    report = dict(report)
    report.pop("dedup_version", None)
    return report


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_golden(
    case: Path, request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(case)
    result = CliRunner().invoke(app, ["scan", "input.jsonl", "-f", "json", "-q"])
    assert result.exit_code == 0, result.output
    got = canonical(json.loads(result.stdout))
    expected_path = case / "expected.json"
    if request.config.getoption("--update-golden"):
        expected_path.write_text(
            json.dumps(got, ensure_ascii=False, indent=2, sort_keys=True) + "\n", encoding="utf-8"
        )
    expected = json.loads(expected_path.read_text(encoding="utf-8"))
    assert got == expected
