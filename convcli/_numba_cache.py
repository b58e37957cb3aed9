"""Choose a writable Numba cache directory before Numba is imported.

Numba caches compiled kernels beside their source (``__pycache__``) and falls back to a user
cache directory when that is read-only. When ``NUMBA_CACHE_DIR`` names a directory that cannot
be written, Numba fails instead, so we point it at a writable one (``~/.cache/convcli/numba``,
else a fresh temporary directory): a read-only cache must never stop convcli from running.
"""

from __future__ import annotations

import os
import tempfile


def _writable(path: str) -> bool:
    try:
        os.makedirs(path, exist_ok=True)
        probe = tempfile.NamedTemporaryFile(dir=path, prefix=".convcli-probe-", delete=True)
        probe.close()
        return True
    except OSError:
        return False


def configure() -> None:
    """Set ``NUMBA_CACHE_DIR`` when the configured or default location is not writable.

    Also tells OpenMP (Numba's thread pool) how long idle threads spin before they sleep, unless
    ``OMP_WAIT_POLICY`` or ``GOMP_SPINCOUNT`` is set: ``GOMP_SPINCOUNT=2000``, ~60 us here (with
    ``OMP_WAIT_POLICY=PASSIVE`` for OpenMP runtimes other than GNU's, which then do not spin).
    GNU OpenMP's default spins ~300,000 times (~9 ms): spinning threads stole the CPU from other
    work on the shared 2-core machine (3x3 at 2048x2048 ran 2-10x slower next to OpenCV). Not
    spinning at all made every parallel call pay for waking the other thread and then being woken
    at the end (~150 us per call, 10 % of a 3x3 at 2048x2048); 2000 spins keep the thread awake
    between the two halves of one call (3x3 at 2048x2048: median 0.56 of OpenCV's time against
    0.66, five runs each alternating, 2026-11-28; OpenCV's own speed within the noise).
    """
    if "OMP_WAIT_POLICY" not in os.environ and "GOMP_SPINCOUNT" not in os.environ:
        os.environ["OMP_WAIT_POLICY"] = "PASSIVE"
        os.environ["GOMP_SPINCOUNT"] = "2000"
    here = os.path.join(os.path.dirname(os.path.abspath(__file__)), "kernels", "__pycache__")
    configured = os.environ.get("NUMBA_CACHE_DIR")
    if configured:
        if _writable(configured):
            return
    elif _writable(here):
        return
    candidates = [
        os.path.join(os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "convcli", "numba"),
    ]
    for candidate in candidates:
        if _writable(candidate):
            os.environ["NUMBA_CACHE_DIR"] = candidate
            return
    os.environ["NUMBA_CACHE_DIR"] = tempfile.mkdtemp(prefix="convcli-numba-")
