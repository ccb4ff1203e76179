"""dedup's processes put numpy's arrays on small pages unless the environment says."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from dedup import memory
from tests.conftest import FIXTURES

switch = memory.advice_switch()
pytestmark = pytest.mark.skipif(switch is None, reason="this numpy has no huge-page switch")


@pytest.fixture
def restore_advice() -> object:
    before = switch(True)
    yield
    switch(before)


def test_small_pages_turns_numpys_huge_page_advice_off(
    restore_advice: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("NUMPY_MADVISE_HUGEPAGE", raising=False)
    assert memory.small_pages()
    assert switch(False) is False  # it was off


def test_the_environment_decides_when_it_says(
    restore_advice: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NUMPY_MADVISE_HUGEPAGE", "1")
    assert not memory.small_pages()
    assert switch(True) is True  # left on


def test_a_command_runs_with_the_advice_off() -> None:
    code = (
        "import os, sys\n"
        "from dedup.cli import app\n"
        "try:\n"
        f"    app(['scan', {str(FIXTURES)!r}, '-q', '-f', 'csv', '-o', os.devnull])\n"
        "except SystemExit as exc:\n"
        "    assert not exc.code, exc.code\n"
        "from dedup.memory import advice_switch\n"
        "print(advice_switch()(True))\n"
    )
    env = {k: v for k, v in os.environ.items() if k != "NUMPY_MADVISE_HUGEPAGE"}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "False"  # the advice was off while the scan ran
