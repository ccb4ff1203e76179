"""Shared helpers of the benchmark scripts: paths, data sets, timing, tables."""

from __future__ import annotations

import json
import os
import platform
import resource
import subprocess
import sys
import tarfile
import time
import zipfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
SHARED_DATA = Path(os.environ.get("DEDUP_SHARED_DATA", ROOT.parent / "shared" / "data"))
OUT = ROOT / "benchmarks" / "out"


def need(path: Path) -> Path:
    """`path`, or exit with a clear message when the evaluation data is absent."""
    if not path.exists():
        sys.exit(f"benchmark data not found: {path} (set DEDUP_SHARED_DATA to the data folder)")
    return path


def extracted_pan() -> Path:
    """The ExAraPlagDet tarball, extracted once under benchmarks/out/."""
    target = OUT / "exaraplagdet"
    done = target / ".extracted"
    if not done.exists():
        tarball = need(SHARED_DATA / "exaraplagdet" / "exaraplagdet-dataset.tar.gz")
        target.mkdir(parents=True, exist_ok=True)
        with tarfile.open(tarball) as tar:
            tar.extractall(target, filter="data")
        done.touch()
    return target / "dataset"


def saudinewsnet(limit: int | None = None) -> list[dict[str, Any]]:
    """SaudiNewsNet articles with non-empty content, in file order (deterministic)."""
    folder = need(SHARED_DATA / "saudinewsnet")
    out: list[dict[str, Any]] = []
    for zpath in sorted(folder.glob("*.zip")):
        with zipfile.ZipFile(zpath) as zf:
            for name in sorted(n for n in zf.namelist() if n.endswith(".json")):
                for item in json.loads(zf.read(name).decode("utf-8")):
                    if item.get("content", "").strip():
                        out.append(item)
                        if limit is not None and len(out) >= limit:
                            return out
    return out


@contextmanager
def timer() -> Iterator[Callable[[], float]]:
    """Wall-clock seconds since entering, readable inside and after the block."""
    start = time.perf_counter()
    end: list[float] = []
    yield lambda: (end[0] if end else time.perf_counter()) - start
    end.append(time.perf_counter())


def python_loop(steps: int = 3_000_000) -> float:
    """Seconds a fixed pure-Python loop takes (the best of three): how fast this machine
    runs the interpreter right now, to read timings taken on different days, or while
    other tenants of the host are busy, side by side."""
    best = float("inf")
    for _ in range(3):
        start = time.perf_counter()
        total = 0
        for i in range(steps):
            total += i * i
        best = min(best, time.perf_counter() - start)
    return best


def peak_rss_mib() -> float:
    """Peak resident memory of this process so far, MiB."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def machine() -> dict[str, Any]:
    """What a result was measured on."""
    try:
        sha = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True, text=True, check=False
        ).stdout.strip()
    except OSError:
        sha = ""
    return {
        "python": platform.python_version(),
        "machine": platform.machine(),
        "cpus": os.cpu_count(),
        "git": sha,
    }


def print_table(rows: list[list[str]], header: list[str]) -> None:
    """A plain aligned table on stdout."""
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
    for r in [header, ["-" * w for w in widths], *rows]:
        print("  ".join(str(c).ljust(w) for c, w in zip(r, widths, strict=True)).rstrip())


def save(name: str, data: dict[str, Any]) -> Path:
    """Write a result as benchmarks/out/<name>.json with the machine and git SHA."""
    OUT.mkdir(parents=True, exist_ok=True)
    path = OUT / f"{name}.json"
    path.write_text(json.dumps({**data, "machine": machine()}, indent=2, ensure_ascii=False))
    return path
