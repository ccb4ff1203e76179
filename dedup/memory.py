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
"""

from __future__ import annotations

import os
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
