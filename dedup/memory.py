"""How dedup's processes ask for memory: small pages for numpy's arrays.

numpy advises the kernel to back every array of 4 MiB or more with transparent huge
pages (`madvise(MADV_HUGEPAGE)`, where the system's policy is "madvise"). Each new
huge page is then zeroed, 2 MiB at once, when first touched; on virtual machines that
hand freed guest memory back to their host, that is a fresh 2 MiB from the host every
time, and numpy's temporary arrays are mostly fresh memory. On the 2-core virtual
machine of the README, `dedup scan` with passages on 5,000 SaudiNewsNet articles
faulted in about 700 huge pages and spent 4.4 s of system time with the advice (a sixth
of all CPU samples in the kernel's `clear_page_erms`, under huge page faults), 2.1-2.2 s
without it; 10.2-11.8 s against 9.7-10.3 s in all.

`small_pages()` turns the advice off for the process, unless the environment variable
``NUMPY_MADVISE_HUGEPAGE`` (numpy's own switch, read when numpy is imported) says what
to do. The command line calls it at start, and its worker processes inherit it
(forked) or call it (spawned); a program that imports dedup decides for itself.

Fresh memory costs such machines at small pages too: on the whole SaudiNewsNet corpus
most system time was page faults in numpy's large temporary arrays (about 10 us each),
which glibc's malloc maps fresh for every array of 32 MiB or more (and for most
arrays of a second thread, whose arena maps its own heaps) and unmaps when freed.
`reused_heap()` asks glibc to serve arrays below 256 MiB from one heap shared by the
process's threads and to keep up to 512 MiB of it free for reuse rather than hand it
back at once (`mallopt`), unless the environment already tunes malloc. `dedup scan`
calls it when it matches passages (in memory), where it saves time; the streaming scan
without passages gained nothing from it and held more memory (100,000 articles: about
the same time, peak 511-513 MB against 434-436 MB).
"""

from __future__ import annotations

import ctypes
import os
import platform
from collections.abc import Callable

import numpy as np


def small_pages() -> bool:
    """Stop numpy advising huge pages for its arrays (see the module docstring);
    whether the advice is now off (False where numpy has no such switch or the
    environment chose)."""
    switch = advice_switch()
    if switch is None or "NUMPY_MADVISE_HUGEPAGE" in os.environ:
        return False
    switch(False)
    return True


def advice_switch() -> Callable[[bool], bool] | None:
    """numpy's switch of its huge-page advice (it returns the setting before), where
    this numpy has one (numpy 1.19 and later, `numpy.core` before 2.0)."""
    core = getattr(np, "_core", None) or getattr(np, "core", None)
    return getattr(getattr(core, "multiarray", None), "_set_madvise_hugepage", None)


#: glibc's `mallopt` parameters (malloc.h) and what `reused_heap` sets them to.
_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD, _M_ARENA_MAX = -1, -3, -8
HEAP_SETTINGS = ((_M_ARENA_MAX, 1), (_M_MMAP_THRESHOLD, 256 << 20), (_M_TRIM_THRESHOLD, 512 << 20))


#: Environment variables through which glibc's malloc is also told how to behave.
MALLOC_VARIABLES = (
    "MALLOC_ARENA_MAX",
    "MALLOC_MMAP_THRESHOLD_",
    "MALLOC_TRIM_THRESHOLD_",
    "MALLOC_MMAP_MAX_",
    "MALLOC_TOP_PAD_",
)


def reused_heap() -> bool:
    """Ask glibc's malloc to reuse freed memory for large arrays (see the module
    docstring); whether it was asked (False off glibc, or where the environment already
    says how malloc should behave: a ``glibc.malloc.`` tunable in ``GLIBC_TUNABLES``,
    or one of `MALLOC_VARIABLES`)."""
    told = "glibc.malloc." in os.environ.get("GLIBC_TUNABLES", "") or any(
        name in os.environ for name in MALLOC_VARIABLES
    )
    if told or platform.libc_ver()[0] != "glibc":
        return False
    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):
        return False
    mallopt.argtypes, mallopt.restype = [ctypes.c_int, ctypes.c_int], ctypes.c_int
    return all(mallopt(param, value) == 1 for param, value in HEAP_SETTINGS)
