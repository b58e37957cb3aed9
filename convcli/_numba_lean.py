"""Keep Numba's start-up from importing SciPy's linear algebra only to probe for BLAS.

When Numba loads its first kernel it imports ``numba.np.arraymath``, which at import time runs
``import scipy.linalg.cython_blas`` just to decide whether ``np.convolve``/``np.correlate``
*inside jitted code* should call BLAS ``dot`` (its ``_HAVE_BLAS``). No convcli kernel uses those
or any BLAS function, yet the probe imports all of ``scipy.linalg`` (75 modules, two OpenBLAS
libraries): measured 2026-11-27, 15-16 MiB of resident memory and 0.3-0.6 s per process that
loads a kernel (``python -m benchmarks.bench_memory_convolve --stages``).

:func:`skip_blas_probe` makes only that one import fail, while ``numba.np.arraymath`` is
executing and has not yet set ``_HAVE_BLAS``; every later import of ``scipy.linalg`` (by
Numba when jitted code calls ``np.dot`` or ``np.linalg``, or by anyone else) works as usual. The
one effect outside convcli: jitted ``np.convolve``/``np.correlate`` in the same process use
Numba's own loop instead of BLAS ``dot``. Nothing is changed when ``scipy.linalg`` or
``numba.np.arraymath`` is already imported, or with ``CONVCLI_NUMBA_BLAS_PROBE=1``.
"""

from __future__ import annotations

import os
import sys

_PROBED = ("scipy.linalg", "scipy.linalg.cython_blas")


class _SkipBlasProbe:
    """A meta-path finder that refuses ``scipy.linalg`` only during Numba's import-time BLAS probe."""

    def find_spec(self, name, path=None, target=None):
        if name not in _PROBED:
            return None
        arraymath = sys.modules.get("numba.np.arraymath")
        if arraymath is None:
            return None
        # only while the module body runs (importlib marks its spec as initialising) and before
        # it has stored the probe's answer
        running = getattr(getattr(arraymath, "__spec__", None), "_initializing", False)
        if running and not hasattr(arraymath, "_HAVE_BLAS"):
            raise ModuleNotFoundError(f"{name} is not imported for Numba's BLAS probe (convcli._numba_lean)",
                                      name=name)
        if not running:  # the probe is over
            _remove()
        return None


_FINDER = _SkipBlasProbe()


def _remove() -> None:
    if _FINDER in sys.meta_path:
        sys.meta_path.remove(_FINDER)


def skip_blas_probe() -> None:
    """Install the finder (once) unless the probe already ran or SciPy's linalg is already loaded."""
    if os.environ.get("CONVCLI_NUMBA_BLAS_PROBE") == "1":
        return
    if "numba.np.arraymath" in sys.modules or "scipy.linalg" in sys.modules or _FINDER in sys.meta_path:
        return
    sys.meta_path.insert(0, _FINDER)
