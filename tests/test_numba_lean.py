"""Loading a convcli kernel does not import scipy.linalg for Numba's BLAS probe (convcli._numba_lean),
and everything that needs scipy.linalg or BLAS afterwards still works. Fresh interpreters, because
the probe runs once per process."""

import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

SCRIPT = """
import sys
from convcli.kernels.boundary import map_index
assert map_index(-1, 5, 1) == 0  # loads Numba's CPU target (and its numba.np.arraymath)
print("linalg-after-kernel", "scipy.linalg" in sys.modules)
import numba.np.arraymath
print("have-blas", numba.np.arraymath._HAVE_BLAS)
import numpy as np
from numba import njit
import scipy.linalg
print("lu", scipy.linalg.lu_factor(np.eye(2))[1].tolist())
print("finder-left", any(type(f).__name__ == "_SkipBlasProbe" for f in sys.meta_path))
print("dot", njit(lambda a, b: np.dot(a, b))(np.ones((2, 2)), np.ones((2, 2))).sum())
"""


def _run(**env):
    full = dict(os.environ, PYTHONPATH=ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""), **env)
    done = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True, env=full, cwd=ROOT,
                          timeout=600)
    assert done.returncode == 0, done.stderr
    return dict(line.split(" ", 1) for line in done.stdout.splitlines())


def test_kernel_load_skips_scipy_linalg_and_blas_still_works():
    out = _run()
    assert out["linalg-after-kernel"] == "False"
    assert out["have-blas"] == "False"
    assert out["lu"] == "[0, 1]"
    assert out["finder-left"] == "False"  # removed once the probe is over
    assert float(out["dot"]) == 8.0  # np.dot in jitted code imports scipy's BLAS when it is compiled


def test_opt_out_keeps_numbas_probe():
    out = _run(CONVCLI_NUMBA_BLAS_PROBE="1")
    assert out["linalg-after-kernel"] == "True"
    assert out["have-blas"] == "True"
