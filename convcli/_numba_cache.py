"""Choose a writable Numba cache directory (and Numba's vector width) before Numba is imported.

Numba caches compiled kernels beside their source (``__pycache__``) and falls back to a user
cache directory when that is read-only. When ``NUMBA_CACHE_DIR`` names a directory that cannot
be written, Numba fails instead, so we point it at a writable one (``~/.cache/convcli/numba``,
else a fresh temporary directory): a read-only cache must never stop convcli from running.
"""

from __future__ import annotations

import os
import sys
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
    14 without spinning; 2026-11-28), so it is not the default. On CPUs with AVX-512, asks Numba for
    512-bit vectors (``wide_vectors``).
    """
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
    wide_vectors()
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


def wide_vectors() -> None:
    """Let Numba's compiler use 512-bit vectors on CPUs with AVX-512 (``NUMBA_CPU_FEATURES``).

    LLVM's tuning for Intel cores with AVX-512 prefers 256-bit vectors ("prefer-256-bit") unless told
    otherwise. Measured on this project's machine (2 vCPU Intel Xeon with AVX-512, 2026-11-28, float32
    2048x2048, two threads, ``run_all --only dense,bandwidth,gaussian``): 5x5 0.59-0.62 and 7x7
    0.57-0.60 of ``cv2.filter2D``'s time against 0.62-0.67 and 0.62-0.68 with 256-bit vectors. Results do
    not change: without ``fastmath`` every vector lane computes what the scalar loop would.

    Only before Numba is imported, when neither ``NUMBA_CPU_FEATURES`` nor ``NUMBA_CPU_NAME`` is set,
    and not with ``CONVCLI_WIDE_VECTORS=0``. The setting holds for the whole process (Numba has one
    compiler per process): code other packages compile with Numba afterwards gets it too, and it is
    passed on to child processes. Numba keeps cached code per feature string, so code cached without
    it is not reused (compiled again once).
    """
    if (os.environ.get("CONVCLI_WIDE_VECTORS", "1") == "0" or "numba" in sys.modules
            or "NUMBA_CPU_FEATURES" in os.environ or "NUMBA_CPU_NAME" in os.environ):
        return
    try:
        import llvmlite.binding as llvm

        features = llvm.get_host_cpu_features()
    except Exception:  # no feature list on this platform: Numba's defaults
        return
    wide = wide_vector_features(features)
    if wide is not None:
        os.environ["NUMBA_CPU_FEATURES"] = wide


def wide_vector_features(features: dict) -> str | None:
    """Numba's feature string for 512-bit vectors from llvmlite's host ``features``, or None without AVX-512."""
    if not features.get("avx512f", False):
        return None
    return features.flatten() + ",-prefer-256-bit"
