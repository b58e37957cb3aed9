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

    Also asks OpenMP (Numba's thread pool) to put idle threads to sleep instead of spinning
    (``OMP_WAIT_POLICY=PASSIVE`` unless set): spinning threads steal the CPU from other work on a
    shared machine (measured: 3x3 at 2048x2048 ran 2-10x slower next to OpenCV with GNU OpenMP's
    default spin). A short spin (``GOMP_SPINCOUNT=2000``, ~60 us) made a 3x3 at 2048x2048 ~10 %
    faster, but an RGB 2048x2048 3x3 next to OpenCV then ran 5-7x slower in 4 of 23 processes (0 of
    14 without spinning; 2026-11-28), so it is not the default.
    """
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
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
