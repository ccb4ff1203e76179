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


_PROBE = (
    "import sys\n"
    "import numpy as np\n"
    "from dedup import memory\n"
    "def big_maps():\n"
    "    out = []\n"
    "    for line in open('/proc/self/maps'):\n"
    "        lo, hi = (int(x, 16) for x in line.split()[0].split('-'))\n"
    "        if hi - lo >= 60 << 20 and '[heap]' not in line:\n"
    "            out.append(line)\n"
    "    return len(out)\n"
    "{setup}\n"
    "before = big_maps()\n"
    "a = np.ones(64 << 20, dtype=np.uint8)\n"
    "print(big_maps() - before)\n"
)
on_glibc = pytest.mark.skipif(
    not sys.platform.startswith("linux") or __import__("platform").libc_ver()[0] != "glibc",
    reason="glibc's malloc on Linux",
)


def _new_big_maps(setup: str, env: dict[str, str] | None = None) -> int:
    told = {"GLIBC_TUNABLES", *memory.MALLOC_VARIABLES}
    env = {k: v for k, v in os.environ.items() if k not in told} | (env or {})
    code = _PROBE.replace("{setup}", setup)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    assert out.returncode == 0, out.stderr
    return int(out.stdout)


@on_glibc
def test_reused_heap_serves_large_arrays_from_the_heap() -> None:
    assert _new_big_maps("pass") == 1  # glibc maps a 64 MiB array apart by default
    assert _new_big_maps("assert memory.reused_heap()") == 0  # from the heap instead


@on_glibc
@pytest.mark.parametrize(
    "env", [{"GLIBC_TUNABLES": "glibc.malloc.check=0"}, {"MALLOC_ARENA_MAX": "2"}]
)
def test_reused_heap_leaves_malloc_alone_when_the_environment_says(env: dict[str, str]) -> None:
    assert _new_big_maps("assert not memory.reused_heap()", env) == 1


@on_glibc
@pytest.mark.parametrize(("passages", "maps"), [(True, 0), (False, 1)])
def test_a_scan_with_passages_runs_with_the_heap_reused(passages: bool, maps: int) -> None:
    flag = "--passages" if passages else "--no-passages"
    setup = (
        "import os\n"
        "from dedup.cli import app\n"
        "try:\n"
        f"    app(['scan', {str(FIXTURES)!r}, {flag!r}, '-q', '-f', 'csv', '-o', os.devnull])\n"
        "except SystemExit as exc:\n"
        "    assert not exc.code, exc.code\n"
    )
    assert _new_big_maps(setup) == maps
